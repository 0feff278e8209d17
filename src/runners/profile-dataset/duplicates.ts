// Duplicate images: exact copies (the same bytes) and near copies (perceptual hashes a few
// bits apart: resized, re-encoded or lightly edited versions of one picture).
import { turnTaker } from '../stats/turns.ts';

/** Groups of two or more items with the same key, each group and the groups in item order. */
export function exactDuplicateGroups(keys: readonly string[]): number[][] {
  const byKey = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const group = byKey.get(key);
    if (group) group.push(i);
    else byKey.set(key, [i]);
  });
  return [...byKey.values()].filter((group) => group.length > 1);
}

export interface NearPair {
  a: number;
  b: number;
  distance: number;
}

/**
 * Pairs of items whose hashes differ in at most `maxDistance` bits (a < b, in order), among
 * the items given (null hashes are skipped). Every pair is compared: n²/2 XORs of two 32-bit
 * halves, about a second for 20,000 images, giving the event loop a turn every 50 ms.
 */
export async function nearDuplicatePairs(
  hashes: readonly (bigint | null)[],
  maxDistance: number,
  signal?: AbortSignal,
): Promise<NearPair[]> {
  const present = hashes.flatMap((hash, i) => (hash === null ? [] : [i]));
  const high = Uint32Array.from(present, (i) => Number(hashes[i]! >> 32n));
  const low = Uint32Array.from(present, (i) => Number(hashes[i]! & 0xffffffffn));
  const pairs: NearPair[] = [];
  const takeTurn = turnTaker(signal);
  for (let x = 0; x < present.length; x++) {
    await takeTurn();
    const h = high[x]!;
    const l = low[x]!;
    for (let y = x + 1; y < present.length; y++) {
      const distance = bitCount(h ^ high[y]!) + bitCount(l ^ low[y]!);
      if (distance <= maxDistance) pairs.push({ a: present[x]!, b: present[y]!, distance });
    }
  }
  return pairs;
}

/** The number of set bits of a 32-bit integer (SWAR popcount). */
function bitCount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** The items linked by pairs, as groups (connected components), each and all in item order. */
export function pairGroups(pairs: readonly NearPair[]): number[][] {
  const parent = new Map<number, number>();
  const root = (i: number): number => {
    let r = i;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(i, r);
    return r;
  };
  for (const { a, b } of pairs) {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const [ra, rb] = [root(a), root(b)];
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
  const groups = new Map<number, number[]>();
  for (const i of [...parent.keys()].sort((x, y) => x - y)) {
    const r = root(i);
    const group = groups.get(r);
    if (group) group.push(i);
    else groups.set(r, [i]);
  }
  return [...groups.values()].sort((x, y) => x[0]! - y[0]!);
}
