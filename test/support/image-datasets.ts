// Small image files and image-folder datasets made with sharp, for tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** Encodes an image whose pixel at (x, y) is `pixel(x, y)` (`channels` values 0..255). */
export async function encodeImage(
  width: number,
  height: number,
  pixel: (x: number, y: number) => readonly number[],
  format: 'png' | 'jpeg' = 'png',
  channels: 1 | 2 | 3 | 4 = 3,
): Promise<Buffer> {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const values = pixel(x, y);
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = values[c]!;
    }
  }
  const raw = sharp(data, { raw: { width, height, channels } });
  // Without it, sharp would store one or two channels as RGB.
  const image = channels < 3 ? raw.toColourspace('b-w') : raw;
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 95 }).toBuffer();
}

export interface ImageSpec {
  /** RGB, 0..255. */
  colour: readonly [number, number, number];
  /** 8 x 8 by default. */
  width?: number;
  height?: number;
  /** Each channel value is moved by up to +-noise, the same way for the same seed. */
  noise?: number;
  seed?: number;
  format?: 'png' | 'jpeg';
  /** The file name; `<index>.<format>` by default. */
  name?: string;
}

/** Deterministic noise in [-1, 1] from integer coordinates, no generator state needed. */
function noiseAt(x: number, y: number, c: number, seed: number): number {
  let h = Math.imul(x, 73856093) ^ Math.imul(y, 19349663) ^ Math.imul(c, 83492791) ^ seed;
  h = Math.imul(h ^ (h >>> 13), 0x5bd1e995);
  h ^= h >>> 15;
  return ((h >>> 0) / 0xffffffff) * 2 - 1;
}

/** The image a spec describes, encoded. */
export function specImage(spec: ImageSpec): Promise<Buffer> {
  const { colour, width = 8, height = 8, noise = 0, seed = 0 } = spec;
  return encodeImage(
    width,
    height,
    (x, y) =>
      colour.map((v, c) =>
        Math.max(0, Math.min(255, Math.round(v + noise * noiseAt(x, y, c, seed)))),
      ),
    spec.format ?? 'png',
  );
}

/**
 * Writes an image-folder dataset under `root`: a folder per class holding its specs' images.
 * Returns the relative paths written, in order.
 */
export async function writeImageFolder(
  root: string,
  classes: Record<string, readonly ImageSpec[]>,
): Promise<string[]> {
  const written: string[] = [];
  for (const [label, specs] of Object.entries(classes)) {
    mkdirSync(join(root, label), { recursive: true });
    for (const [index, spec] of specs.entries()) {
      const extension = spec.format === 'jpeg' ? 'jpg' : 'png';
      const relative = `${label}/${spec.name ?? `${index}.${extension}`}`;
      writeFileSync(join(root, relative), await specImage(spec));
      written.push(relative);
    }
  }
  return written;
}
