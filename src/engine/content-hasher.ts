// Hashing registrations' content in the background, in hub processes (they read the local
// paths): claims queued registrations (woken by NOTIFY, and by a poll that also finds those
// whose hasher died), hashes up to `concurrency` at once, keeps each lease and stops hashing
// as soon as it can no longer be sure it holds it.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Listener } from '../db/listener.ts';
import { log } from '../logger.ts';
import { ValidationError } from '../resolvers/core/errors.ts';
import {
  type HashingServices,
  hashContentRegistration,
} from '../resolvers/registry/content-registration-job.ts';
import {
  type ContentRegistrationRow,
  claimContentRegistration,
  failContentRegistration,
  releaseContentRegistration,
  renewContentRegistration,
} from '../resolvers/registry/content-registrations.ts';
import { claimer } from './claimer.ts';
import { keepLease } from './lease-keeper.ts';

export interface ContentHasherOptions extends HashingServices {
  listener: Listener;
  leaseMs: number;
  /** Registrations hashed at once. */
  concurrency?: number;
  /** How often to look for registrations without being woken. */
  pollMs?: number;
}

export class ContentHasher {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}:hasher`;
  readonly #options: ContentHasherOptions;
  readonly #active = new Set<Promise<void>>();
  readonly #shutdown = new AbortController();
  #stopping = false;
  /** Claims registrations until full or none waits; one claimer at a time. */
  readonly #claim = claimer(
    () => this.#claimLoop(),
    () => this.#stopping,
    (error) => log.warn('claiming a content registration failed', { error: error.message }),
  );
  #timer: NodeJS.Timeout | null = null;
  #unlisten: () => void = () => {};

  constructor(options: ContentHasherOptions) {
    this.#options = options;
  }

  start(): void {
    this.#unlisten = this.#options.listener.on('evalhub_content_registrations', (payload) => {
      if (payload.split(':')[1] === 'QUEUED') this.#claim();
    });
    this.#timer = setInterval(() => this.#claim(), this.#options.pollMs ?? this.#options.leaseMs);
    this.#claim();
  }

  async #claimLoop(): Promise<void> {
    while (this.#active.size < (this.#options.concurrency ?? 2) && !this.#stopping) {
      const leasedAt = performance.now();
      const row = await claimContentRegistration(
        this.#options.db,
        this.owner,
        this.#options.leaseMs,
      );
      if (!row) return;
      const hashing = this.#hash(row, leasedAt).finally(() => {
        this.#active.delete(hashing);
        this.#claim();
      });
      this.#active.add(hashing);
    }
  }

  async #hash(row: ContentRegistrationRow, leasedAt: number): Promise<void> {
    const { db, leaseMs } = this.#options;
    const guard = { owner: this.owner, attempt: row.attempt };
    const stop = new AbortController();
    const lease = keepLease({
      renew: () => renewContentRegistration(db, row.id, guard, leaseMs),
      holding: { registration: row.id, hasher: this.owner },
      leaseMs,
      leasedAt,
      onLost: () => stop.abort(new Error('the lease of the registration was lost')),
      onCancelRequested: () => {},
    });
    const onShutdown = () => stop.abort(new Error('the hub is stopping'));
    this.#shutdown.signal.addEventListener('abort', onShutdown);
    log.info('hashing content to register', { registration: row.id, bytes: row.bytesTotal });
    try {
      await hashContentRegistration(this.#options, row, guard, stop.signal);
    } catch (error) {
      if (this.#shutdown.signal.aborted) {
        await releaseContentRegistration(db, row.id, guard).catch(() => {});
      } else if (!stop.signal.aborted) {
        const reference = Math.random().toString(36).slice(2, 10);
        log.error('hashing content to register failed', {
          registration: row.id,
          reference,
          error: (error as Error).stack,
        });
        const failure = new ValidationError(
          `the content could not be hashed (reference ${reference}; see the hub's log)`,
          ['input', 'uri'],
        );
        await failContentRegistration(db, row.id, guard, failure).catch(() => {});
      }
    } finally {
      lease.end();
      this.#shutdown.signal.removeEventListener('abort', onShutdown);
    }
  }

  /** Stops claiming and hashing; what was being hashed goes back to the queue. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#unlisten();
    if (this.#timer) clearInterval(this.#timer);
    this.#shutdown.abort();
    await Promise.all([...this.#active]);
  }
}
