// Every request has a deadline: past it, a request whose answer has not started gets a 504
// and its connection is closed; and a request whose client went away is abandoned. Either way
// the returned signal aborts, so the work done for the request can stop.
import type { ServerResponse } from 'node:http';
import { sendJson } from './graphql-endpoint.ts';

/** A signal that aborts when the request `res` answers outlives `timeoutMs` or its client leaves. */
export function requestDeadline(res: ServerResponse, timeoutMs: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    // An answer already under way (a large artifact to a slow client) is left to finish.
    if (res.headersSent) return;
    controller.abort(new Error(`request took over ${timeoutMs} ms (EVALHUB_REQUEST_TIMEOUT_MS)`));
    res.setHeader('connection', 'close');
    sendJson(res, 504, { error: 'the request took too long and was stopped' });
  }, timeoutMs);
  res.once('close', () => {
    clearTimeout(timer);
    if (!res.writableFinished) controller.abort(new Error('the client went away'));
  });
  return controller.signal;
}
