// The hub's Ed25519 signing key: evidence (run attestations, bundles) is signed with it. It
// comes from EVALHUB_SIGNING_KEY, the path of a PKCS#8 PEM file; an embedded database in a
// folder keeps one made for it in that folder (readable by its owner only); an in-memory one
// gets a key for the life of the process. With PostgreSQL the key must be given: hubs and
// workers sharing the database then sign with the same key, kept outside the database.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file of an embedded database's signing key, in its data folder. */
export const SIGNING_KEY_FILE = 'signing.key';

export const HOW_TO_MAKE_A_SIGNING_KEY =
  'make one with `openssl genpkey -algorithm ed25519 -out signing.pem`, keep it where only ' +
  'the hub reads it and give its path to every hub and worker of this database as ' +
  'EVALHUB_SIGNING_KEY; see README, "Evidence an auditor can check"';

export interface SigningKeySource {
  /** EVALHUB_SIGNING_KEY (a path), when set. */
  given: string | undefined;
  kind: 'postgres' | 'pglite';
  /** The embedded database's folder, or `memory://`. */
  dataDir: string;
}

export interface SigningKey {
  /** Hex SHA-256 of the public key's SPKI DER: the `keyid` of every signature. */
  keyId: string;
  privateKey: KeyObject;
  /** The public key as SPKI PEM, as published at /api/v1/keys. */
  publicKeyPem: string;
}

/** The id of a public key: the hex SHA-256 of its SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** A signing key from its PKCS#8 PEM text; refused unless it is an Ed25519 private key. */
export function signingKeyFromPem(pem: string, where: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new Error(
      `${where} is not a private key in PEM: ${(error as Error).message}; ${HOW_TO_MAKE_A_SIGNING_KEY}`,
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(
      `${where} is an ${privateKey.asymmetricKeyType} key; evidence is signed with Ed25519: ${HOW_TO_MAKE_A_SIGNING_KEY}`,
    );
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function newKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The key of an embedded database's folder, made (mode 0600) when it has none. */
function folderKey(dataDir: string): SigningKey {
  const file = join(dataDir, SIGNING_KEY_FILE);
  try {
    writeFileSync(file, newKeyPem(), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A private key others can read is no secret: it is made private again.
  if (statSync(file).mode & 0o077) chmodSync(file, 0o600);
  return signingKeyFromPem(readFileSync(file, 'utf8'), file);
}

function givenKey(path: string): SigningKey {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `EVALHUB_SIGNING_KEY names ${path}, which cannot be read: ${(error as Error).message}`,
    );
  }
  return signingKeyFromPem(pem, `EVALHUB_SIGNING_KEY (${path})`);
}

let processKey: SigningKey | null = null;

/** The signing key of a database: EVALHUB_SIGNING_KEY's file or, embedded, its own. */
export function resolveSigningKey(source: SigningKeySource): SigningKey {
  if (source.given) return givenKey(source.given);
  if (source.kind === 'postgres')
    throw new Error(
      `EVALHUB_SIGNING_KEY is needed with PostgreSQL (DATABASE_URL): ${HOW_TO_MAKE_A_SIGNING_KEY}`,
    );
  if (source.dataDir.startsWith('memory://')) {
    processKey ??= signingKeyFromPem(newKeyPem(), 'a new key');
    return processKey;
  }
  return folderKey(source.dataDir);
}
