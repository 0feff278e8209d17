// Introspection and "Did you mean" hints are the local operator's; token and OIDC callers
// get neither unless EVALHUB_INTROSPECTION=on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';

let closed: TestHub;
let open: TestHub;
const caller = memberOf('remote', ['home'], 'viewer');

beforeAll(async () => {
  closed = await startTestHub({ config: { workers: 0 } });
  open = await startTestHub({ config: { workers: 0, introspection: true } });
});
afterAll(async () => {
  await closed?.close();
  await open?.close();
});

async function post(hub: TestHub, query: string, remote: boolean) {
  const response = await fetch(`${hub.hub.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(remote ? { 'x-test-actor': JSON.stringify(caller) } : {}),
    },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as {
    data?: Record<string, unknown>;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  return { status: response.status, ...body };
}

const SCHEMA = '{ __schema { queryType { name } } }';
const TYPE = 'query { projects { totalCount } ... on Query { __type(name: "Run") { name } } }';
const TYPO = '{ projectz { totalCount } }';

describe('introspection', () => {
  it('answers the local operator', async () => {
    const answer = await post(closed, SCHEMA, false);
    expect(answer.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('refuses a token caller, also through a fragment, with a 400 saying how to allow it', async () => {
    for (const query of [SCHEMA, TYPE]) {
      const answer = await post(closed, query, true);
      expect(answer.status).toBe(400);
      expect(answer.data).toBeUndefined();
      expect(answer.errors?.[0]?.extensions?.code).toBe('INTROSPECTION_DISABLED');
      expect(answer.errors?.[0]?.message).toMatch(/EVALHUB_INTROSPECTION=on/);
    }
  });

  it('still answers __typename to a token caller', async () => {
    const answer = await post(closed, '{ __typename }', true);
    expect(answer.data).toEqual({ __typename: 'Query' });
  });

  it('answers a token caller when EVALHUB_INTROSPECTION=on', async () => {
    const answer = await post(open, SCHEMA, true);
    expect(answer.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});

describe('suggestions', () => {
  it('tells the local operator which field was meant', async () => {
    const answer = await post(closed, TYPO, false);
    expect(answer.errors?.[0]?.message).toMatch(/Did you mean .*"projects"\?/);
  });

  it('tells a token caller only that the field does not exist', async () => {
    const answer = await post(closed, TYPO, true);
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.message).toBe('Cannot query field "projectz" on type "Query".');
  });
});
