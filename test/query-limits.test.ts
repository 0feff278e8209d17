// One request must not take the hub down: alias, depth and token bombs and documents full of
// expensive fields are refused at validation with a 400 naming the limit, before any SQL.
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestHub, type TestHub } from './support/hub.ts';

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
