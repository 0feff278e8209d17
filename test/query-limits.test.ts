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
import type { GraphQLContext } from '../src/schema/context.ts';
import { schema } from '../src/schema/index.ts';
import { formatError } from '../src/server.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

async function post(query: string) {
  const response = await fetch(`${t.hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: { message: string }[] };
  return { status: response.status, body };
}

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
    const limits = queryLimits(loadConfig({}).queryLimits);
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
      url: t.hub.url.replace(/^http/, 'ws') + '/graphql',
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
              resolve((errors as { message: string }[]).map((e) => e.message).join('\n')),
            complete: () => resolve('ok'),
          },
        );
      });
    } finally {
      await client.dispose();
    }
  }

  it('keeps the limits HTTP keeps: 60 aliases are refused', async () => {
    expect(
      await overSocket(`subscription ${aliases(60, 'runUpdates { __typename }').slice(0, -1)} }`),
    ).toMatch(/aliases|expensive|token/i);
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
