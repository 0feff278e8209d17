// Lists of runs and of findings, filtered by the language search uses (search/filter.ts).
import { and, count, eq, type SQL, sql } from 'drizzle-orm';
import { columnsRead } from '../../db/rows.ts';
import { findings, projects, runs } from '../../db/schema.ts';
import { cachedStatement, conditionShape } from '../../db/statement-cache.ts';
import { visibleProjects, visibleSlugs } from '../core/actor.ts';
import type { ServiceContext } from '../core/context.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { type Connection, type Ordering, type PageArgs, paginate } from '../core/pagination.ts';
import { parseRef } from '../core/refs.ts';
import type { ProjectRow } from '../registry/projects.ts';
import {
  compileSearchFilter,
  type SearchFilter,
  type SearchType,
  subjects,
  validateSearchFilter,
} from '../search/filter.ts';
import type { FindingRow } from './results.ts';
import type { RunRow } from './status.ts';

/** A run's columns as a page reads them. */
const runColumns = columnsRead(runs);

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

export type FindingOrderField = 'CREATED_AT' | 'UPDATED_AT';

export function findingOrdering(field: FindingOrderField, direction: 'ASC' | 'DESC'): Ordering {
  const column = field === 'CREATED_AT' ? findings.createdAt : findings.updatedAt;
  const key = field === 'CREATED_AT' ? 'createdAt' : 'updatedAt';
  return { name: `${field}_${direction}`, column, key, direction, id: findings.id };
}

/** The actor's scope and the filter, as one condition on items of `type`. */
function filterCondition(ctx: ServiceContext, type: SearchType, filter: SearchFilter): SQL {
  validateSearchFilter(filter);
  const subject = subjects[type];
  const visible = visibleSlugs(ctx.actor);
  const compiled = compileSearchFilter(filter, subject, visible);
  const condition = typeof compiled === 'boolean' ? sql.raw(String(compiled)) : compiled;
  return and(visibleProjects(ctx.actor, subject.projectId), condition)!;
}

/** More columns of each run of a page, computed in the page's statement, and who takes them. */
export interface RunPageColumns {
  /** Names the columns and everything their text holds (the scope), for the statement cache. */
  key: string;
  /** Built only when a page statement of this shape is first built. */
  columns(): Record<string, SQL>;
  /** Told each run's values of `columns`. */
  prime(runId: string, values: Record<string, unknown>): void;
}

export async function listRuns(
  ctx: ServiceContext,
  filter: SearchFilter,
  ordering: Ordering,
  args: PageArgs,
  primeProject?: (project: ProjectRow) => void,
  more?: RunPageColumns,
): Promise<Connection<RunRow>> {
  const where = and(
    filterCondition(ctx, 'RUN', filter),
    // Runs not finished yet have no finish time, and are left out of that ordering.
    ordering.key === 'finishedAt' ? sql`${runs.finishedAt} is not null` : undefined,
  );
  return paginate({
    args,
    ordering,
    fetch: async (page) => {
      // Built once per shape of filter, order and children (the filter's values are
      // placeholders), and prepared: PostgreSQL plans a page's statement, children and all,
      // once per connection and shape, not on every request (planning it took longer than
      // running it).
      const condition = conditionShape(and(where, page.where) ?? sql`true`, 'w');
      const orderBy = sql.join(page.orderBy, sql`, `);
      const key = `runs_page ${conditionShape(orderBy, 'o').text} ${more?.key ?? ''} ${condition.text}`;
      const statement = cachedStatement(ctx.db, key, () =>
        ctx.db
          .select({ run: runColumns, project: projects, ...more?.columns() })
          .from(runs)
          .innerJoin(projects, eq(projects.id, runs.projectId))
          .where(condition.sql)
          .orderBy(orderBy)
          .limit(sql.placeholder('limit'))
          .prepare('runs_page'),
      );
      const rows = await statement.execute({ ...condition.values, limit: page.limit });
      for (const row of rows) {
        primeProject?.(row.project);
        more?.prime(row.run.id, row);
      }
      return rows.map((row) => row.run);
    },
    count: async () => (await ctx.db.select({ n: count() }).from(runs).where(where))[0]?.n ?? 0,
  });
}

export async function listFindings(
  ctx: ServiceContext,
  filter: SearchFilter,
  ordering: Ordering,
  args: PageArgs,
  primeProject?: (project: ProjectRow) => void,
): Promise<Connection<FindingRow>> {
  const where = filterCondition(ctx, 'FINDING', filter);
  return paginate({
    args,
    ordering,
    fetch: async (page) => {
      const rows = await ctx.db
        .select({ finding: findings, project: projects })
        .from(findings)
        .innerJoin(projects, eq(projects.id, findings.projectId))
        .where(and(where, page.where))
        .orderBy(...page.orderBy)
        .limit(page.limit);
      for (const row of rows) primeProject?.(row.project);
      return rows.map((row) => row.finding);
    },
    count: async () => (await ctx.db.select({ n: count() }).from(findings).where(where))[0]?.n ?? 0,
  });
}

/** The run named by `ref` (a global id), if the actor may see it. */
export async function findRun(ctx: ServiceContext, ref: string, path: string[]): Promise<RunRow> {
  const parsed = parseRef(ref, ['Run'], path, false);
  if (parsed.kind !== 'id') throw new ValidationError('a run is named by its id', path);
  const [run] = await ctx.db
    .select()
    .from(runs)
    .where(and(eq(runs.id, parsed.id), visibleProjects(ctx.actor, runs.projectId)));
  if (!run) throw new NotFoundError('run', ref);
  return run;
}
