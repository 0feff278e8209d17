// The per-run feeds behind runEvents, with notifications delivered by hand, so that the
// awkward orders (a notification naming rows already read) happen for certain.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Listener, NotificationHandler } from '../src/db/listener.ts';
import { decodeGlobalId } from '../src/resolvers/core/global-id.ts';
import {
  appendRunEvents,
  type NewRunEvent,
  type RunEventRow,
} from '../src/resolvers/runs/events.ts';
import { RunEventStreams } from '../src/resolvers/runs/stream.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { expectType } from './support/registry-documents.ts';
import { StartRun } from './support/run-documents.ts';

/** A listener whose notifications the test delivers itself. */
class HandListener implements Listener {
  readonly handlers = new Map<string, Set<NotificationHandler>>();
  on(channel: string, handler: NotificationHandler) {
    const set = this.handlers.get(channel) ?? new Set();
    set.add(handler);
    this.handlers.set(channel, set);
    return () => set.delete(handler);
  }
  onLoss() {
    return () => {};
  }
  deliver(channel: string, payload: string) {
    for (const handler of this.handlers.get(channel) ?? []) handler(payload);
  }
  async close() {}
}

let t: TestHub;

beforeAll(async () => {
  // No workers: this test writes the events itself, as a worker would.
  t = await startTestHub({ config: { workers: 0 } });
});

afterAll(() => t.close());

const log = (message: string): NewRunEvent => ({ type: 'log', level: 'info', message });

async function append(runId: string, events: NewRunEvent[]): Promise<number> {
  const { lastSeq } = await t.database.db.transaction((tx) =>
    appendRunEvents(tx, runId, events, null),
  );
  return lastSeq;
}

/** Resolves when `received` reaches `seq`, or fails after a second. */
async function until(received: RunEventRow[], seq: number): Promise<void> {
  const deadline = Date.now() + 1000;
  while ((received.at(-1)?.seq ?? 0) < seq) {
    if (Date.now() > deadline)
      throw new Error(`stalled at ${received.at(-1)?.seq}, waiting for ${seq}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

it('keeps streaming after a notification that names rows it has already read', async () => {
  const listener = new HandListener();
  const streams = new RunEventStreams(t.database.db, listener);
  const { data } = await t.graphql(StartRun, {
    input: { project: 'feeds', runner: 'event-generator' },
  });
  const runId = decodeGlobalId(expectType(data.startRun, 'StartRunPayload').run.id)!.id;
  const notify = (seq: number) => listener.deliver('evalhub_run_events', `${runId}:${seq}`);
  const received: RunEventRow[] = [];
  const reading = (async () => {
    for await (const event of streams.events(runId, 0)) received.push(event);
  })();
  await until(received, 1);
  // Two commits; only the first is announced yet, and the feed reads both.
  const first = await append(runId, [log('a'), log('b')]);
  const second = await append(runId, [log('c'), log('d')]);
  notify(first);
  await until(received, second);
  // The second announcement names nothing new; the feed must still hear the next one.
  notify(second);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const third = await append(runId, [log('e')]);
  notify(third);
  await until(received, third);
  const last = await append(runId, [{ type: 'status', status: 'SUCCEEDED' }]);
  notify(last);
  await reading;
  expect(received.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  streams.close();
});
