// The signing key this process signs with, and the public keys the hub has published. A key
// is published (kept in `signing_keys`) before anything is signed with it, and stays there
// after a rotation, so that all evidence the hub ever signed can be checked.
import { asc } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import { signingKeys } from '../../db/schema.ts';
import type { SigningKey } from './signing-key.ts';

export const SIGNING_ALGORITHM = 'ed25519';

let keyInUse: SigningKey | null = null;

/** The key this process signs evidence with (set at start-up by openSigningKey). */
export function signingKeyInUse(): SigningKey {
  if (!keyInUse) throw new Error('this process has no signing key (openSigningKey)');
  return keyInUse;
}

/**
 * Start-up: publishes `key` (once) and signs with it from now on. A process serves one
 * database, so it holds one key: a second, different one is a configuration mistake.
 */
export async function openSigningKey(db: Queryable, key: SigningKey): Promise<void> {
  if (keyInUse && keyInUse.keyId !== key.keyId)
    throw new Error('this process already signs evidence with another key');
  await db
    .insert(signingKeys)
    .values({ id: key.keyId, algorithm: SIGNING_ALGORITHM, publicKey: key.publicKeyPem })
    .onConflictDoNothing();
  keyInUse = key;
}

export interface PublishedKey {
  keyId: string;
  algorithm: string;
  publicKey: string;
  createdAt: Date;
}

/** Every public key the hub has signed with, oldest first. They are public: anyone may read them. */
export async function publishedKeys(db: Queryable): Promise<PublishedKey[]> {
  const rows = await db.select().from(signingKeys).orderBy(asc(signingKeys.createdAt));
  return rows.map(({ id, ...row }) => ({ keyId: id, ...row }));
}
