// Keyset pagination for Relay connections. A cursor holds the ordering's name, the sort
// value and the id of a row; a page is "rows after (value, id) in this order", which an
// index answers without counting skipped rows, and which stays stable while rows are added.
import { and, asc, desc, eq, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { type JsonRow, jsonObject, jsonRowReader } from '../../db/json-rows.ts';
import { type Queryable, textArray } from '../../db/rows.ts';
import { ValidationError } from './errors.ts';
import { UUID } from './global-id.ts';

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
  /** Further sort columns, after `column` and before `id`, in the same direction. */
  thenBy?: Array<{ column: PgColumn; key: string }>;
  id: PgColumn;
}

/** A page of children: its arguments, and whether `totalCount` is asked (a count of its own). */
export interface ChildPageArgs extends PageArgs {
  withTotal?: boolean;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 500;

/** A row's place in an ordering: its sort values (`column`, then `thenBy`'s) and its id. */
interface Position {
  values: unknown[];
  id: string | number;
}

interface PageWindow {
  limit: number;
  backward: boolean;
  after: Position | null;
  before: Position | null;
}

type SortValue = string | number;

/** The sort columns of an ordering, without the id, with the row properties holding them. */
const sortColumns = (ordering: Ordering) => [
  { column: ordering.column, key: ordering.key },
  ...(ordering.thenBy ?? []),
];

function encodeCursor(ordering: Ordering, row: Record<string, unknown>): string {
  const [first, ...rest] = sortColumns(ordering).map(({ key }) => {
    const value = row[key];
    return value instanceof Date ? value.toISOString() : (value as SortValue);
  });
  return Buffer.from(JSON.stringify([ordering.name, first, row.id, ...rest])).toString('base64url');
}

/** A cursor's value for `column` as the database takes it; undefined when it cannot be one. */
function cursorValue(column: PgColumn, value: unknown): unknown {
  switch (column.columnType) {
    case 'PgTimestamp': {
      const at =
        typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
      return at && !Number.isNaN(at.getTime()) ? at : undefined;
    }
    case 'PgUUID':
      return typeof value === 'string' && UUID.test(value) ? value : undefined;
    case 'PgText':
      return typeof value === 'string' ? value : undefined;
    default:
      // The numbers: integers, serials, doubles.
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  }
}

function decodeCursor(ordering: Ordering, cursor: string, arg: string): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('not a cursor of this connection', [arg]);
  }
  const columns = sortColumns(ordering);
  if (
    !Array.isArray(parsed) ||
    parsed.length !== columns.length + 2 ||
    !['string', 'number'].includes(typeof parsed[2])
  ) {
    throw new ValidationError('not a cursor of this connection', [arg]);
  }
  if (parsed[0] !== ordering.name) {
    throw new ValidationError(
      `this cursor belongs to the ordering ${parsed[0]}, not ${ordering.name}`,
      [arg],
    );
  }
  const [, first, id, ...rest] = parsed;
  const values = [first, ...rest].map((value, i) => cursorValue(columns[i]!.column, value));
  // A value of the wrong type would reach the database, which refuses it with an error of its own.
  if (values.includes(undefined) || cursorValue(ordering.id, id) === undefined)
    throw new ValidationError('not a cursor of this connection', [arg]);
  return { values, id };
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
  columns: unknown[] = [...sortColumns(ordering).map((c) => c.column), ordering.id],
): SQL[] {
  const ascending = (ordering.direction === 'ASC') !== backward;
  const by = ascending ? asc : desc;
  return columns.map((column) => by(column as PgColumn));
}

