import { getTableColumns, type SQL, type Table } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { CASING, type Database } from './connect.ts';

/** A row as services read it: every column but the search vector (columnsRead). */
export type RowRead<T extends Table> = Omit<T['$inferSelect'], 'searchVector'>;

/**
 * A table's columns but its search vector, to select rows with: the vector is only searched
 * in SQL, never read, and sending it as text costs more than the rest of a run's row.
 */
export function columnsRead<T extends Table>(table: T): Omit<T['_']['columns'], 'searchVector'> {
  const { searchVector: _searchVector, ...columns } = getTableColumns(table);
  return columns;
}

/** A transaction handed out by `db.transaction`. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Either the database or an open transaction: what a query can run on. */
export type Queryable = Database | Transaction;

/**
 * Runs raw SQL and returns its rows. postgres.js answers with an array and PGlite with
 * `{rows}`; this hides the difference. Cast types in the SQL (::int, ::text, ::float8) so
 * both drivers parse values alike.
 */
export async function selectRows<T>(db: Queryable, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

// The dialect db.execute renders with: the same casing, so the same SQL.
const dialect = new PgDialect({ casing: CASING });

/**
 * selectRows for a statement whose text is the same on every call (lists passed with
 * textArray): on PostgreSQL it is prepared, so each connection plans it once instead of on
 * every request. Planning dominates a lineage walk over the ten-branch edge view (about 5 of
 * its 7 ms at depth 10 on a 1M-edge graph). PGlite runs it as selectRows does.
 */
export async function selectPreparedRows<T>(db: Queryable, query: SQL): Promise<T[]> {
  // Drizzle prepares a statement on postgres.js only when it is given a name; db.execute never does.
  const statement = db._.session.prepareQuery(dialect.sqlToQuery(query), undefined, 'rows', false);
  const result: unknown = await statement.execute();
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * A PostgreSQL array literal of strings, to send a list as ONE parameter (cast it in the
 * SQL: `${textArray(ids)}::uuid[]`). The statement's text then stays the same whatever the
 * list's length, so it is prepared once; both drivers pass a string alike.
 */
export function textArray(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}
