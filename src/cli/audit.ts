// `evalhub audit verify`, run where the hub's key is (EVALHUB_AUDIT_KEY, or the embedded
// database's own): checks the audit chain from its first record, its anchor, and every
// finished run against what its run.end record sealed; prints the first broken record.
// `evalhub audit seal`: seals a chain made before the hub had a key, once the operator says so.
import type { HubConfig } from '../config.ts';
import { openDatabase } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';
import { type NotedHead, sealLegacyChain } from '../resolvers/core/audit-chain.ts';
import { verifyAuditRecord } from '../resolvers/runs/audit-verify.ts';
import { auditKeyOf } from '../server.ts';

export const auditUsage = `usage: evalhub audit verify [--since N:HEAD] | seal (where the hub's audit key is, against its database)

  verify  exits 0 when the audit record holds, 1 when it is broken (saying where and why);
          prints the count and head to note, and with --since checks that the chain still
          holds the head noted before (no anchor in the database can vouch for that)
  seal    seals a chain made before the hub had an audit key under the key, after checking
          it; prints its head to compare with a copy you trust`;

/** `N:HEAD` as `evalhub audit verify` printed it; null when it is not one. */
function parseNoted(text: string | undefined): NotedHead | null {
  const match = /^([1-9][0-9]*):(\S+)$/.exec(text ?? '');
  return match ? { records: Number(match[1]), head: match[2]! } : null;
}

export async function auditCommand(argv: string[], config: HubConfig): Promise<number> {
  const [command, ...options] = argv;
  const noted = options[0] === '--since' ? parseNoted(options[1]) : null;
  const valid =
    (command === 'seal' && !options.length) ||
    (command === 'verify' && (!options.length || (options.length === 2 && noted)));
  if (!valid) {
    console.error(auditUsage);
    return 2;
  }
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database.db);
    if (command === 'seal') {
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
    const report = await verifyAuditRecord(
      database.db,
      auditKeyOf(config, database),
      noted ?? undefined,
    );
    if (report.ok) {
      console.log(
        `the audit record holds: ${report.records} records verified` +
          (noted ? `, record ${noted.records} the one you noted` : '') +
          `; note its head, to check later with: evalhub audit verify --since ${report.records}:${report.head}`,
      );
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
