// How the author a record names reads to people. Records keep the actor's stable id (see
// `Actor.id`); a token's id alone tells a reader nothing, so it is shown with its owner and
// name, read from the token (revoked or expired ones included: they are history).
import { inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import { apiTokens } from '../../db/schema.ts';
import { UUID } from './global-id.ts';

const TOKEN = 'token:';

/** What a token acting for someone reads as: the same words as the acting `Actor.name`. */
export const tokenHolder = (token: { owner: string; name: string }) =>
  `${token.owner} (${token.name})`;

/**
 * The readable name of each actor id, in one statement: `alice (ci)` for a token, the user
 * for `local:` and `oidc:` ids, and the id itself for anything else (a token since deleted).
 */
export async function actorNames(
  db: Queryable,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const tokenIds = [
    ...new Set(
      ids.flatMap((id) =>
        id.startsWith(TOKEN) && UUID.test(id.slice(TOKEN.length)) ? [id.slice(TOKEN.length)] : [],
      ),
    ),
  ];
  const tokens = tokenIds.length
    ? await db
        .select({ id: apiTokens.id, owner: apiTokens.owner, name: apiTokens.name })
        .from(apiTokens)
        .where(inArray(apiTokens.id, tokenIds))
    : [];
  const holders = new Map(tokens.map((token) => [`${TOKEN}${token.id}`, tokenHolder(token)]));
  return new Map(ids.map((id) => [id, holders.get(id) ?? personOf(id)]));
}

/** The user an operator or OIDC id names; any other id as it is. */
function personOf(id: string): string {
  const match = /^(local|oidc):(.+)$/.exec(id);
  return match ? match[2]! : id;
}
