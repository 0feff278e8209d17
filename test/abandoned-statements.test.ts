// A request whose client went away has its SQL stopped: on PostgreSQL the statement under
// way is cancelled on the server (it no longer shows in pg_stat_activity), and the embedded
// database runs none of the request's statements after the client left. Either way the
// request changes nothing.
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows } from '../src/db/rows.ts';
import { currentWork } from '../src/db/statements.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { expectType, RegisterModel } from './support/registry-documents.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);

let t: TestHub;
let modelId: string;

beforeAll(async () => {
  t = await startTestHub();
  const { data } = await t.graphql(RegisterModel, {
    input: { project: 'abandon', name: 'resnet', task: 'IMAGE_CLASSIFICATION' },
  });
  modelId = expectType(data.registerModel, 'RegisterModelPayload').model.id;
});

afterAll(async () => {
  await t.close();
});

const SEARCH = '{ search(query: "resnet", first: 500) { edges { node { __typename } } } }';
const REGISTER =
  'mutation { registerModel(input: { project: "abandon", name: "never-registered", task: OTHER }) { __typename } }';

/** A GraphQL request. */
const graphqlRequest = (query: string) => ({
  path: '/graphql',
  init: {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  },
});

/** Sends a request and returns a function that makes its client go away. */
function sendAndLeave(request: { path: string; init: RequestInit }): {
  leave: () => Promise<void>;
} {
  const client = new AbortController();
  const response = fetch(`${t.hub.url}${request.path}`, {
    ...request.init,
    signal: client.signal,
  }).then(
    () => 'answered',
    () => 'gone',
  );
  return {
    leave: async () => {
      client.abort();
      expect(await response).toBe('gone');
    },
  };
}

async function modelNames(): Promise<string[]> {
  const rows = await selectRows<{ name: string }>(
    t.database.db,
    sql`select name from models order by name`,
  );
  return rows.map((row) => row.name);
}

/** Polls `condition` until it holds; fails after `timeoutMs` saying what was awaited. */
async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.runIf(onPostgres)('on PostgreSQL', () => {
  /** Statements of the hub waiting for a lock (the test's). */
  const waitingOnLock = async () =>
    (
      await selectRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`,
      )
    )[0]!.n;

  it.each([
    ['a search', () => graphqlRequest(SEARCH)],
    ['a registration', () => graphqlRequest(REGISTER)],
    ['a REST lineage export', () => ({ path: `/api/v1/lineage/${modelId}/prov`, init: {} })],
  ])(
    'cancels the statement of %s whose client went away, and changes nothing',
    async (_, request) => {
      const before = await modelNames();
      // The test holds the tables the request reads: its statement waits, in flight, on the server.
      await t.database.db.transaction(async (tx) => {
        await tx.execute(
          sql`lock table projects, models, datasets, runs, findings, workflows in access exclusive mode`,
        );
        const sent = sendAndLeave(request());
        await until('the request waits on the database', async () => (await waitingOnLock()) === 1);
        await sent.leave();
        // Cancelled on the server while the lock is still held: it is no longer waiting.
        await until('the statement is cancelled', async () => (await waitingOnLock()) === 0);
      });
      expect(await modelNames()).toEqual(before);
    },
  );
});

describe.runIf(!onPostgres)('on the embedded database', () => {
  it('runs none of the statements of a request whose client went away', async () => {
    const before = await modelNames();
    const client = t.database.client as PGlite;
    // Sees the request's first statement arrive, with the signal of the request's work.
    const arrived = Promise.withResolvers<{ signal: AbortSignal; outcome: Promise<unknown> }>();
    const { query, transaction } = client;
    const watch = <F extends (...args: never[]) => Promise<unknown>>(method: F): F =>
      ((...args: Parameters<F>) => {
        const outcome = method.apply(client, args);
        const signal = currentWork()?.signal;
        if (signal) arrived.resolve({ signal, outcome: outcome.catch((error: Error) => error) });
        return outcome;
      }) as F;
    client.query = watch(query);
    client.transaction = watch(transaction);
    let outcome: Promise<unknown> | undefined;
    try {
      // The test holds the database: the request's statement waits for its turn.
      await t.database.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        const request = sendAndLeave(graphqlRequest(REGISTER));
        const first = await arrived.promise;
        outcome = first.outcome;
        await request.leave();
        const { signal } = first;
        if (!signal.aborted)
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      });
      // With the database free again, the statement was refused instead of run.
      expect(String(await outcome)).toBe(
        'AbandonedStatementError: the statement was not run: the client went away',
      );
    } finally {
      client.query = query;
      client.transaction = transaction;
    }
    expect(await modelNames()).toEqual(before);
  });
});
