// `evalhub audit verify`, run where the hub's key is (EVALHUB_AUDIT_KEY, or the embedded
// database's own): checks the audit chain from its first record, its anchor, and every
// finished run against what its run.end record sealed; prints the first broken record.
// `evalhub audit seal`: seals a chain made before the hub had a key, once the operator says so.
import type { HubConfig } from '../config.ts';
import { openDatabase } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';
import { sealLegacyChain } from '../resolvers/core/audit-chain.ts';
import { verifyAuditRecord } from '../resolvers/runs/audit-verify.ts';
import { auditKeyOf } from '../server.ts';

export const auditUsage = `usage: evalhub audit verify|seal (where the hub's audit key is, against its database)

  verify  exits 0 when the audit record holds, 1 when it is broken (saying where and why)
  seal    seals a chain made before the hub had an audit key under the key, after checking
          it; prints its head to compare with a copy you trust`;

export async function auditCommand(argv: string[], config: HubConfig): Promise<number> {
  if (argv.length !== 1 || (argv[0] !== 'verify' && argv[0] !== 'seal')) {
    console.error(auditUsage);
    return 2;
  }
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database.db);
    if (argv[0] === 'seal') {
      const sealed = await sealLegacyChain(database.db, auditKeyOf(config, database));
      if ('reason' in sealed) {
        console.log(`nothing sealed: ${sealed.reason}`);
        return 1;
      }
      console.log(
        `sealed ${sealed.sealed} records under the key; the chain's head is ${sealed.head}`,
      );
      return 0;
    }
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
