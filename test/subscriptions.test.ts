// Watching runs live over graphql-ws: complete, ordered streams that resume from a cursor.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { expectType } from './support/registry-documents.ts';
import { StartRun, waitForStatus } from './support/run-documents.ts';
import { subscriptionClient } from './support/ws.ts';

const RunEvents = graphql(`
  subscription RunEvents($runId: ID!, $after: String) {
    runEvents(runId: $runId, after: $after) {
      __typename
      cursor
      seq
      ... on RunStatusEvent { status }
      ... on RunMetricEvent { metric { key value } }
    }
  }
`);

const RunUpdates = graphql(`
  subscription RunUpdates($project: String, $status: [RunStatus!]) {
    runUpdates(project: $project, status: $status) { status run { id status } }
  }
`);

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});

afterAll(() => t.close());

async function startGenerator(events: number, ratePerSecond: number, project = 'live') {
  const { data } = await t.graphql(StartRun, {
    input: { project, runner: 'event-generator', config: { events, ratePerSecond } },
  });
  return expectType(data.startRun, 'StartRunPayload').run.id;
}

describe('runEvents', () => {
  it('delivers every event of a run, in order, then completes', async () => {
    const ws = subscriptionClient(t.hub.url);
    const runId = await startGenerator(120, 300);
    const seqs: number[] = [];
    let last: string | undefined;
    for await (const result of ws.iterate(RunEvents, { runId })) {
      expect(result.errors).toBeUndefined();
      seqs.push(result.data!.runEvents.seq);
      last =
        result.data!.runEvents.__typename === 'RunStatusEvent'
          ? result.data!.runEvents.status
          : last;
    }
    await ws.close();
    // QUEUED, RUNNING, 120 events, SUCCEEDED.
    expect(seqs).toEqual(Array.from({ length: 123 }, (_, i) => i + 1));
    expect(last).toBe('SUCCEEDED');
  });

  it('resumes after a dropped connection from the last cursor: no gap, no duplicate', async () => {
    const runId = await startGenerator(300, 400);
    const received: number[] = [];
    let cursor: string | undefined;
    const first = subscriptionClient(t.hub.url);
    for await (const result of first.iterate(RunEvents, { runId })) {
      received.push(result.data!.runEvents.seq);
      cursor = result.data!.runEvents.cursor;
      if (received.length === 40) break;
    }
    // The connection goes away mid-run, as a laptop's Wi-Fi does.
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = subscriptionClient(t.hub.url);
    for await (const result of second.iterate(RunEvents, { runId, after: cursor })) {
      received.push(result.data!.runEvents.seq);
    }
    await second.close();
    expect(received).toEqual(Array.from({ length: 303 }, (_, i) => i + 1));
  });

  it('gives each of many subscribers of one run the whole stream, exactly once', async () => {
    const runId = await startGenerator(300, 300);
    const watchers = Array.from({ length: 40 }, () => subscriptionClient(t.hub.url));
    const streams = await Promise.all(
      watchers.map(async (ws) => {
        const seqs: number[] = [];
        for await (const result of ws.iterate(RunEvents, { runId }))
          seqs.push(result.data!.runEvents.seq);
        await ws.close();
        return seqs;
      }),
    );
    for (const seqs of streams) expect(seqs).toEqual(Array.from({ length: 303 }, (_, i) => i + 1));
  });

  it('replays a finished run and completes; a cursor at its end completes at once', async () => {
    const runId = await startGenerator(10, 0);
    await waitForStatus(t, runId, ['SUCCEEDED']);
    const ws = subscriptionClient(t.hub.url);
    const seqs: number[] = [];
    for await (const result of ws.iterate(RunEvents, { runId }))
      seqs.push(result.data!.runEvents.seq);
    expect(seqs).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    const after: number[] = [];
    for await (const result of ws.iterate(RunEvents, { runId, after: '13' }))
      after.push(result.data!.runEvents.seq);
    expect(after).toEqual([]);
    await ws.close();
  });

  it('refuses a run the subscriber may not see, and a malformed cursor', async () => {
    const runId = await startGenerator(3, 0, 'secret');
    const outsider = subscriptionClient(t.hub.url, memberOf('token:eve', ['live']));
    const denied = await outsider.iterate(RunEvents, { runId }).next();
    expect(denied.value?.errors?.[0]?.message).toContain('not visible to you');
    await outsider.close();
    const ws = subscriptionClient(t.hub.url);
    const malformed = await ws.iterate(RunEvents, { runId, after: 'abc' }).next();
    expect(malformed.value?.errors?.[0]?.message).toContain('cursor');
    await ws.close();
  });

  it.runIf(process.env.DATABASE_URL)(
    'ends open streams with an error when the LISTEN connection is lost, and resuming works',
    async () => {
      const runId = await startGenerator(400, 100);
      const ws = subscriptionClient(t.hub.url);
      const received: number[] = [];
      let cursor: string | undefined;
      let error: string | undefined;
      try {
        for await (const result of ws.iterate(RunEvents, { runId })) {
          received.push(result.data!.runEvents.seq);
          cursor = result.data!.runEvents.cursor;
          if (received.length === 20) {
            await t.database.db.execute(
              sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'evalhub-listener' and datname = current_database()`,
            );
          }
        }
      } catch (errors) {
        // graphql-ws ends the iteration with the error message's list of errors.
        error = (errors as Array<{ message: string }>)[0]?.message;
      }
      expect(error).toMatch(
        /LISTEN connection to PostgreSQL was (lost|re-established); subscribe again with after: "\d+"/,
      );
      // The listener reconnects by itself; the client resumes from its cursor.
      await new Promise((resolve) => setTimeout(resolve, 500));
      for await (const result of ws.iterate(RunEvents, { runId, after: cursor })) {
        expect(result.errors).toBeUndefined();
        received.push(result.data!.runEvents.seq);
      }
      await ws.close();
      expect(received).toEqual(Array.from({ length: 403 }, (_, i) => i + 1));
    },
  );
});

describe('runUpdates', () => {
  it('streams status changes of runs in a project as they happen', async () => {
    const ws = subscriptionClient(t.hub.url);
    const updates = ws.iterate(RunUpdates, { project: 'updates' });
    const seen: string[] = [];
    const collecting = (async () => {
      for await (const result of updates) {
        const update = result.data!.runUpdates;
        seen.push(update.status);
        if (update.status === 'SUCCEEDED') {
          expect(update.run.status).toBe('SUCCEEDED');
          break;
        }
      }
    })();
    // Give the subscription a moment to be in place before the run starts.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await startGenerator(5, 0, 'updates');
    await startGenerator(5, 0, 'elsewhere');
    await collecting;
    await ws.close();
    expect(seen).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
  });
});
