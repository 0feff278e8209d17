// Whether the credential an actor acted with still holds, for work asked for in one request
// and done later (a background registration): a token revoked since stops it.
import { eq } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import { apiTokens } from '../../db/schema.ts';
import type { Actor } from './actor.ts';
import { ForbiddenError } from './errors.ts';

/**
 * Refuses, with a ForbiddenError, an actor whose API token has been revoked (or deleted)
 * since it asked. Actors without a token (the local operator, OIDC users) pass: their
 * credential is not one the hub can revoke.
 */
export async function requireCredentialHolds(
  db: Queryable,
  actor: Actor,
  action: string,
): Promise<void> {
  if (!actor.tokenId) return;
  const [token] = await db
    .select({ revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .where(eq(apiTokens.id, actor.tokenId));
  if (token && !token.revokedAt) return;
  const error = new ForbiddenError(action, null, 'a token not revoked', null);
  error.message = `${action} was refused: the token it was asked with has been revoked`;
  throw error;
}
