// Who a request comes from, for every route that reads or changes data (GraphQL over HTTP
// and WebSocket, REST, artifacts): resolved once per request (once per WebSocket connection)
// from its bearer token, and refused with 401 when it carries none that is valid.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Actor } from '../resolvers/core/actor.ts';
import { AuthenticationError } from '../resolvers/identity/authenticate.ts';
import { IdentityProviderUnavailable } from '../resolvers/identity/oidc.ts';
import { sendJson } from './graphql-endpoint.ts';

/**
 * The actor of a request: from `authorization` when given (a WebSocket's connection_init
 * payload), else from the request's own Authorization header.
 */
export type Identify = (req: IncomingMessage, authorization?: string) => Promise<Actor>;

/**
 * The actor, or null after answering 401 (the request was not authenticated) or 503 (the
 * identity provider could not be asked).
 */
export async function identifyOrRefuse(
  identify: Identify,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Actor | null> {
  try {
    return await identify(req);
  } catch (error) {
    if (error instanceof IdentityProviderUnavailable) {
      res.setHeader('retry-after', String(error.retryAfterSeconds));
      sendJson(res, 503, { error: error.message, errors: [{ message: error.message }] });
      return null;
    }
    if (!(error instanceof AuthenticationError)) throw error;
    res.setHeader('www-authenticate', 'Bearer realm="evalhub"');
    sendJson(res, 401, { error: error.message, errors: [{ message: error.message }] });
    return null;
  }
}

/** Whether a listening address only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(host);
}
