// Keyset pagination for Relay connections. A cursor holds the ordering's name, the sort
// value and the id of a row; a page is "rows after (value, id) in this order", which an
// index answers without counting skipped rows, and which stays stable while rows are added.
import { and, asc, desc, eq, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { type Queryable, textArray } from '../../db/rows.ts';
import { ValidationError } from './errors.ts';

export interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: PageInfo;
  /** Counted only when a client asks for it. */
  totalCount: number | (() => Promise<number>);
}

export interface Ordering {
  /** Written into cursors, so a cursor from another ordering is refused. */
  name: string;
  column: PgColumn;
  /** The property of a selected row that holds `column`'s value. */
  key: string;
  direction: 'ASC' | 'DESC';
  id: PgColumn;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 500;

interface PageWindow {
  limit: number;
  backward: boolean;
  after: [unknown, string] | null;
  before: [unknown, string] | null;
}

type SortValue = string | number;

function encodeCursor(ordering: Ordering, value: unknown, id: string): string {
  const sortValue: SortValue = value instanceof Date ? value.toISOString() : (value as SortValue);
  return Buffer.from(JSON.stringify([ordering.name, sortValue, id])).toString('base64url');
}

function decodeCursor(ordering: Ordering, cursor: string, arg: string): [unknown, string] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('not a cursor of this connection', [arg]);
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || typeof parsed[2] !== 'string') {
    throw new ValidationError('not a cursor of this connection', [arg]);
  }
  if (parsed[0] !== ordering.name) {
    throw new ValidationError(
      `this cursor belongs to the ordering ${parsed[0]}, not ${ordering.name}`,
      [arg],
    );
  }
  const value = ordering.column.columnType === 'PgTimestamp' ? new Date(parsed[1]) : parsed[1];
  return [value, parsed[2]];
}

function pageSize(value: number, arg: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) {
    throw new ValidationError(`${arg} must be a whole number from 0 to ${MAX_PAGE_SIZE}`, [arg]);
  }
  return value;
}

function pageWindow(args: PageArgs, ordering: Ordering): PageWindow {
  if (args.first != null && args.last != null) {
    throw new ValidationError('give first or last, not both', ['last']);
  }
  const backward = args.last != null;
  const limit = backward
    ? pageSize(args.last!, 'last')
    : pageSize(args.first ?? DEFAULT_PAGE_SIZE, 'first');
  return {
    limit,
    backward,
    after: args.after ? decodeCursor(ordering, args.after, 'after') : null,
    before: args.before ? decodeCursor(ordering, args.before, 'before') : null,
  };
}

function orderClauses(
  ordering: Ordering,
  backward: boolean,
  columns: [unknown, unknown] = [ordering.column, ordering.id],
): SQL[] {
  const ascending = (ordering.direction === 'ASC') !== backward;
  const by = ascending ? asc : desc;
  return columns.map((column) => by(column as PgColumn));
}

function cursorConditions(ordering: Ordering, window: PageWindow): SQL | undefined {
  const beyond = (cursor: [unknown, string], forward: boolean) => {
    const greater = (ordering.direction === 'ASC') === forward;
    const op = sql.raw(greater ? '>' : '<');
    // A row comparison, so (value, id) is compared as one key and the index is used.
    // Parameters go through the columns' encoders (a Date becomes what each driver expects).
    return sql`(${ordering.column}, ${ordering.id}) ${op} (${sql.param(cursor[0], ordering.column)}, ${sql.param(cursor[1], ordering.id)})`;
  };
  return and(
    window.after ? beyond(window.after, true) : undefined,
    window.before ? beyond(window.before, false) : undefined,
  );
}

function toConnection<T extends Record<string, unknown>>(
  rows: T[],
  window: PageWindow,
  ordering: Ordering,
  totalCount: Connection<T>['totalCount'],
): Connection<T> {
  const more = rows.length > window.limit;
  const page = rows.slice(0, window.limit);
  if (window.backward) page.reverse();
  const edges = page.map((node) => ({
    node,
    cursor: encodeCursor(ordering, node[ordering.key], node.id as string),
  }));
  return {
    edges,
    pageInfo: {
      hasNextPage: window.backward ? window.before !== null : more,
      hasPreviousPage: window.backward ? more : window.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}

/**
 * One page of a top-level list. `fetch` runs the list's own query with the cursor
 * condition, order and limit added; `count` is only called if `totalCount` is asked for.
 */
export async function paginate<T extends Record<string, unknown>>(params: {
  args: PageArgs;
  ordering: Ordering;
  fetch: (page: { where: SQL | undefined; orderBy: SQL[]; limit: number }) => Promise<T[]>;
  count: () => Promise<number>;
}): Promise<Connection<T>> {
  const window = pageWindow(params.args, params.ordering);
  const rows = await params.fetch({
    where: cursorConditions(params.ordering, window),
    orderBy: orderClauses(params.ordering, window.backward),
    limit: window.limit + 1,
  });
  return toConnection(rows, window, params.ordering, params.count);
}

/**
 * The same page of children for many parents, in one statement: for each parent row, a
 * LATERAL sub-select takes its page of children (an index range scan with a limit) and
 * another counts them all, so a list of N parents never costs N queries.
 */
export async function paginateChildren<TChild extends PgTable>(params: {
  db: Queryable;
  parent: { table: PgTable; id: PgColumn };
  child: TChild;
  /** The child's column that points at the parent. */
  childParent: PgColumn;
  parentIds: readonly string[];
  ordering: Ordering;
  args: PageArgs;
  where?: SQL | undefined;
}): Promise<Map<string, Connection<TChild['$inferSelect']>>> {
  const { db, parent, child, childParent, ordering } = params;
  const window = pageWindow(params.args, ordering);
  const ofParent = and(eq(childParent, parent.id), params.where);
  const page = db
    .select()
    .from(child as PgTable)
    .where(and(ofParent, cursorConditions(ordering, window)))
    .orderBy(...orderClauses(ordering, window.backward))
    .limit(window.limit + 1)
    .as('page');
  const totals = db
    .select({ total: sql<number>`count(*)::int`.as('total') })
    .from(child as PgTable)
    .where(ofParent)
    .as('totals');
  // The page's columns, by property name, as the outer select sees them.
  const pageColumns = Object.fromEntries(
    Object.keys(getTableColumns(child)).map((key) => [
      key,
      (page as unknown as Record<string, PgColumn>)[key]!,
    ]),
  );
  const rows = await db
    .select({ parentId: parent.id, total: totals.total, page: pageColumns })
    .from(parent.table)
    .innerJoinLateral(totals, sql`true`)
    .leftJoinLateral(page, sql`true`)
    // The parents as one array parameter: the text is the same whatever their number.
    .where(sql`${parent.id} = any(${textArray(params.parentIds)}::uuid[])`)
    .orderBy(
      parent.id,
      ...orderClauses(ordering, window.backward, [pageColumns[ordering.key], pageColumns.id]),
    );
  const grouped = new Map<string, { total: number; rows: Record<string, unknown>[] }>();
  for (const row of rows) {
    const entry = grouped.get(row.parentId as string) ?? { total: row.total, rows: [] };
    // A parent without children still has its one row, with no page (null).
    if (row.page) entry.rows.push(row.page);
    grouped.set(row.parentId as string, entry);
  }
  const result = new Map<string, Connection<TChild['$inferSelect']>>();
  for (const id of params.parentIds) {
    const entry = grouped.get(id) ?? { total: 0, rows: [] };
    result.set(
      id,
      toConnection(entry.rows, window, ordering, entry.total) as Connection<TChild['$inferSelect']>,
    );
  }
  return result;
}
