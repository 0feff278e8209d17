// One LISTEN connection per process, shared by every subscriber of every channel. When
// that connection is lost, notifications sent meanwhile are gone for good, so whoever
// relies on them is told (`onLoss`) and must resume from what is stored.
import type { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { DatabaseHandle } from './connect.ts';

export type NotificationHandler = (payload: string) => void;

export interface Listener {
  /** Calls `handler` with each notification's payload on `channel`, until unsubscribed. */
  on(channel: string, handler: NotificationHandler): () => void;
  /** Calls `handler` when the connection is lost (it reconnects by itself afterwards). */
  onLoss(handler: (error: Error) => void): () => void;
  close(): Promise<void>;
}

export const CHANNELS = [
  'evalhub_run_events',
  'evalhub_run_status',
  'evalhub_runs_queued',
  'evalhub_run_cancel',
  'evalhub_access_changed',
  'evalhub_content_registrations',
] as const;
export type Channel = (typeof CHANNELS)[number];

class Fanout {
  readonly handlers = new Map<string, Set<NotificationHandler>>();
  readonly lossHandlers = new Set<(error: Error) => void>();

  on(channel: string, handler: NotificationHandler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  onLoss(handler: (error: Error) => void): () => void {
    this.lossHandlers.add(handler);
    return () => this.lossHandlers.delete(handler);
  }

  deliver(channel: string, payload: string): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(payload);
  }

  lost(error: Error): void {
    for (const handler of [...this.lossHandlers]) handler(error);
  }
}

/**
 * Starts listening on every channel of the hub. Resolves once the LISTENs are in place,
 * so anything committed afterwards is sure to be notified.
 */
export async function startListener(database: DatabaseHandle): Promise<Listener> {
  const fanout = new Fanout();
  if (database.kind === 'pglite') {
    const client = database.client as PGlite;
    // PGlite is in-process: NOTIFY reaches these callbacks directly, and cannot be lost.
    const stops = await Promise.all(
      CHANNELS.map((channel) =>
        client.listen(channel, (payload) => fanout.deliver(channel, payload)),
      ),
    );
    return {
      on: (channel, handler) => fanout.on(channel, handler),
      onLoss: (handler) => fanout.onLoss(handler),
      close: async () => {
        for (const stop of stops) await stop().catch(() => {});
      },
    };
  }
  let closing = false;
  let established = 0;
  // A client of its own with one connection: postgres.js reconnects it and re-LISTENs.
  const client = postgres(database.url!, {
    max: 1,
    connection: { application_name: 'evalhub-listener' },
    onclose: () => {
      if (!closing) fanout.lost(new Error('the LISTEN connection to PostgreSQL was lost'));
    },
    onnotice: () => {},
  });
  const subscriptions = await Promise.all(
    CHANNELS.map((channel) =>
      client.listen(
        channel,
        (payload) => fanout.deliver(channel, payload),
        () => {
          // Called on every (re)connection; after the first, notifications may have been missed.
          established += 1;
          if (established > CHANNELS.length && !closing) {
            fanout.lost(new Error('the LISTEN connection to PostgreSQL was re-established'));
          }
        },
      ),
    ),
  );
  return {
    on: (channel, handler) => fanout.on(channel, handler),
    onLoss: (handler) => fanout.onLoss(handler),
    close: async () => {
      closing = true;
      for (const subscription of subscriptions) await subscription.unlisten().catch(() => {});
      await client.end({ timeout: 2 });
    },
  };
}
