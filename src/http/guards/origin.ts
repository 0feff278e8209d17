// Cross-site requests: a browser names the page that makes a request in `Origin`. Requests
// of the hub's own pages and of configured origins are served; others are refused when
// they could change state or open a WebSocket. Clients without Origin (CLI, curl) pass.
import type { IncomingMessage } from 'node:http';

/** Whether the request's Origin is absent, the hub's own, or in EVALHUB_ALLOWED_ORIGINS. */
export function originAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const own = req.headers.host;
  if (own && (origin === `http://${own}` || origin === `https://${own}`)) return true;
  return allowedOrigins.includes(origin);
}
