import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/rows.ts';
import type { TestHub } from './hub.ts';

/** How many rows a table holds, read straight from the database. */
export async function countRows(t: TestHub, table: string): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    t.database.db,
    sql`select count(*)::int as n from ${sql.identifier(table)}`,
  );
  return row!.n;
}
