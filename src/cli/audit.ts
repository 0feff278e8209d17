// `evalhub audit verify`, run where the hub's key is (EVALHUB_AUDIT_KEY, or the embedded
// database's own): checks the audit chain from its first record, its anchor, and every
// finished run against what its run.end record sealed; prints the first broken record.
import type { HubConfig } from '../config.ts';
import { openDatabase } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';
import { verifyAuditRecord } from '../resolvers/runs/audit-verify.ts';
import { auditKeyOf } from '../server.ts';

export const auditUsage = `usage: evalhub audit verify (where the hub's audit key is, against its database)

  Exits 0 when the audit record holds, 1 when it is broken (saying where and why).`;

export async function auditCommand(argv: string[], config: HubConfig): Promise<number> {
  if (argv.length !== 1 || argv[0] !== 'verify') {
    console.error(auditUsage);
    return 2;
  }
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database.db);
    const report = await verifyAuditRecord(database.db, auditKeyOf(config, database));
    if (report.ok) {
      console.log(`the audit record holds: ${report.records} records verified`);
      return 0;
    }
    const at = report.firstBroken;
    console.log(
      `the audit record is BROKEN after ${report.records} verified records` +
        (at ? `, at record ${at.id} (${at.action} by ${at.actor}, ${at.at.toISOString()})` : '') +
        `: ${report.reason}`,
    );
    return 1;
  } finally {
    await database.close();
  }
}
