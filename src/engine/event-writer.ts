// Stores what a runner emits in batches: a chatty runner costs one transaction per batch,
// not one round trip per event. Events keep their order; nothing is written once the
// worker has lost the run.
import type { Database } from '../db/connect.ts';
import {
  appendRunEvents,
  type EventGuard,
  LeaseLostError,
  type NewRunEvent,
} from '../resolvers/runs/events.ts';

export interface EventWriterOptions {
  /** Events per transaction, at most. */
  batchSize: number;
  /** How long an event may wait for others to share its transaction. */
  lingerMs: number;
  /** `flushed()` waits while more than this many events are waiting. */
  highWater: number;
}

const defaults: EventWriterOptions = { batchSize: 1000, lingerMs: 15, highWater: 20_000 };

export class EventWriter {
  readonly #db: Database;
  readonly #runId: string;
  readonly #guard: EventGuard;
  readonly #options: EventWriterOptions;
  #queue: NewRunEvent[] = [];
  #flushing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #error: Error | null = null;
  /** Called once if storing fails (LeaseLostError when the worker lost the run). */
  onError: (error: Error) => void = () => {};

  constructor(
    db: Database,
    runId: string,
    guard: EventGuard,
    options: Partial<EventWriterOptions> = {},
  ) {
    this.#db = db;
    this.#runId = runId;
    this.#guard = guard;
    this.#options = { ...defaults, ...options };
  }

  get error(): Error | null {
    return this.#error;
  }

  push(event: NewRunEvent): void {
    if (this.#error) return;
    this.#queue.push(event);
    if (this.#queue.length >= this.#options.batchSize) this.#startFlush();
    else this.#timer ??= setTimeout(() => this.#startFlush(), this.#options.lingerMs);
  }

  /** Stores nothing more: what waits is dropped, and `flushed()`/`drain()` reject with `error`. */
  fence(error: Error): void {
    this.#error ??= error;
    this.#queue = [];
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  /** Resolves when the backlog is under the high-water mark; rejects if storing failed. */
  async flushed(): Promise<void> {
    while (this.#queue.length > this.#options.highWater && !this.#error) await this.#startFlush();
    if (this.#error) throw this.#error;
  }

  /** Stores everything emitted so far; rejects if storing failed. */
  async drain(): Promise<void> {
    while ((this.#queue.length || this.#flushing) && !this.#error) await this.#startFlush();
    if (this.#error) throw this.#error;
  }

  #startFlush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#flushing ??= this.#flushAll().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #flushAll(): Promise<void> {
    while (this.#queue.length && !this.#error) {
      const batch = this.#queue.splice(0, this.#options.batchSize);
      try {
        await appendRunEvents(this.#db, this.#runId, batch, this.#guard);
      } catch (error) {
        this.#error =
          error instanceof LeaseLostError
            ? error
            : new Error(`storing events failed: ${(error as Error).message}`, { cause: error });
        this.#queue = [];
        this.onError(this.#error);
      }
    }
  }
}
