// Applies the drizzle-kit migrations in `migrations/`, in the bookkeeping table drizzle-kit
// itself uses, under an advisory lock so that several processes starting at once against
// one PostgreSQL apply each migration exactly once.
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { Database } from './connect.ts';
import { selectRows } from './rows.ts';

const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

// Any constant works; it only has to be the same in every evalhub process.
const MIGRATION_LOCK = 7_460_913_021;

/** Applies pending migrations; returns how many it applied. */
export async function migrate(db: Database): Promise<number> {
  const migrations = readMigrationFiles({ migrationsFolder });
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.execute(sql`create schema if not exists drizzle`);
    await tx.execute(sql`create table if not exists drizzle.__drizzle_migrations (
      id serial primary key, hash text not null, created_at bigint)`);
    const [last] = await selectRows<{ created_at: string | null }>(
      tx,
      sql`select max(created_at)::text as created_at from drizzle.__drizzle_migrations`,
    );
    const appliedUntil = Number(last?.created_at ?? 0);
    let applied = 0;
    for (const migration of migrations) {
      if (migration.folderMillis <= appliedUntil) continue;
      for (const statement of migration.sql) {
        if (statement.trim()) await tx.execute(sql.raw(statement));
      }
      await tx.execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at)
        values (${migration.hash}, ${migration.folderMillis})`);
      applied += 1;
    }
    return applied;
  });
}