function cursorConditions(ordering: Ordering, window: PageWindow): SQL | undefined {
  const columns = [...sortColumns(ordering).map((c) => c.column), ordering.id];
  const beyond = (cursor: Position, forward: boolean) => {
    const greater = (ordering.direction === 'ASC') === forward;
    const op = sql.raw(greater ? '>' : '<');
    // A row comparison, so (values..., id) is compared as one key and the index is used.
    // Parameters go through the columns' encoders (a Date becomes what each driver expects).
    const values = [...cursor.values, cursor.id].map((value, i) => sql.param(value, columns[i]!));
    return sql`(${sql.join(columns, sql`, `)}) ${op} (${sql.join(values, sql`, `)})`;
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
    cursor: encodeCursor(ordering, node),
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

/** The total of a page of children fetched without it (its loader is keyed by `withTotal`). */
const notCounted = (): Promise<number> =>
  Promise.reject(new Error('totalCount read from a page fetched without it'));

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
 * LATERAL sub-select takes its page of children (an index range scan with a limit), and,
 * only when `totalCount` is asked, another counts them all; a list of N parents never
 * costs N queries.
 */
export async function paginateChildren<TChild extends PgTable>(params: {
  db: Queryable;
  parent: { table: PgTable; id: PgColumn };
  child: TChild;
  /** The child's column that points at the parent. */
  childParent: PgColumn;
  parentIds: readonly string[];
  ordering: Ordering;
  args: ChildPageArgs;
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
  const pageOrder = orderClauses(ordering, window.backward, [
    ...sortColumns(ordering).map(({ key }) => pageColumns[key]),
    pageColumns.id,
  ]);
  // The parents as one array parameter: the text is the same whatever their number.
  const parentIds = sql`${parent.id} = any(${textArray(params.parentIds)}::uuid[])`;
  const rows: Array<{ parentId: unknown; total?: number; page: Record<string, unknown> | null }> =
    params.args.withTotal
      ? await db
          .select({ parentId: parent.id, total: totals.total, page: pageColumns })
          .from(parent.table)
          .innerJoinLateral(totals, sql`true`)
          .leftJoinLateral(page, sql`true`)
          .where(parentIds)
          .orderBy(parent.id, ...pageOrder)
      : await db
          .select({ parentId: parent.id, page: pageColumns })
          .from(parent.table)
          .leftJoinLateral(page, sql`true`)
          .where(parentIds)
          .orderBy(parent.id, ...pageOrder);
  const grouped = new Map<string, { total: number; rows: Record<string, unknown>[] }>();
  for (const row of rows) {
    const entry = grouped.get(row.parentId as string) ?? { total: row.total ?? 0, rows: [] };
    // A parent without children still has its one row, with no page (null).
    if (row.page) entry.rows.push(row.page);
    grouped.set(row.parentId as string, entry);
  }
  const result = new Map<string, Connection<TChild['$inferSelect']>>();
  for (const id of params.parentIds) {
    const entry = grouped.get(id) ?? { total: 0, rows: [] };
    const total = params.args.withTotal ? entry.total : notCounted;
    result.set(
      id,
      toConnection(entry.rows, window, ordering, total) as Connection<TChild['$inferSelect']>,
    );
  }
  return result;
}

/**
 * A parent's page of children as one JSON column of the parent's own statement (children
 * where `ofParent`, which names the parent's row), so a list of parents brings the page each
 * of its items asks for without a statement more; `read` makes a parent's value a connection.
 */
export function childPageColumn<C extends Record<string, PgColumn>>(params: {
  db: Queryable;
  child: PgTable;
  columns: C;
  ofParent: SQL;
  ordering: Ordering;
  args: ChildPageArgs;
}): { column: SQL; read(value: unknown): Connection<JsonRow<C>> } {
  const { db, child, columns, ordering } = params;
  const window = pageWindow(params.args, ordering);
  const order = orderClauses(ordering, window.backward);
  const page = db
    .select({
      row: sql`${jsonObject(columns)}`.as('row'),
      place: sql`row_number() over (order by ${sql.join(order, sql`, `)})`.as('place'),
    })
    .from(child)
    .where(and(params.ofParent, cursorConditions(ordering, window)))
    .orderBy(...order)
    .limit(window.limit + 1)
    .as('page');
  const rows = db
    .select({ list: sql`coalesce(json_agg(${page.row} order by ${page.place}), '[]')` })
    .from(page);
  const total = params.args.withTotal
    ? db.select({ total: sql`count(*)::int` }).from(child).where(params.ofParent)
    : sql`null`;
  const readRow = jsonRowReader(columns);
  return {
    column: sql`json_build_object('rows', (${rows}), 'total', (${total}))`,
    read: (value) => {
      const { rows: list, total: counted } = value as {
        rows: Array<Record<string, unknown>>;
        total: number | null;
      };
      return toConnection(list.map(readRow), window, ordering, counted ?? notCounted);
    },
  };
}
