// One request must not take the hub down: alias, depth and token bombs and documents full of
// expensive fields are refused at validation with a 400 naming the limit, before any SQL.
import { createServer } from 'node:http';
import type { ValidationRule } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.ts';
import { createApollo } from '../src/http/apollo.ts';
import { queryLimits } from '../src/http/query-limits.ts';
import { MAX_MESSAGE_BYTES } from '../src/http/subscriptions.ts';
import { localOperator } from '../src/resolvers/core/actor.ts';
import { encodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { createApiToken } from '../src/resolvers/identity/tokens.ts';
import { RunnerRegistry } from '../src/runners/registry.ts';
import type { GraphQLContext } from '../src/schema/context.ts';
import { schema } from '../src/schema/index.ts';
import { formatError, startHub } from '../src/server.ts';
import { memberOf, startTestHub, type TestHub, testHubConfig } from './support/hub.ts';

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

async function post(
  query: string,
  variables?: Record<string, unknown>,
  hub: { hub: { url: string } } = t,
  token?: string,
) {
  const response = await fetch(`${hub.hub.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as {
    data?: unknown;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  return { status: response.status, body, retryAfter: response.headers.get('retry-after') };
}

/** Models of projects' versions: lists of `$n` inside lists of `$n` inside lists of `$n`. */
const NESTED = `query Nested($n: Int) { projects(first: $n) { edges { node {
  models(first: $n) { edges { node { versions(first: $n) { edges { node { id } } } } } } } } } }`;

const aliases = (count: number, field: string) =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

describe('query limits', () => {
  it('refuses 10,000 aliases of trace with a 400, running none of them', async () => {
    const { status, body } = await post(
      aliases(10_000, 'trace(id: "AAAAAAAAAAAAAAAAAAAAAAAA") { __typename }'),
    );
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.map((e) => e.message).join('\n')).toMatch(/aliases|token/i);
  });

  it('refuses 10,000 aliases of search with a 400', async () => {
    const { status, body } = await post(aliases(10_000, 'search(query: "x") { __typename }'));
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
  });

  it('refuses a handful of expensive fields over their weight, naming the limit', async () => {
    const { status, body } = await post(aliases(20, 'search(query: "x") { __typename }'));
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.message).join('\n')).toMatch(/EVALHUB_MAX_EXPENSIVE/);
  });

  it('refuses a depth bomb', async () => {
    const depth = 40;
    const query = `{ projects { nodes { ${'models { nodes { project { '.repeat(depth)} slug ${'} } } '.repeat(depth)} } } }`;
    const { status } = await post(query);
    expect(status).toBe(400);
  });

  it('parses and validates a document once, and refuses a bad one every time', async () => {
    // The hub's Apollo, its limits' rules counting the validations they take part in.
    const limits = queryLimits(loadConfig({}).queryLimits, t.database.db);
    let validations = 0;
    const [first, ...rest] = limits.validationRules as [ValidationRule, ...ValidationRule[]];
    const counted: ValidationRule = (context) => {
      validations += 1;
      return first(context);
    };
    const apollo = createApollo({
      schema,
      limits: { ...limits, validationRules: [counted, ...rest] },
      introspection: false,
      formatError,
      httpServer: createServer(),
    });
    await apollo.start();
    try {
      // A token's caller: the introspection gate looks at every document it sends.
      const contextValue = { actor: memberOf('token:reader', ['vision']) } as GraphQLContext;
      const ask = (query: string) => apollo.executeOperation({ query }, { contextValue });
      for (let i = 0; i < 3; i += 1) {
        const { body } = await ask('{ __typename }');
        expect(body.kind === 'single' && body.singleResult.errors).toBeUndefined();
      }
      expect(validations).toBe(1);
      const bomb = aliases(20, 'search(query: "x") { __typename }');
      for (let i = 0; i < 2; i += 1) {
        const { body } = await ask(bomb);
        expect(body.kind === 'single' && body.singleResult.errors?.[0]?.message).toMatch(
          /EVALHUB_MAX_EXPENSIVE/,
        );
      }
      expect(validations).toBe(3);
      const introspection = await ask('{ __schema { queryType { name } } }');
      const again = await ask('{ __schema { queryType { name } } }');
      for (const { body } of [introspection, again])
        expect(body.kind === 'single' && body.singleResult.errors?.[0]?.extensions?.code).toBe(
          'INTROSPECTION_DISABLED',
        );
      expect(validations).toBe(4);
    } finally {
      await apollo.stop();
    }
  });

  it('refuses nested lists whose sizes multiply past the limit, counting the variables', async () => {
    const small = await post(NESTED, { n: 5 });
    expect(small.status).toBe(200);
    // 500 projects x 500 models x 500 versions: 125 million rows asked for in 11 tokens.
    const { status, body } = await post(NESTED, { n: 500 });
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_LARGE');
    expect(body.errors?.[0]?.message).toMatch(/about \d+ objects.*EVALHUB_MAX_COST/);
  });

  it('weighs the report of each run a list may return: 100 in one request are refused', async () => {
    const reports = `query Reports($n: Int) {
      runs(first: $n) { edges { node { report(format: MARKDOWN) } } } }`;
    expect((await post(reports, { n: 2 })).status).toBe(200);
    const { status, body } = await post(reports, { n: 100 });
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.message).toMatch(/weigh 1000 .*EVALHUB_MAX_EXPENSIVE/);
  });

  it('refuses a fragment bomb, whose spreads multiply at each level', async () => {
    // Four levels of a hundred spreads each: 100 million fields in 900 tokens.
    const levels = Array.from(
      { length: 4 },
      (_, i) => `fragment F${i} on Query { ${`...F${i + 1} `.repeat(100)}}`,
    );
    const query = `{ ...F0 } ${levels.join(' ')} fragment F4 on Query { projects { totalCount } }`;
    const { status, body } = await post(query);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toMatch(/countless objects/);
  });

  it('answers an ordinary query', async () => {
    const { status, body } = await post('{ projects { totalCount } }');
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  });
});

describe('the WebSocket', () => {
  /** What the socket answers to `query`: its errors' messages, or "ok" for data. */
  async function overSocket(query: string): Promise<string> {
    const client = createClient({
      url: `${t.hub.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      return await new Promise<string>((resolve) => {
        client.subscribe(
          { query },
          {
            next: (result) =>
              resolve(result.errors ? result.errors.map((e) => e.message).join('\n') : 'ok'),
            error: (errors) =>
              resolve(
                Array.isArray(errors)
                  ? errors.map((e: { message: string }) => e.message).join('\n')
                  : `closed: ${(errors as { code?: number; reason?: string }).code} ${(errors as { reason?: string }).reason}`,
              ),
            complete: () => resolve('ok'),
          },
        );
      });
    } finally {
      await client.dispose();
    }
  }

  it('closes a socket that sends a message larger than any subscription needs', async () => {
    const socket = new WebSocket(
      `${t.hub.url.replace(/^http/, 'ws')}/graphql`,
      'graphql-transport-ws',
    );
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    // Before connection_init is answered, as a caller with no token could.
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { x: 'x'.repeat(MAX_MESSAGE_BYTES) } }),
    );
    expect(await closed).toBe(1009); // message too big
  });

  it('keeps the limits HTTP keeps: 60 aliases are refused', async () => {
    expect(
      await overSocket(`subscription ${aliases(60, 'runUpdates { __typename }').slice(0, -1)} }`),
    ).toMatch(/aliases|expensive|token/i);
  });

  it('refuses a subscription whose nested lists multiply past the limit', async () => {
    const nested = `subscription { runUpdates { run { ${'children { '.repeat(6)}id${' }'.repeat(6)} } } }`;
    expect(await overSocket(nested)).toMatch(/query too large.*EVALHUB_MAX_COST/);
  });

  it('carries subscriptions only: a query or a mutation is sent back to HTTP', async () => {
    expect(await overSocket(aliases(3, 'projects { totalCount }'))).toMatch(/over HTTP/);
    expect(
      await overSocket(
        'mutation { registerModel(input: {project: "p", name: "m", task: OTHER}) { __typename } }',
      ),
    ).toMatch(/over HTTP/);
  });
});

