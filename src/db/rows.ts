import type { SQL } from 'drizzle-orm';
import type { Database } from './connect.ts';

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

/**
 * A PostgreSQL array literal of strings, to send a list as ONE parameter (cast it in the
 * SQL: `${textArray(ids)}::uuid[]`). The statement's text then stays the same whatever the
 * list's length, so it is prepared once; both drivers pass a string alike.
 */
export function textArray(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}
