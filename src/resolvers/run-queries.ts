// Reading runs: lists with filters, and the pieces of a run (events, metrics...).
import { and, count, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { projects, runs } from '../db/schema.ts';
import { visibleProjects } from './actor.ts';
import type { ServiceContext } from './context.ts';
import { type Connection, type Ordering, type PageArgs, paginate } from './pagination.ts';
import type { ProjectRow } from './projects.ts';
import type { RunStatus } from './run-events.ts';
import type { RunRow } from './run-status.ts';

export interface RunFilter {
  project?: string | null | undefined;
  status?: readonly RunStatus[] | null | undefined;
  runner?: string | null | undefined;
  /** Only runs that are not steps of a workflow run. */
  topLevel?: boolean | null | undefined;
}

export type RunOrderField = 'CREATED_AT' | 'UPDATED_AT' | 'FINISHED_AT';

export function runOrdering(field: RunOrderField, direction: 'ASC' | 'DESC'): Ordering {
  const columns = {
    CREATED_AT: [runs.createdAt, 'createdAt'],
    UPDATED_AT: [runs.updatedAt, 'updatedAt'],
    FINISHED_AT: [runs.finishedAt, 'finishedAt'],
  } as const;
  const [column, key] = columns[field];
  return { name: `${field}_${direction}`, column, key, direction, id: runs.id };
}

export function runFilterConditions(ctx: ServiceContext, filter: RunFilter): SQL | undefined {
  return and(
    visibleProjects(ctx.actor, runs.projectId),
    filter.project
      ? eq(
          runs.projectId,
          sql`(select ${projects.id} from ${projects} where ${projects.slug} = ${filter.project})`,
        )
      : undefined,
    filter.status?.length ? inArray(runs.status, [...filter.status]) : undefined,
    filter.runner ? eq(runs.runnerId, filter.runner) : undefined,
    filter.topLevel ? isNull(runs.parentRunId) : undefined,
    // Runs not finished yet have no finish time, and are left out of that ordering.
  );
}

export async function listRuns(
  ctx: ServiceContext,
  filter: RunFilter,
  ordering: Ordering,
  args: PageArgs,
  primeProject?: (project: ProjectRow) => void,
): Promise<Connection<RunRow>> {
  const where = and(
    runFilterConditions(ctx, filter),
    ordering.key === 'finishedAt' ? sql`${runs.finishedAt} is not null` : undefined,
  );
  return paginate({
    args,
    ordering,
    fetch: async (page) => {
      const rows = await ctx.db
        .select({ run: runs, project: projects })
        .from(runs)
        .innerJoin(projects, eq(projects.id, runs.projectId))
        .where(and(where, page.where))
        .orderBy(...page.orderBy)
        .limit(page.limit);
      for (const row of rows) primeProject?.(row.project);
      return rows.map((row) => row.run);
    },
    count: async () => (await ctx.db.select({ n: count() }).from(runs).where(where))[0]?.n ?? 0,
  });
}
