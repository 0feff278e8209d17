// Streaming run events to subscribers: stored events after the subscriber's cursor, then
// live ones, in order, with no gap and no duplicate. One feed per run and process reads
// each batch of new events once for all of that run's subscribers; a subscriber that
// falls behind the feed's buffer reads what it missed from the table itself. Subscribers
// take events in batches (`batches`), so a thousand of them cost a step each per batch.
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/connect.ts';
import type { Listener } from '../../db/listener.ts';
import { runs } from '../../db/schema.ts';
import { AsyncQueue } from '../core/async-queue.ts';
import { type RunEventRow, type RunStatus, readRunEvents, TERMINAL_STATUSES } from './events.ts';

/** Events a feed keeps in memory for subscribers catching up. */
const BUFFER = 4096;
/** Events read from the table at once. */
const PAGE = 1000;
/** A feed with subscribers re-reads the table this often, in case a notification went missing. */
const SAFETY_POLL_MS = 5000;

/**
 * The hub lost what feeds a stream (its notification connection, or it is stopping): the
 * stream ends, and its client subscribes again after `resumeAfter`, the last cursor it got.
 */
export class StreamLostError extends Error {
  override name = 'StreamLostError';
  readonly reason: string;
  constructor(reason: string, resumeAfter: string) {
    super(`${reason}; subscribe again with after: "${resumeAfter}" to resume`);
    this.reason = reason;
  }
}

export const isTerminalEvent = (event: RunEventRow) =>
  event.type === 'status' &&
  TERMINAL_STATUSES.includes((event.payload as { status: RunStatus }).status);

class RunFeed {
  readonly runId: string;
  readonly #db: Database;
  /** Buffered events, in order, contiguous. */
  #buffer: RunEventRow[] = [];
  #notified = 0;
  #fetching = false;
  #waiters = new Set<() => void>();
  #poll: NodeJS.Timeout | null = null;
  subscribers = 0;
  failure: Error | null = null;

  constructor(db: Database, runId: string) {
    this.#db = db;
    this.runId = runId;
  }

  get #last(): number {
    return this.#buffer.at(-1)?.seq ?? 0;
  }

  /** A notification that the run's events now reach `seq`. */
  notify(seq: number): void {
    if (seq <= this.#notified) return;
    this.#notified = seq;
    this.#fetch();
  }

  /**
   * Reads what was notified but not yet buffered, one reader at a time. The flag is set
   * before the read starts and cleared after it settles: clearing it inside the loop's own
   * `finally` could run before the assignment of a loop that never awaited, leaving a
   * finished read marked as running and the feed deaf for good.
   */
  #fetch(): void {
    if (this.#fetching || this.failure || this.#last >= this.#notified) return;
    this.#fetching = true;
    void this.#read().then((caughtUp) => {
      this.#fetching = false;
      // Notified again while the last read was on its way: read again.
      if (caughtUp) this.#fetch();
    });
  }

  /** Reads until the buffer reaches what was notified; false if it could not. */
  async #read(): Promise<boolean> {
    try {
      while (this.#last < this.#notified && !this.failure) {
        // A feed that has not buffered yet starts just before what was notified.
        const from = this.#buffer.length ? this.#last : Math.max(0, this.#notified - PAGE);
        const rows = await readRunEvents(this.#db, this.runId, from, PAGE);
        // Not stored yet (cannot happen: notifications follow commits); the safety poll retries.
        if (!rows.length) return false;
        this.#buffer.push(...rows);
        if (this.#buffer.length > BUFFER) this.#buffer.splice(0, this.#buffer.length - BUFFER);
        this.#wake();
      }
      return true;
    } catch (error) {
      this.fail(error as Error);
      return false;
    }
  }

  /** Buffered events after `seq`, or null when the buffer does not reach back that far. */
  eventsAfter(seq: number): RunEventRow[] | null {
    const first = this.#buffer[0];
    if (!first || first.seq > seq + 1) return null;
    return this.#buffer.slice(seq + 1 - first.seq);
  }

  /** Resolves once the buffer holds events after `seq` (or the feed failed). */
  waitForMoreThan(seq: number): Promise<void> {
    if (this.failure || this.#last > seq) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.add(resolve);
      this.#poll ??= setInterval(() => void this.#safetyPoll(), SAFETY_POLL_MS);
    });
  }

  async #safetyPoll(): Promise<void> {
    const [run] = await this.#db
      .select({ last: runs.lastEventSeq })
      .from(runs)
      .where(eq(runs.id, this.runId));
    if (run) this.notify(run.last);
    if (!this.#waiters.size && this.#poll) {
      clearInterval(this.#poll);
      this.#poll = null;
    }
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.#wake();
  }

  close(): void {
    if (this.#poll) clearInterval(this.#poll);
    this.#wake();
  }
}

