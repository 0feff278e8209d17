// Statements built once per shape. Drizzle turns a statement's tree of columns, subqueries
// and conditions into text on every call, which cost a fifth of the hub's own CPU on a page
// of runs; a statement of a shape seen before is taken from here and only given its values.
// Cached statements are prepared (on PostgreSQL each connection plans a shape once), so
// their texts must be a bounded set: lists go in as one array parameter (textArray).
import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { CASING } from './connect.ts';
import { mapRowsOnce } from './row-mapping.ts';
import type { Queryable } from './rows.ts';

/** A built statement, run with the values of its placeholders. */
export interface CachedStatement<T> {
  execute(values?: Record<string, unknown>): Promise<T>;
}

/** Shapes kept per database, the least recently used dropped first. */
const SHAPES_KEPT = 500;

// Per database or transaction: a statement runs on the session it was built on.
const caches = new WeakMap<Queryable, Map<string, CachedStatement<unknown>>>();

/**
 * The statement of shape `key` on `db`, built by `build` the first time. `key` must hold
 * everything that changes the statement's text or its fixed values (which children, the
 * scope, the order); what varies per call goes in as `sql.placeholder`s, given to `execute`.
 * Its rows are mapped by a mapper made once (row-mapping.ts).
 */
export function cachedStatement<T>(
  db: Queryable,
  key: string,
  build: () => CachedStatement<T>,
): CachedStatement<T> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let statement = cache.get(key);
  if (statement) {
    cache.delete(key);
  } else {
    statement = mapRowsOnce(build());
    if (cache.size >= SHAPES_KEPT) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, statement);
  return statement as CachedStatement<T>;
}

/** A condition as its shape (text with a mark for each value) and its values. */
export interface ConditionShape {
  /** The condition's text, the same for every condition of this shape. */
  text: string;
  /** The condition with a placeholder for each value, to build a cached statement with. */
  sql: SQL;
  /** The placeholders' values. */
  values: Record<string, unknown>;
}

const MARK = '\u0000';

/** Renders as db.execute does, but marks each parameter instead of numbering it. */
class MarkingDialect extends PgDialect {
  override escapeParam(num: number): string {
    return `${MARK}${num}${MARK}`;
  }
}
const marking = new MarkingDialect({ casing: CASING });

/**
 * Splits `condition` (a filter built per request, small to render) into its shape and its
 * values, so a statement built around it can be cached by `text` and run with `values`.
 * Placeholders are named `prefix` and the value's position.
 */
export function conditionShape(condition: SQL, prefix: string): ConditionShape {
  const { sql: text, params } = marking.sqlToQuery(condition);
  const parts = text.split(MARK);
  return {
    text,
    sql: sql.join(
      parts.map((part, i) => (i % 2 ? sql.placeholder(`${prefix}${part}`) : sql.raw(part))),
    ),
    values: Object.fromEntries(params.map((value, i) => [`${prefix}${i}`, value])),
  };
}

/**
 * `column` is one of a list, given to `execute` under `name` as one array parameter
 * (textArray), so the statement's text is the same whatever the list's length.
 */
export function inList(column: SQLWrapper, name: string, type: 'uuid' | 'text'): SQL {
  return sql`${column} = any(${sql.placeholder(name)}::${sql.raw(type)}[])`;
}
