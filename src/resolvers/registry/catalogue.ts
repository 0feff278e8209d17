// Models, datasets and workflows are catalogue entries of one shape (a named, described,
// tagged thing in a project; models and datasets also have a task); this registers, finds
// and lists any of them.
import { and, arrayContains, count, eq, ilike, type SQL, sql } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Queryable, Transaction } from '../../db/rows.ts';
import { datasets, models, projects, workflows } from '../../db/schema.ts';
import { type Actor, visibleProjects } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { type Connection, type Ordering, type PageArgs, paginate } from '../core/pagination.ts';
import { parseRef } from '../core/refs.ts';
import { ensureProject, type ProjectRow } from './projects.ts';

export type CatalogueTable = typeof models | typeof datasets | typeof workflows;
/** A row of any catalogue table; `task` is absent on workflows. */
export type CatalogueRow = typeof workflows.$inferSelect & { task?: string };

export interface Catalogue {
  table: CatalogueTable;
  /** The GraphQL type name, also used in audit records and global ids. */
  type: 'Model' | 'Dataset' | 'Workflow';
  entity: 'model' | 'dataset' | 'workflow';
  hasTask: boolean;
}

export const modelCatalogue: Catalogue = {
  table: models,
  type: 'Model',
  entity: 'model',
  hasTask: true,
};
export const datasetCatalogue: Catalogue = {
  table: datasets,
  type: 'Dataset',
  entity: 'dataset',
  hasTask: true,
};
export const workflowCatalogue: Catalogue = {
  table: workflows,
  type: 'Workflow',
  entity: 'workflow',
  hasTask: false,
};

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const TAG_PATTERN = /^[a-z0-9][a-z0-9._:=-]{0,63}$/;

export interface RegisterEntryInput {
  project: string;
  name: string;
  description?: string | null | undefined;
  /** Required for models and datasets; workflows have none. */
  task?: string | undefined;
  tags?: readonly string[] | null | undefined;
}

export function normaliseTags(tags: readonly string[], path: string[]): string[] {
  const normalised = [...new Set(tags.map((tag) => tag.trim().toLowerCase()))];
  for (const tag of normalised) {
    if (!TAG_PATTERN.test(tag)) {
      throw new ValidationError(
        `tag ${JSON.stringify(tag)}: letters, digits and . _ : = -, at most 64 characters`,
        path,
      );
    }
  }
  return normalised.sort();
}

export function checkName(name: string, path: string[]): void {
  if (!NAME_PATTERN.test(name)) {
    throw new ValidationError(
      'a name starts with a letter or digit and has letters, digits, dots, dashes and underscores (at most 128)',
      path,
    );
  }
}

/**
 * Registers a model or dataset, or returns the one already registered under that name.
 * Registering again may update its description and tags; its task cannot change, since
 * the task gives its versions their meaning.
 */
export function registerEntry(
  ctx: ServiceContext,
  catalogue: Catalogue,
  input: RegisterEntryInput,
): Promise<{ entry: CatalogueRow; created: boolean }> {
  return ctx.db.transaction((tx) => upsertEntry(tx, ctx.actor, catalogue, input));
}

/** `registerEntry` inside a transaction the caller holds; the entry's row stays locked. */
export async function upsertEntry(
  tx: Transaction,
  actor: Actor,
  catalogue: Catalogue,
  input: RegisterEntryInput,
): Promise<{ entry: CatalogueRow; created: boolean }> {
  checkName(input.name, ['input', 'name']);
  const tags = input.tags ? normaliseTags(input.tags, ['input', 'tags']) : null;
  const table = catalogue.table as typeof models;
  const project = await ensureProject(tx, actor, input.project, ['input', 'project']);
  // Insert first: of two transactions registering one name at once, one inserts and the
  // other, finding the name taken, goes on with the row the first one made.
  const [inserted] = await tx
    .insert(table)
    .values({
      id: newId(),
      projectId: project.id,
      name: input.name,
      description: input.description ?? '',
      tags: tags ?? [],
      ...(catalogue.hasTask ? { task: input.task } : {}),
    } as typeof models.$inferInsert)
    .onConflictDoNothing({ target: [table.projectId, table.name] })
    .returning();
  if (inserted) {
    await recordAudit(tx, actor, {
      action: `${catalogue.entity}.register`,
      projectId: project.id,
      targetType: catalogue.type,
      targetId: inserted.id,
      details: { name: input.name, ...(catalogue.hasTask ? { task: input.task } : {}) },
    });
    return { entry: inserted, created: true };
  }
  const [existing] = await tx
    .select()
    .from(table)
    .where(and(eq(table.projectId, project.id), eq(table.name, input.name)))
    .for('update');
  if (!existing)
    throw new Error(`${catalogue.entity} ${input.name} vanished while being registered`);
  if (catalogue.hasTask && existing.task !== input.task) {
    throw new ConflictError(
      `${catalogue.entity} ${project.slug}/${input.name} is registered for ${existing.task}, not ${input.task}`,
      { type: catalogue.type, id: existing.id },
    );
  }
  const changes: Partial<CatalogueRow> = {};
  if (input.description != null && input.description !== existing.description) {
    changes.description = input.description;
  }
  if (tags && tags.join() !== existing.tags.join()) changes.tags = tags;
  if (Object.keys(changes).length === 0) return { entry: existing, created: false };
  const [updated] = await tx
    .update(table)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(table.id, existing.id))
    .returning();
  await recordAudit(tx, actor, {
    action: `${catalogue.entity}.update`,
    projectId: project.id,
    targetType: catalogue.type,
    targetId: existing.id,
    details: changes,
  });
  return { entry: updated!, created: false };
}

