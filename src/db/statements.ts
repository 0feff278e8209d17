// Records the SQL statements issued on behalf of one unit of work (a GraphQL request, a
// test), so tests can assert what a request cost and catch N+1 regressions.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'drizzle-orm';

const current = new AsyncLocalStorage<string[]>();

/** Runs `work` and returns its result with every statement it issued, in order. */
export async function recordStatements<T>(
  work: () => Promise<T>,
): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const result = await current.run(statements, work);
  return { result, statements };
}

/** The Drizzle logger that feeds `recordStatements`. */
export const statementLogger: Logger = {
  logQuery(query) {
    current.getStore()?.push(query);
  },
};
