// The embedded database answers one statement at a time, in the order asked: behind a
// request whose statements are costly (a page of runs with every metric), cheap ones wait
// in line. This queue in front of it serves next the statement whose unit of work (a
// GraphQL request; see statements.ts) has had the least of the database so far, less how
// long it has waited: a cheap request passes the costly ones, and a costly one waits about
// as long as it has already had, never for ever. Statements of no request (workers, leases,
// the listener) count as fresh ones, so they keep their turn among requests. A statement
// whose work was abandoned (its client left) is refused when its turn comes (abandoned.ts).
import type { PGlite } from '@electric-sql/pglite';
import { AbandonedStatementError, refuseAbandonedStatements } from './abandoned.ts';
import { currentWork, type Work } from './statements.ts';

interface Waiting {
  work: Pick<Work, 'databaseMs' | 'signal'>;
  since: number;
  start(): void;
}

/** Makes `client`'s query, exec and transaction take turns through the fair queue. */
export function shareFairly(client: PGlite): void {
  const waiting: Waiting[] = [];
  let busy = false;
  const next = () => {
    if (busy || waiting.length === 0) return;
    const now = performance.now();
    const priority = (entry: Waiting) => entry.work.databaseMs - (now - entry.since);
    let best = 0;
    for (let i = 1; i < waiting.length; i++)
      if (priority(waiting[i]!) < priority(waiting[best]!)) best = i;
    const [chosen] = waiting.splice(best, 1);
    busy = true;
    chosen!.start();
  };
  const inTurn = <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const work: Waiting['work'] = currentWork() ?? { databaseMs: 0 };
      waiting.push({
        work,
        since: performance.now(),
        start: () => {
          // Abandoned work gives up its turn: its statement is not run.
          if (work.signal?.aborted) {
            reject(new AbandonedStatementError(work.signal));
            busy = false;
            return next();
          }
          const started = performance.now();
          task()
            .then(resolve, reject)
            .finally(() => {
              work.databaseMs += performance.now() - started;
              busy = false;
              next();
            });
        },
      });
      next();
    });
  const query = client.query.bind(client);
  const exec = client.exec.bind(client);
  const transaction = client.transaction.bind(client);
  client.query = (...args) => inTurn(() => query(...args));
  client.exec = (...args) => inTurn(() => exec(...args));
  client.transaction = (callback, ...rest) => {
    const signal = currentWork()?.signal;
    return inTurn(() =>
      transaction(
        (tx) => {
          if (signal) refuseAbandonedStatements(tx, signal);
          return callback(tx);
        },
        ...rest,
      ),
    );
  };
}
