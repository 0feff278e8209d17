// Records the SQL statements issued on behalf of one unit of work (a GraphQL request, a
// test), so tests can assert what a request cost and catch N+1 regressions; how long the
// database worked for it, which the embedded database's fair queue goes by; and the signal
// that aborts when the work is abandoned, which stops its statements (abandoned.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'drizzle-orm';

/** One unit of work: what it asked the database, and for how long the database worked. */
export interface Work {
  statements: string[];
  databaseMs: number;
  /** Aborts when the work is abandoned (its client left, or it outlived its deadline). */
  signal?: AbortSignal | undefined;
}

const current = new AsyncLocalStorage<Work>();

/** The unit of work under way, if any (none for workers and background tasks). */
export function currentWork(): Work | undefined {
  return current.getStore();
}

/**
 * Runs `work` and returns its result with every statement it issued, in order; once
 * `signal` aborts, its statements are stopped.
 */
export async function recordStatements<T>(
  work: () => Promise<T>,
  signal?: AbortSignal,
): Promise<{ result: T; statements: string[] }> {
  const unit: Work = { statements: [], databaseMs: 0, signal };
  const result = await current.run(unit, work);
  return { result, statements: unit.statements };
}

/** The Drizzle logger that feeds `recordStatements`. */
export const statementLogger: Logger = {
  logQuery(query) {
    current.getStore()?.statements.push(query);
  },
};
