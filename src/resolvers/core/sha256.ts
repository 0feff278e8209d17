// `sha256:<hex>` digests of bytes, text, and of JSON values by their canonical text: the one
// way the hub names content, specs, run keys and identities.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/** `sha256:` and the hex SHA-256 of `data` (text is hashed as UTF-8). */
export function sha256Digest(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The digest of a JSON value's canonical text: equal values, equal digests. */
export function canonicalDigest(value: unknown): string {
  return sha256Digest(canonicalJson(value));
}