export class RunEventStreams {
  readonly #db: Database;
  readonly #listener: Listener;
  readonly #feeds = new Map<string, RunFeed>();
  readonly #stops: Array<() => void>;

  constructor(db: Database, listener: Listener) {
    this.#db = db;
    this.#listener = listener;
    this.#stops = [
      listener.on('evalhub_run_events', (payload) => {
        const colon = payload.lastIndexOf(':');
        this.#feeds.get(payload.slice(0, colon))?.notify(Number(payload.slice(colon + 1)));
      }),
      listener.onLoss((error) => {
        // Notifications sent meanwhile are gone: every open stream ends, and its client resumes.
        for (const feed of this.#feeds.values()) feed.fail(error);
        this.#feeds.clear();
      }),
    ];
  }

  /**
   * The run's events after `afterSeq` (0 for all), then live ones, until the run's terminal
   * status event. The caller checks that the actor may see the run.
   */
  async *events(runId: string, afterSeq: number): AsyncGenerator<RunEventRow> {
    for await (const batch of this.batches(runId, afterSeq)) yield* batch;
  }

  /**
   * The same events, in batches of those ready at once: a subscriber that keeps up gets each
   * batch the feed reads (the same event objects as every other subscriber of the run); one
   * that falls behind gets all it missed in one go, and costs one step per batch, not per
   * event. Never an empty batch.
   */
  async *batches(runId: string, afterSeq: number): AsyncGenerator<RunEventRow[]> {
    let feed = this.#feeds.get(runId);
    if (!feed) {
      feed = new RunFeed(this.#db, runId);
      this.#feeds.set(runId, feed);
    }
    feed.subscribers += 1;
    try {
      // Listening first, then reading: anything stored after this read will be notified.
      const [run] = await this.#db
        .select({ status: runs.status, last: runs.lastEventSeq })
        .from(runs)
        .where(eq(runs.id, runId));
      if (!run || (TERMINAL_STATUSES.includes(run.status) && afterSeq >= run.last)) return;
      feed.notify(run.last);
      let last = afterSeq;
      for (;;) {
        if (feed.failure) throw new StreamLostError(feed.failure.message, String(last));
        // From the feed's buffer when it reaches back to what comes next (no query: that
        // is what lets a thousand watchers share one read), else from the table.
        const batch = feed.eventsAfter(last) ?? (await readRunEvents(this.#db, runId, last, PAGE));
        if (!batch.length) {
          await feed.waitForMoreThan(last);
          continue;
        }
        const end = batch.findIndex(isTerminalEvent);
        if (end >= 0) {
          yield batch.slice(0, end + 1);
          return;
        }
        yield batch;
        last = batch.at(-1)!.seq;
      }
    } finally {
      feed.subscribers -= 1;
      if (feed.subscribers === 0 && this.#feeds.get(runId) === feed) {
        feed.close();
        this.#feeds.delete(runId);
      }
    }
  }

  /** Run status changes as they happen; the queue fails when the LISTEN connection is lost. */
  statusChanges(): AsyncQueue<{ runId: string; projectId: string; status: RunStatus }> {
    const queue = new AsyncQueue<{ runId: string; projectId: string; status: RunStatus }>(() => {
      stopStatus();
      stopLoss();
    });
    const stopStatus = this.#listener.on('evalhub_run_status', (payload) => {
      const [runId, projectId, status] = payload.split(':');
      queue.push({ runId: runId!, projectId: projectId!, status: status as RunStatus });
    });
    const stopLoss = this.#listener.onLoss((error) => queue.fail(error));
    return queue;
  }

  close(): void {
    for (const stop of this.#stops) stop();
    for (const feed of this.#feeds.values()) feed.fail(new Error('the hub is stopping'));
    this.#feeds.clear();
  }
}
