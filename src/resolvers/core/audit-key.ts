// The audit chain's key: HMAC-SHA256 over each record, with a key the database never holds,
// so that whoever can write to the database still cannot rebuild the chain. It comes from
// EVALHUB_AUDIT_KEY; an embedded database in a folder keeps one made for it in that folder
// (readable by its owner only); an in-memory one gets a key for the life of the process.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shortest key accepted: 32 characters (`openssl rand -hex 32` makes 64). */
const MIN_KEY_LENGTH = 32;

/** The file of an embedded database's key, in its data folder. */
export const AUDIT_KEY_FILE = 'audit.key';

export const HOW_TO_MAKE_A_KEY =
  'make one with `openssl rand -hex 32`, keep it outside the database (a secret store, a ' +
  'file only the hub reads) and give the same key to every hub and worker of this database ' +
  'as EVALHUB_AUDIT_KEY; see README, "The audit record"';

export interface AuditKeySource {
  /** EVALHUB_AUDIT_KEY, when set. */
  given: string | undefined;
  kind: 'postgres' | 'pglite';
  /** The embedded database's folder, or `memory://`. */
  dataDir: string;
}

let processKey: Buffer | null = null;

function checked(key: string, where: string): Buffer {
  if (key.length < MIN_KEY_LENGTH)
    throw new Error(
      `${where} is too short: the audit key takes at least ${MIN_KEY_LENGTH} characters; ${HOW_TO_MAKE_A_KEY}`,
    );
  return Buffer.from(key, 'utf8');
}

/** The key of an embedded database's folder, made (mode 0600) when it has none. */
function folderKey(dataDir: string): Buffer {
  const file = join(dataDir, AUDIT_KEY_FILE);
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A key others can read is no secret: it is made private again (the owner's umask or a
  // copy may have widened it).
  if (statSync(file).mode & 0o077) chmodSync(file, 0o600);
  return checked(readFileSync(file, 'utf8').trim(), file);
}

/** The audit key of a database, from EVALHUB_AUDIT_KEY or, for the embedded one, its own. */
export function resolveAuditKey(source: AuditKeySource): Buffer {
  if (source.given) return checked(source.given, 'EVALHUB_AUDIT_KEY');
  if (source.kind === 'postgres')
    throw new Error(
      `EVALHUB_AUDIT_KEY is needed with PostgreSQL (DATABASE_URL): ${HOW_TO_MAKE_A_KEY}`,
    );
  if (source.dataDir.startsWith('memory://')) {
    processKey ??= randomBytes(32);
    return processKey;
  }
  return folderKey(source.dataDir);
}
