// Keeping the lease of a claimed run (or of content being hashed): renewing it, and fencing the
// worker off the run as soon as it can no longer be sure it holds it. A renewal that fails or goes unanswered (the
// database is unreachable, a statement hangs) leaves the worker blind while the reaper, on a
// database that may be fine, hands the run to another worker once the lease runs out: the
// worker stops before that moment instead of working on beside the next attempt.
import { log } from '../logger.ts';
import type { LeaseDeadline } from '../runners/contract.ts';

export interface LeaseKeeping {
  /** Extends the lease: null when it is no longer held (taken over, or ran out). */
  renew: () => Promise<{ cancelRequested: boolean } | null>;
  /** What is leased, and by whom, for the log (e.g. { run, worker }). */
  holding: Record<string, string>;
  leaseMs: number;
  /**
   * `performance.now()` when the claim that set the lease was sent: the lease runs out no
   * earlier than `leaseMs` after it, on the database's clock.
   */
  leasedAt: number;
  /** The lease is gone (taken over or reaped), or could not be renewed in time. */
  onLost: (why: 'lost' | 'unrenewed') => void;
  /** A renewal saw that the run's cancel was requested. */
  onCancelRequested: () => void;
}

/** The lease being kept, as runners see it (see `LeaseDeadline`), and how to stop keeping it. */
export interface KeptLease extends LeaseDeadline {
  end(): void;
}

/**
 * Renews the lease every third of its length. The worker is fenced off (`onLost`) a tenth
 * of a lease before the last confirmed lease could run out, so that what the run started is
 * stopped by the time the reaper may take the run.
 */
export function keepLease(keeping: LeaseKeeping): KeptLease {
  const { renew, holding, leaseMs } = keeping;
  const fenceAfterMs = leaseMs - leaseMs / 10;
  let confirmedAt = keeping.leasedAt;
  let ended = false;
  const renewed = new Set<() => void>();
  const lost = (why: 'lost' | 'unrenewed') => {
    if (ended) return;
    end();
    keeping.onLost(why);
  };
  const armFence = () =>
    setTimeout(
      () => {
        log.warn('stopped work whose lease could not be renewed in time', holding);
        lost('unrenewed');
      },
      confirmedAt + fenceAfterMs - performance.now(),
    );
  let fence = armFence();
  const heartbeat = setInterval(() => {
    const sent = performance.now();
    renew().then(
      (lease) => {
        if (ended) return;
        if (!lease) return lost('lost');
        if (sent > confirmedAt) {
          confirmedAt = sent;
          clearTimeout(fence);
          fence = armFence();
          for (const listener of renewed) listener();
        }
        if (lease.cancelRequested) keeping.onCancelRequested();
      },
      (error) =>
        log.warn('renewing a lease failed', { ...holding, error: (error as Error).message }),
    );
  }, leaseMs / 3);
  function end() {
    ended = true;
    clearInterval(heartbeat);
    clearTimeout(fence);
    renewed.clear();
  }
  return {
    get fenceAt() {
      return confirmedAt + fenceAfterMs;
    },
    onRenewed(listener) {
      renewed.add(listener);
      return () => renewed.delete(listener);
    },
    end,
  };
}
