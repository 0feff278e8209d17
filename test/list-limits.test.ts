// Every list argument has a maximum: a request for more is refused with a clear error
// naming the argument, and one at the maximum is answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './support/hub.ts';

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub({ config: { workers: 0 } });
});
afterAll(async () => {
  await t?.close();
});

async function post(query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${t.hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: unknown;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

const ids = (count: number) => Array.from({ length: count }, (_, i) => `nothing-${i}`);
const NODES = 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }';

describe('list arguments', () => {
  it('answers nodes(ids:) with 100 ids and refuses 101', async () => {
    expect(await post(NODES, { ids: ids(100) })).toEqual({
      data: { nodes: ids(100).map(() => null) },
    });
    const refused = await post(NODES, { ids: ids(101) });
    expect(refused.errors?.[0]?.message).toBe('ids takes at most 100 items, not 101');
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses first over 500 on a connection', async () => {
    const refused = await post('query ($first: Int) { projects(first: $first) { totalCount } }', {
      first: 501,
    });
    expect(refused.errors?.[0]?.message).toMatch(/first must be a whole number from 0 to 500/);
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses compareRuns with over 100 metric keys, before looking for the runs', async () => {
    const refused = await post(
      'query ($ids: [ID!]!, $metrics: [String!]) { compareRuns(ids: $ids, metrics: $metrics) { __typename } }',
      { ids: ids(2), metrics: ids(101) },
    );
    expect(refused.errors?.[0]?.message).toBe('metrics takes at most 100 items, not 101');
  });
});
