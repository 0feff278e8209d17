// Who is asking, and which projects they may see. Every service takes the actor and
// filters through `visibleProjects`; nothing reads or writes around it.
import { type Column, inArray, type SQL, sql } from 'drizzle-orm';
import { projects } from '../../db/schema.ts';

export interface Actor {
  /** Stable identifier written into audit records, e.g. `local:alice`. */
  id: string;
  /** Project slugs the actor may see and change; `ALL` for the local operator. */
  projects: 'ALL' | readonly string[];
}

/** The actor of a hub run by one person on their own machine: sees and changes everything. */
export function localActor(name = process.env.USER ?? 'operator'): Actor {
  return { id: `local:${name}`, projects: 'ALL' };
}

export function mayAccessProject(actor: Actor, slug: string): boolean {
  return actor.projects === 'ALL' || actor.projects.includes(slug);
}

/**
 * A condition restricting `projectIdColumn` to the actor's projects, or undefined when the
 * actor sees them all. It is a sub-select, so scoping never costs a statement of its own.
 */
export function visibleProjects(actor: Actor, projectIdColumn: Column): SQL | undefined {
  if (actor.projects === 'ALL') return undefined;
  if (actor.projects.length === 0) return sql`false`;
  return inArray(
    projectIdColumn,
    sql`(select ${projects.id} from ${projects} where ${inArray(projects.slug, [...actor.projects])})`,
  );
}
