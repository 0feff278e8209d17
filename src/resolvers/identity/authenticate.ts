// Who a request comes from: its bearer token (a hub API token, or a JWT of the team's OIDC
// provider), or, on a hub run by one person on their own machine, that person.
import type { Queryable } from '../../db/rows.ts';
import type { Actor } from '../core/actor.ts';
import { type OidcSettings, oidcVerifier } from './oidc.ts';
import { actorOfApiToken, TOKEN_PREFIX } from './tokens.ts';

/** The request carries no usable credential; nothing it asked for was done. */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

export interface AuthenticatorOptions {
  db: Queryable;
  /** The local operator, when requests without a token act as them; null: tokens required. */
  localOperator: Actor | null;
  oidc: OidcSettings | null;
}

export interface Authenticator {
  /** The actor of an `Authorization` header value (or of none). */
  actorOf(authorization: string | undefined): Promise<Actor>;
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const verifyJwt = options.oidc ? oidcVerifier(options.oidc) : null;
  // Looked up on every request: a revoked token, or a changed membership, counts at once.
  const lookUp = (credential: string): Promise<Actor | null> =>
    credential.startsWith(TOKEN_PREFIX)
      ? actorOfApiToken(options.db, credential)
      : verifyJwt && credential.split('.').length === 3
        ? verifyJwt(options.db, credential)
        : Promise.resolve(null);
  return {
    async actorOf(authorization) {
      if (!authorization) {
        if (options.localOperator) return options.localOperator;
        throw new AuthenticationError(
          'authentication required: send "Authorization: Bearer <token>" (an evalhub API token or an OIDC token)',
        );
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) throw new AuthenticationError('the Authorization header is "Bearer <token>"');
      const actor = await lookUp(match[1]!);
      if (!actor)
        throw new AuthenticationError('the token is not valid (unknown, revoked or expired)');
      return actor;
    },
  };
}