describe('budgets of expensive work', () => {
  let budgeted: TestHub;
  let token: string;
  let tokenNamed: (name: string) => Promise<string>;
  beforeAll(async () => {
    budgeted = await startTestHub({
      config: {
        auth: { mode: 'required', oidc: null },
        // Two searches a minute (a search weighs 5).
        queryLimits: { ...loadConfig({}).queryLimits, expensivePerMinute: 10 },
      },
    });
    const ctx = {
      db: budgeted.database.db,
      actor: localOperator('ops'),
      runners: new RunnerRegistry([]),
    };
    tokenNamed = async (name) => (await createApiToken(ctx, { name, admin: true })).secret;
    token = await tokenNamed('searcher');
  });
  afterAll(async () => {
    await budgeted?.close();
  });

  it("refuses a token's search with 429 and Retry-After once its budget is spent", async () => {
    const search = '{ search(query: "x") { totalCount } }';
    expect((await post(search, undefined, budgeted, token)).status).toBe(200);
    expect((await post(search, undefined, budgeted, token)).status).toBe(200);
    const refused = await post(search, undefined, budgeted, token);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // Cheap requests are not rationed.
    expect((await post('{ projects { totalCount } }', undefined, budgeted, token)).status).toBe(
      200,
    );
  });

  it("spends a run's report from the budget, nested in a list or not", async () => {
    const reporter = await tokenNamed('reporter');
    const report = '{ runs(first: 1) { edges { node { report(format: MARKDOWN) } } } }';
    expect((await post(report, undefined, budgeted, reporter)).status).toBe(200);
    const refused = await post(report, undefined, budgeted, reporter);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('spends the same budget on the REST routes that trace, bundle or print', async () => {
    const own = await tokenNamed('rest');
    const run = encodeGlobalId('Run', '01a24651-4265-7005-9aa3-5ba494e19dbf');
    const get = (path: string) =>
      fetch(`${budgeted.hub.url}${path}`, { headers: { authorization: `Bearer ${own}` } });
    // A bundle weighs what a trace does: the whole budget of this hub.
    expect((await get(`/api/v1/lineage/${run}/bundle`)).status).toBe(404);
    for (const path of [
      `/api/v1/lineage/${run}/bundle`,
      `/api/v1/lineage/${run}/prov`,
      `/api/v1/runs/${run}/report?format=pdf`,
      `/api/v1/runs/${run}/report?format=md`,
    ]) {
      const refused = await get(path);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as { code: string }).code).toBe('RATE_LIMITED');
    }
    // GraphQL's expensive fields draw on the same budget.
    const search = await post('{ search(query: "x") { totalCount } }', undefined, budgeted, own);
    expect(search.status).toBe(429);
    // Cheap routes are not rationed.
    expect((await get(`/api/v1/runs/${run}/openlineage`)).status).toBe(404);
  });

  it('is one budget across every hub process on the database', async () => {
    const ctx = {
      db: budgeted.database.db,
      actor: localOperator('ops'),
      runners: new RunnerRegistry([]),
    };
    const other = (await createApiToken(ctx, { name: 'roamer', admin: true })).secret;
    // A second hub process on the same database.
    const second = await startHub({
      config: testHubConfig({
        workers: 0,
        auth: { mode: 'required', oidc: null },
        queryLimits: { ...loadConfig({}).queryLimits, expensivePerMinute: 10 },
      }),
      database: budgeted.database,
    });
    try {
      const search = '{ search(query: "x") { totalCount } }';
      const secondHub = { hub: second };
      expect((await post(search, undefined, budgeted, other)).status).toBe(200);
      expect((await post(search, undefined, secondHub, other)).status).toBe(200);
      // Each process alone has seen one search: together they have seen the two allowed.
      expect((await post(search, undefined, budgeted, other)).status).toBe(429);
      expect((await post(search, undefined, secondHub, other)).status).toBe(429);
    } finally {
      await second.close();
    }
  });
});
