// Looking versions up: the one query, "versions of a kind with their model or dataset and its
// project, where a condition holds, limited to what the actor may see", that every service
// reading versions builds on.
import { and, eq, type SQL } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import { projects } from '../../db/schema.ts';
import type { VersionKind } from '../../runners/contract.ts';
import { type Actor, visibleProjects } from '../core/actor.ts';
import type { CatalogueRow } from './catalogue.ts';
import type { ProjectRow } from './projects.ts';
import { type VersionCatalogue, type VersionRow, versionCatalogue } from './version-catalogue.ts';

/** A version with the model or dataset it is a version of, and that one's project. */
export interface VersionInContext<Row extends VersionRow = VersionRow> {
  kind: VersionKind;
  version: Row;
  entry: CatalogueRow;
  project: ProjectRow;
}

/**
 * The versions of `kind` where `condition` (given the kind's tables) holds, each in its
 * context; only those in projects the actor may see, unless `actor` is null (the hub's own
 * bookkeeping, never a caller's request).
 */
export async function selectVersions<Row extends VersionRow = VersionRow>(
  db: Queryable,
  kind: VersionKind,
  actor: Actor | null,
  condition: (tables: VersionCatalogue) => SQL | undefined,
): Promise<Array<VersionInContext<Row>>> {
  const tables = versionCatalogue(kind);
  const { table, entries, entryId } = tables;
  const rows = await db
    .select({ version: table, entry: entries, project: projects })
    .from(table)
    .innerJoin(entries, eq(entries.id, entryId))
    .innerJoin(projects, eq(projects.id, entries.projectId))
    .where(and(condition(tables), actor ? visibleProjects(actor, entries.projectId) : undefined));
  return rows.map((row) => ({
    kind,
    version: row.version as Row,
    entry: row.entry as CatalogueRow,
    project: row.project,
  }));
}