/** The entry a caller names by global id or "project/name", if the actor may see it. */
export async function findEntry(
  db: Queryable,
  actor: Actor,
  catalogue: Catalogue,
  ref: string,
  path: string[],
): Promise<CatalogueRow> {
  const table = catalogue.table as typeof models;
  const parsed = parseRef(ref, [catalogue.type], path, false);
  const named =
    parsed.kind === 'id'
      ? eq(table.id, parsed.id)
      : and(eq(projects.slug, parsed.project), eq(table.name, parsed.name));
  const [row] = await db
    .select({ entry: table })
    .from(table)
    .innerJoin(projects, eq(projects.id, table.projectId))
    .where(and(named, visibleProjects(actor, table.projectId)));
  if (!row) throw new NotFoundError(catalogue.entity, ref);
  return row.entry;
}

export interface CatalogueFilter {
  project?: string | null | undefined;
  /** Case-insensitive substring of the name. */
  search?: string | null | undefined;
  tag?: string | null | undefined;
  task?: string | null | undefined;
}

export type CatalogueOrderField = 'CREATED_AT' | 'UPDATED_AT' | 'NAME';

export function catalogueOrdering(
  catalogue: Catalogue,
  field: CatalogueOrderField,
  direction: 'ASC' | 'DESC',
): Ordering {
  const table = catalogue.table as typeof models;
  const column = { CREATED_AT: table.createdAt, UPDATED_AT: table.updatedAt, NAME: table.name }[
    field
  ];
  const key = { CREATED_AT: 'createdAt', UPDATED_AT: 'updatedAt', NAME: 'name' }[field];
  return { name: `${field}_${direction}`, column, key, direction, id: table.id };
}

/** `%`, `_` and `\` match themselves in a substring search. */
export const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function listEntries(
  ctx: ServiceContext,
  catalogue: Catalogue,
  filter: CatalogueFilter,
  ordering: Ordering,
  args: PageArgs,
  primeProject?: (project: ProjectRow) => void,
): Promise<Connection<CatalogueRow>> {
  const table = catalogue.table as typeof models;
  const conditions: Array<SQL | undefined> = [visibleProjects(ctx.actor, table.projectId)];
  if (filter.project) {
    conditions.push(
      eq(
        table.projectId,
        sql`(select ${projects.id} from ${projects} where ${projects.slug} = ${filter.project})`,
      ),
    );
  }
  if (filter.search) conditions.push(ilike(table.name, likePattern(filter.search)));
  if (filter.tag) conditions.push(arrayContains(table.tags, [filter.tag.trim().toLowerCase()]));
  if (filter.task && catalogue.hasTask) conditions.push(eq(table.task, filter.task));
  const where = and(...conditions);
  return paginate({
    args,
    ordering,
    fetch: async (page) => {
      // The project comes in the same statement: a list shows it, and the loader is
      // primed so that `project` on each entry costs nothing more.
      const rows = await ctx.db
        .select({ entry: table, project: projects })
        .from(table)
        .innerJoin(projects, eq(projects.id, table.projectId))
        .where(and(where, page.where))
        .orderBy(...page.orderBy)
        .limit(page.limit);
      for (const row of rows) primeProject?.(row.project);
      return rows.map((row) => row.entry as CatalogueRow);
    },
    count: async () => {
      const [row] = await ctx.db.select({ n: count() }).from(table).where(where);
      return row?.n ?? 0;
    },
  });
}
