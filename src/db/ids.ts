import { randomFillSync } from 'node:crypto';

let lastMillis = 0;
let counter = 0;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter that keeps ids
 * made in the same millisecond by this process increasing, then random bits. Ids sort by
 * creation time, so B-tree inserts stay at the right edge of the index.
 */
export function newId(): string {
  const bytes = new Uint8Array(16);
  randomFillSync(bytes);
  let millis = Date.now();
  if (millis <= lastMillis) {
    counter += 1;
    if (counter > 0xfff) {
      lastMillis += 1;
      counter = 0;
    }
    millis = lastMillis;
  } else {
    lastMillis = millis;
    counter = bytes[6]! & 0x07; // start low but random, leaving room to count
  }
  for (let i = 5; i >= 0; i -= 1) {
    bytes[i] = millis % 256;
    millis = Math.floor(millis / 256);
  }
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
