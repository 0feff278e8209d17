// A run's events, resumed from the last cursor received whenever the connection drops or the
// hub ends the stream asking to subscribe again: no gap, no duplicate.
import { print } from 'graphql';
import type { Connection } from './connection.ts';
import { HubError } from './connection.ts';
import { RunEvents } from './documents.ts';
import type { ClientRunEventsSubscription } from './gql/graphql.ts';

export type RunEvent = ClientRunEventsSubscription['runEvents'];

/** Consecutive reconnections that received nothing before the watch gives up. */
const MAX_FRUITLESS_RECONNECTS = 5;

/** Whether a subscription's failure is worth subscribing again after. */
function isResumable(error: unknown): boolean {
  if (Array.isArray(error)) {
    // The hub lost its notification connection: it asks to subscribe again from a cursor.
    return error.some((e) => /subscribe again/.test(String((e as Error).message)));
  }
  // A closed socket (a CloseEvent, or an Error from the socket); 4401/4403: not allowed.
  const code = (error as { code?: unknown }).code;
  return !(typeof code === 'number' && (code === 4401 || code === 4403));
}

function failure(error: unknown): HubError {
  if (Array.isArray(error)) return new HubError(String((error[0] as Error).message));
  const reason = (error as { reason?: string }).reason;
  return new HubError(reason || (error as Error).message || 'the subscription failed');
}

export async function* watchRun(
  connection: Connection,
  runId: string,
  options: { after?: string | null; signal?: AbortSignal } = {},
): AsyncGenerator<RunEvent, void, undefined> {
  let cursor = options.after ?? null;
  let fruitless = 0;
  for (;;) {
    const client = connection.subscriptions();
    const stop = () => void client.dispose();
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      const events = client.iterate<ClientRunEventsSubscription>({
        query: print(RunEvents),
        variables: { runId, after: cursor },
      });
      for await (const result of events) {
        if (result.errors?.length) throw result.errors;
        const event = result.data!.runEvents;
        cursor = event.cursor;
        fruitless = 0;
        yield event;
      }
      return;
    } catch (error) {
      if (options.signal?.aborted) return;
      if (!isResumable(error) || ++fruitless > MAX_FRUITLESS_RECONNECTS) throw failure(error);
      // Give a restarting hub a moment, a little longer after each fruitless attempt.
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** fruitless));
    } finally {
      options.signal?.removeEventListener('abort', stop);
      await client.dispose();
    }
  }
}
