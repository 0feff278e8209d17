// The statements of abandoned work (a request whose client went away, or that outlived its
// deadline: `Work.signal` in statements.ts) are stopped. On PostgreSQL the statement under
// way is cancelled on the server (a CancelRequest, as psql's Ctrl-C sends) and later ones
// are not sent; the embedded database cannot interrupt a statement, so there the work's
// next statement is refused before it starts (here inside a transaction, and in the fair
// queue before one).
import type { Transaction as PgliteTransaction } from '@electric-sql/pglite';
import type postgres from 'postgres';
import { currentWork } from './statements.ts';

type Cancellable = { cancel(): unknown };

/** Cancels `query` when the current work's signal aborts, or at once if it has. */
function cancelWhenAbandoned<Q extends Cancellable>(query: Q): Q {
  const signal = currentWork()?.signal;
  if (!signal) return query;
  // Cancelled before it is sent, a query is never sent and fails with 57014.
  if (signal.aborted) {
    query.cancel();
    return query;
  }
  const cancel = () => query.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  const settled = () => signal.removeEventListener('abort', cancel);
  // Promise.prototype.then, not the query's own `then`, which would send the query before
  // its caller has said how it wants the rows (postgres.js sends a query once awaited).
  Promise.prototype.then.call(query, settled, settled);
  return query;
}

type Statements = Pick<postgres.Sql, 'unsafe'> & {
  savepoint?: postgres.TransactionSql['savepoint'];
};

/** Drizzle sends every statement with `unsafe`: on the pool, a transaction or a savepoint. */
function cancelStatementsOf(sql: Statements): void {
  const unsafe = sql.unsafe;
  sql.unsafe = ((...args: Parameters<typeof unsafe>) =>
    cancelWhenAbandoned(unsafe(...args))) as typeof unsafe;
  const savepoint = sql.savepoint as ((...args: unknown[]) => Promise<unknown>) | undefined;
  if (!savepoint) return;
  sql.savepoint = ((...args: unknown[]) => {
    const body = args.pop() as (sp: Statements) => unknown;
    return savepoint(...args, (sp: Statements) => {
      cancelStatementsOf(sp);
      return body(sp);
    });
  }) as typeof sql.savepoint;
}

/** Makes the statements Drizzle sends through `sql` (and its transactions) cancellable. */
export function cancelAbandonedStatements(sql: postgres.Sql): void {
  cancelStatementsOf(sql);
  const begin = sql.begin as (...args: unknown[]) => Promise<unknown>;
  sql.begin = ((...args: unknown[]) => {
    const body = args.pop() as (tx: Statements) => unknown;
    return begin(...args, (tx: Statements) => {
      cancelStatementsOf(tx);
      return body(tx);
    });
  }) as typeof sql.begin;
}

/** A statement of abandoned work, refused before it ran (the embedded database). */
export class AbandonedStatementError extends Error {
  override name = 'AbandonedStatementError';
  constructor(signal: AbortSignal) {
    super(`the statement was not run: ${(signal.reason as Error)?.message ?? 'abandoned'}`, {
      cause: signal.reason,
    });
  }
}

/** Whether `error` (or what it wraps) is a statement stopped because its work was abandoned. */
export function isAbandonedStatement(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof AbandonedStatementError) return true;
    // PostgreSQL's answer to a CancelRequest (statement_timeout says otherwise).
    if ((e as { code?: string }).code === '57014' && e.message.includes('user request'))
      return true;
  }
  return false;
}

/** Refuses each statement of `tx` once `signal` (of the work that began it) has aborted. */
export function refuseAbandonedStatements(tx: PgliteTransaction, signal: AbortSignal): void {
  const query = tx.query.bind(tx);
  const exec = tx.exec.bind(tx);
  tx.query = ((...args: Parameters<typeof query>) =>
    signal.aborted
      ? Promise.reject(new AbandonedStatementError(signal))
      : query(...args)) as typeof query;
  tx.exec = ((...args: Parameters<typeof exec>) =>
    signal.aborted
      ? Promise.reject(new AbandonedStatementError(signal))
      : exec(...args)) as typeof exec;
}
