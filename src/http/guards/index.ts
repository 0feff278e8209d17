// The browser-safety checks every request passes before it reaches an endpoint.
import type { IncomingMessage } from 'node:http';
import { changesState, simpleContentType } from './content-type.ts';
import { type HostNames, hostAllowed } from './host.ts';
import { originAllowed } from './origin.ts';

export interface BrowserGuardConfig extends HostNames {
  allowedOrigins: readonly string[];
}

/** Why a request is refused (status and message), or null when it may go on. */
export function refusal(
  req: IncomingMessage,
  config: BrowserGuardConfig,
): { status: number; error: string } | null {
  if (!hostAllowed(req, config))
    return { status: 421, error: 'unknown Host; add it to EVALHUB_ALLOWED_HOSTS' };
  const upgrade = req.headers.upgrade !== undefined;
  if ((upgrade || changesState(req)) && !originAllowed(req, config.allowedOrigins))
    return { status: 403, error: 'cross-origin request refused; see EVALHUB_ALLOWED_ORIGINS' };
  if (!upgrade && changesState(req) && simpleContentType(req))
    return { status: 415, error: 'requests that change state must send application/json' };
  return null;
}
