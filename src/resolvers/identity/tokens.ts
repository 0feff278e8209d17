// API tokens the hub issues: a random secret shown once and kept only as its SHA-256, with a
// name, an owner, a scope (hub-wide admin, or one role in one project) and an expiry; listed,
// revoked, and their last use recorded.
import { randomBytes } from 'node:crypto';
import { and, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Queryable } from '../../db/rows.ts';
import { apiTokens } from '../../db/schema.ts';
import { type Actor, hasRole, ROLES, type Role, requireAdmin, requireRole } from '../core/actor.ts';
import { tokenHolder } from '../core/actor-names.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { sha256Digest } from '../core/sha256.ts';
import { SLUG_PATTERN } from '../registry/projects.ts';

export type ApiTokenRow = typeof apiTokens.$inferSelect;

/** What every hub token starts with, so that it is told apart from an OIDC JWT (and by secret scanners). */
export const TOKEN_PREFIX = 'evh_';

/** Tokens live at most this long; a token without an expiry is asked for explicitly. */
const MAX_DAYS = 3650;

export interface CreateApiTokenInput {
  name: string;
  /** A hub-wide admin token (admins only), or one for `project` with `role`. */
  admin?: boolean | null | undefined;
  project?: string | null | undefined;
  role?: Role | null | undefined;
  /** Days until it expires; it never does when null. */
  expiresInDays?: number | null | undefined;
  /** Whom it acts for; the creator by default. */
  owner?: string | null | undefined;
}

/**
 * Issues a token. An admin may issue any; a maintainer of a project may issue tokens for
 * that project, up to maintainer. The secret is returned once and never stored.
 */
export async function createApiToken(
  ctx: ServiceContext,
  input: CreateApiTokenInput,
): Promise<{ secret: string; token: ApiTokenRow }> {
  const name = input.name.trim();
  if (!name || name.length > 100) {
    throw new ValidationError('a token has a name of 1 to 100 characters', ['input', 'name']);
  }
  const days = input.expiresInDays ?? null;
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)) {
    throw new ValidationError(`expiresInDays is a whole number from 1 to ${MAX_DAYS}`, [
      'input',
      'expiresInDays',
    ]);
  }
  const admin = input.admin ?? false;
  if (admin) {
    if (input.project || input.role) {
      throw new ValidationError('an admin token acts hub-wide: give no project or role', [
        'input',
        'project',
      ]);
    }
    requireAdmin(ctx.actor, 'issuing an admin token');
  } else {
    if (!input.project || !SLUG_PATTERN.test(input.project)) {
      throw new ValidationError('a token that is not an admin token is for one project (slug)', [
        'input',
        'project',
      ]);
    }
    if (!input.role || !ROLES.includes(input.role)) {
      throw new ValidationError(`a project token has a role: ${ROLES.join(', ')}`, [
        'input',
        'role',
      ]);
    }
    requireRole(ctx.actor, input.project, 'maintainer', 'issuing a token');
  }
  // A maintainer's token must not outlive the maintainer's own access: it expires, and no
  // later than the credential it was made with.
  const expiresAt = days === null ? null : new Date(Date.now() + days * 86_400_000);
  if (!ctx.actor.admin) {
    if (!expiresAt)
      throw new ValidationError('a token a maintainer issues expires: give expiresInDays', [
        'input',
        'expiresInDays',
      ]);
    if (ctx.actor.expiresAt && expiresAt > new Date(ctx.actor.expiresAt))
      throw new ValidationError(
        `a token you issue cannot outlive yours, which expires at ${ctx.actor.expiresAt}`,
        ['input', 'expiresInDays'],
      );
  }
  const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return ctx.db.transaction(async (tx) => {
    const [token] = await tx
      .insert(apiTokens)
      .values({
        id: newId(),
        name,
        owner: input.owner?.trim() || ctx.actor.name,
        secretHash: sha256Digest(secret),
        prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
        admin,
        projectSlug: admin ? null : input.project!,
        role: admin ? null : input.role!,
        createdBy: ctx.actor.id,
        expiresAt,
      })
      .returning();
    await recordAudit(tx, ctx.actor, {
      action: 'token.create',
      projectId: null,
      targetType: 'ApiToken',
      targetId: token!.id,
      details: {
        name,
        owner: token!.owner,
        admin,
        project: token!.projectSlug,
        role: token!.role,
        expiresAt: token!.expiresAt?.toISOString() ?? null,
      },
    });
    return { secret, token: token! };
  });
}

/** The tokens the actor manages: every token for an admin, its projects' for a maintainer. */
export async function listApiTokens(
  ctx: ServiceContext,
  project?: string | null,
): Promise<ApiTokenRow[]> {
  const rows = await ctx.db
    .select()
    .from(apiTokens)
    .where(project ? eq(apiTokens.projectSlug, project) : undefined)
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
  if (ctx.actor.admin) return rows;
  return rows.filter(
    (row) => row.projectSlug !== null && hasRole(ctx.actor, row.projectSlug, 'maintainer'),
  );
}

/** Revokes a token the actor manages; its requests and subscriptions stop at once. */
export async function revokeApiToken(ctx: ServiceContext, id: string): Promise<ApiTokenRow> {
  return ctx.db.transaction(async (tx) => {
    const [token] = await tx.select().from(apiTokens).where(eq(apiTokens.id, id)).for('update');
    const manages =
      token &&
      (ctx.actor.admin ||
        (token.projectSlug !== null && hasRole(ctx.actor, token.projectSlug, 'maintainer')) ||
        ctx.actor.tokenId === token.id);
    if (!token || !manages) throw new NotFoundError('API token', id);
    if (token.revokedAt) return token;
    const [revoked] = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(eq(apiTokens.id, id))
      .returning();
    await recordAudit(tx, ctx.actor, {
      action: 'token.revoke',
      projectId: null,
      targetType: 'ApiToken',
      targetId: id,
      details: { name: token.name, owner: token.owner },
    });
    await tx.execute(sql`select pg_notify('evalhub_access_changed', ${id})`);
    return revoked!;
  });
}

/** The actor a token secret stands for, or null when it is unknown, revoked or expired. */
export async function actorOfApiToken(db: Queryable, secret: string): Promise<Actor | null> {
  const [token] = await db
    .select()
    .from(apiTokens)
    .where(
      and(
        eq(apiTokens.secretHash, sha256Digest(secret)),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, sql`now()`)),
      ),
    );
  if (!token) return null;
  // Last use is kept to the minute: a write per request would cost more than it tells.
  await db
    .update(apiTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiTokens.id, token.id),
        or(
          isNull(apiTokens.lastUsedAt),
          lt(apiTokens.lastUsedAt, sql`now() - interval '1 minute'`),
        ),
      ),
    );
  return {
    id: `token:${token.id}`,
    kind: 'token',
    name: tokenHolder(token),
    admin: token.admin,
    roles: token.projectSlug ? { [token.projectSlug]: token.role as Role } : {},
    expiresAt: token.expiresAt?.toISOString() ?? null,
    tokenId: token.id,
  };
}

/** Whether any token can be used at all (one not revoked nor expired). */
export async function anyUsableApiToken(db: Queryable): Promise<boolean> {
  const [row] = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(
      and(
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, sql`now()`)),
      ),
    )
    .limit(1);
  return Boolean(row);
}
