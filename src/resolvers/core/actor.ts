// Who is asking, and what they may do in which project. Every service takes the actor: reads
// filter through `visibleProjects`, changes check `requireRole`; nothing goes around them.
import { type Column, inArray, type SQL, sql } from 'drizzle-orm';
import { textArray } from '../../db/rows.ts';
import { projects } from '../../db/schema.ts';
import { ForbiddenError, NotFoundError } from './errors.ts';

/**
 * What a role in a project allows, each including the ones before: a viewer reads; a
 * contributor registers, starts and cancels runs and logs external runs; a maintainer also
 * triages findings and manages the project's members and tokens.
 */
export const ROLES = ['viewer', 'contributor', 'maintainer'] as const;
export type Role = (typeof ROLES)[number];

/** Every project, in a role map: what an OIDC group mapped to all projects holds. */
export const ALL_PROJECTS = '*';

export interface Actor {
  /**
   * Stable identifier written into audit records: `local:alice` (the operator of a hub on
   * their own machine), `token:<id>` (a hub-issued API token), `oidc:<subject>` (a user of
   * the team's identity provider), `system:<what>` (the hub's own bookkeeping).
   */
  id: string;
  kind: 'operator' | 'token' | 'oidc' | 'system';
  /** For people to read: the local user, the token's owner and name, the OIDC user name. */
  name: string;
  /** A hub-wide admin: every role in every project, and the hub's tokens and settings. */
  admin: boolean;
  /** Roles by project slug; ALL_PROJECTS ("*") applies to every project. */
  roles: Readonly<Record<string, Role>>;
  /** When the credential it acts with expires, if it does (subscriptions end then). */
  expiresAt?: string | null;
  /** The API token it acts with, if any (revoking it ends its subscriptions). */
  tokenId?: string | null;
}

/** The person running a hub on their own machine (embedded database, loopback): an admin. */
export function localOperator(name = process.env.USER ?? 'operator'): Actor {
  return { id: `local:${name}`, kind: 'operator', name, admin: true, roles: {} };
}

/**
 * The hub acting for itself on behalf of a record's author (e.g. a worker recording the
 * dataset a run made for the run's creator): it may write where the record already is.
 */
export function systemActor(onBehalfOf: string): Actor {
  return { id: onBehalfOf, kind: 'system', name: onBehalfOf, admin: true, roles: {} };
}

const rank = (role: Role | null) => (role ? ROLES.indexOf(role) : -1);

/**
 * The role the actor's own entry for `key` names: never something inherited from Object's
 * prototype (a project slugged "constructor" would otherwise be open to everyone).
 */
function heldIn(actor: Actor, key: string): Role | null {
  if (!Object.hasOwn(actor.roles, key)) return null;
  const role = actor.roles[key];
  return ROLES.includes(role as Role) ? (role as Role) : null;
}

/** The actor's role in a project (by slug), or null when it has none there. */
export function roleIn(actor: Actor, slug: string): Role | null {
  if (actor.admin) return 'maintainer';
  const own = heldIn(actor, slug);
  const everywhere = heldIn(actor, ALL_PROJECTS);
  return rank(own) >= rank(everywhere) ? own : everywhere;
}

/** Whether the actor may see the project at all. */
export function mayAccessProject(actor: Actor, slug: string): boolean {
  return roleIn(actor, slug) !== null;
}

/** Whether the actor holds at least `role` in the project. */
export function hasRole(actor: Actor, slug: string, role: Role): boolean {
  return rank(roleIn(actor, slug)) >= rank(role);
}

/**
 * Checks that the actor holds at least `role` in the project before it changes anything
 * there. A project the actor cannot see is not found (its existence is not revealed); one
 * it sees with a lesser role is forbidden, saying which role it would take.
 */
export function requireRole(actor: Actor, slug: string, role: Role, action: string): void {
  const held = roleIn(actor, slug);
  if (held === null) throw new NotFoundError('project', slug);
  if (rank(held) < rank(role)) throw new ForbiddenError(action, slug, role, held);
}

/** Checks that the actor is a hub admin before it does what only an admin may do. */
export function requireAdmin(actor: Actor, action: string): void {
  if (!actor.admin) throw new ForbiddenError(action, null, 'admin', null);
}

/** The slugs of the projects the actor sees, or null for every project. */
export function visibleSlugs(actor: Actor): string[] | null {
  if (actor.admin || actor.roles[ALL_PROJECTS]) return null;
  return Object.keys(actor.roles);
}

/**
 * A condition restricting `projectIdColumn` to the actor's projects, or undefined when the
 * actor sees them all. It is a sub-select, so scoping never costs a statement of its own.
 */
export function visibleProjects(actor: Actor, projectIdColumn: Column): SQL | undefined {
  const slugs = visibleSlugs(actor);
  if (slugs === null) return undefined;
  if (slugs.length === 0) return sql`false`;
  // The slugs as one array parameter: the statement's text is the same for every actor.
  return inArray(
    projectIdColumn,
    sql`(select ${projects.id} from ${projects} where ${projects.slug} = any(${textArray(slugs)}::text[]))`,
  );
}
