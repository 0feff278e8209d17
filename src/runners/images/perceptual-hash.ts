// A 64-bit perceptual hash (pHash), to find near-duplicate images: resizing, re-encoding
// and small edits change few of its bits; different images differ in about half of them.
import { RunnerInputError } from '../contract.ts';
import { opaqueImage } from './opaque-image.ts';

const SIZE = 32;
const LOW = 8;

/** cos(pi * k * (2n + 1) / 64) for the 8 lowest frequencies k over 32 samples n: DCT-II. */
const cosines = Float64Array.from({ length: LOW * SIZE }, (_, i) =>
  Math.cos((Math.PI * Math.floor(i / SIZE) * (2 * (i % SIZE) + 1)) / (2 * SIZE)),
);

/**
 * The pHash of an image (a path, or its bytes), as Python's `imagehash.phash` computes it:
 * the image as 32x32 grey, its 2-D DCT-II, the 8x8 lowest frequencies (DC included), each
 * set to 1 when above their median. Bit 63 (the most significant) is frequency (0, 0), then
 * row by row, so `hashToHex` gives imagehash's string. Hashes agree with imagehash's up to
 * the differences between sharp's and PIL's resizing and grey conversion.
 */
export async function perceptualHash(file: string | Buffer): Promise<bigint> {
  let grey: Buffer;
  try {
    grey = await (await opaqueImage(file))
      .removeAlpha()
      .greyscale()
      .resize(SIZE, SIZE, { fit: 'fill' })
      .raw({ depth: 'uchar' })
      .toBuffer();
  } catch (error) {
    const name = typeof file === 'string' ? file : 'from bytes';
    throw new RunnerInputError(`cannot decode image ${name}: ${(error as Error).message}`);
  }
  return hashOfGrey(grey);
}

/** The pHash of a 32x32 grey image given as 1024 bytes, row by row. */
function hashOfGrey(grey: Uint8Array): bigint {
  // Along rows first: rows[y * 8 + v] is row y's coefficient v.
  const rows = new Float64Array(SIZE * LOW);
  for (let y = 0; y < SIZE; y++) {
    for (let v = 0; v < LOW; v++) {
      let sum = 0;
      for (let x = 0; x < SIZE; x++) sum += grey[y * SIZE + x]! * cosines[v * SIZE + x]!;
      rows[y * LOW + v] = sum;
    }
  }
  const dct = new Float64Array(LOW * LOW);
  for (let u = 0; u < LOW; u++) {
    for (let v = 0; v < LOW; v++) {
      let sum = 0;
      for (let y = 0; y < SIZE; y++) sum += rows[y * LOW + v]! * cosines[u * SIZE + y]!;
      dct[u * LOW + v] = sum;
    }
  }
  const sorted = [...dct].sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hash = 0n;
  for (const coefficient of dct) hash = (hash << 1n) | (coefficient > median ? 1n : 0n);
  return hash;
}

/** The number of bits in which two hashes differ, 0..64. */
export function hammingDistance(a: bigint, b: bigint): number {
  let rest = a ^ b;
  let count = 0;
  while (rest) {
    rest &= rest - 1n;
    count++;
  }
  return count;
}

/** A hash as 16 hex digits (JSON has no 64-bit integers). */
export function hashToHex(hash: bigint): string {
  return hash.toString(16).padStart(16, '0');
}
