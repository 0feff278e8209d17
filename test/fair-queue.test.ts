// The embedded database's fair queue (src/db/fair-queue.ts): a statement of a request that
// has had little of the database passes one of a request that has had much.
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../src/db/connect.ts';
import { recordStatements } from '../src/db/statements.ts';

// Always the embedded database: the queue is its own.
let database: DatabaseHandle;
beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://' });
});
afterAll(() => database.close());

describe('the embedded database', () => {
  it('serves first the waiting statement whose request has used it least', async () => {
    const client = database.client as PGlite;
    const order: string[] = [];
    const gate = () => {
      let open: () => void = () => {};
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      return { open, opened };
    };
    const heavyUsed = gate();
    const heavyGo = gate();
    const busyEnds = gate();
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    // A request that has had the database for a while, and asks again when told to.
    const heavy = recordStatements(async () => {
      await client.query('select pg_sleep(0.3)');
      heavyUsed.open();
      await heavyGo.opened;
      await client.query("select 'heavy'");
      order.push('heavy');
    });
    await heavyUsed.opened;
    // The database is busy with a transaction while both requests ask, the heavy one first.
    const busy = client.transaction(async (tx) => {
      await tx.query('select 1');
      await busyEnds.opened;
    });
    await nextTurn();
    heavyGo.open();
    await nextTurn();
    const light = recordStatements(async () => {
      await client.query("select 'light'");
      order.push('light');
    });
    await nextTurn();
    busyEnds.open();
    await Promise.all([heavy, light, busy]);
    expect(order).toEqual(['light', 'heavy']);
  });
});
