// Image perturbations for robustness tests, each a pure function of (image, parameter,
// random numbers): the same inputs give byte-identical output, so a perturbed copy of a
// dataset, and its digest, can be reproduced from the original, the parameter and the seed.
//
// Images are perturbed as 8-bit sRGB (alpha dropped, grey made RGB: what a classifier
// sees) and written as PNG, so the perturbation is the only change: re-encoding a JPEG as
// JPEG would add compression artefacts of its own. 'jpeg-quality' writes JPEG, of course.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import sharp from 'sharp';
import { RunnerInputError } from '../contract.ts';
import { listFolderFiles } from './folder-files.ts';

export type PerturbationKind =
  | 'gaussian-blur'
  | 'gaussian-noise'
  | 'brightness'
  | 'contrast'
  | 'jpeg-quality'
  | 'rotation';

/** Each perturbation's parameter: what it means, its range and the value that changes nothing. */
export const PERTURBATIONS: Record<
  PerturbationKind,
  { parameter: string; min: number; max: number; identity: number | null }
> = {
  // sharp blurs with sigma from 0.3 up; 0 means no blur.
  'gaussian-blur': {
    parameter: 'sigma, in pixels (0, or 0.3..1000)',
    min: 0,
    max: 1000,
    identity: 0,
  },
  // On the 0..1 scale, as in the ImageNet-C corruptions (0.08..0.38 there).
  'gaussian-noise': {
    parameter: 'standard deviation, as a fraction of the 0..255 range',
    min: 0,
    max: 10,
    identity: 0,
  },
  brightness: {
    parameter: 'factor each channel value is multiplied by',
    min: 0,
    max: 100,
    identity: 1,
  },
  // Around each channel's mean, as in ImageNet-C: 0 makes the image its mean colour.
  contrast: {
    parameter: "factor on each value's distance to its channel's mean",
    min: 0,
    max: 100,
    identity: 1,
  },
  'jpeg-quality': { parameter: 'JPEG quality, 1..100', min: 1, max: 100, identity: null },
  rotation: { parameter: 'degrees clockwise', min: -360, max: 360, identity: 0 },
};

export interface PerturbedImage {
  bytes: Buffer;
  /** '.png', or '.jpg' for 'jpeg-quality'. */
  extension: '.png' | '.jpg';
}

interface Pixels {
  data: Buffer;
  width: number;
  height: number;
}

/** Checks a perturbation's parameter, with a message naming the allowed range. */
export function checkPerturbation(kind: PerturbationKind, parameter: number): void {
  const spec = PERTURBATIONS[kind];
  if (!spec) throw new RunnerInputError(`unknown perturbation '${kind}'`);
  const blurTooSmall = kind === 'gaussian-blur' && parameter > 0 && parameter < 0.3;
  const notWhole = kind === 'jpeg-quality' && !Number.isInteger(parameter);
  if (!(parameter >= spec.min && parameter <= spec.max) || blurTooSmall || notWhole) {
    throw new RunnerInputError(`${kind} takes a ${spec.parameter}; ${parameter} is out of range`);
  }
}

/**
 * A small seeded generator of uniform numbers in [0, 1) (mulberry32): enough for image
 * noise, and the same on every platform.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function decode(file: string | Buffer): Promise<Pixels> {
  try {
    const { data, info } = await sharp(file, { failOn: 'truncated' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (error) {
    const name = typeof file === 'string' ? file : 'from bytes';
    throw new RunnerInputError(`cannot decode image ${name}: ${(error as Error).message}`);
  }
}

const raw = ({ data, width, height }: Pixels) =>
  sharp(data, { raw: { width, height, channels: 3 } });

function clampByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}

function addNoise({ data }: Pixels, std: number, random: () => number): void {
  const scale = std * 255;
  // Box-Muller: two uniforms give two independent standard normals.
  for (let i = 0; i < data.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random())) * scale;
    const angle = 2 * Math.PI * random();
    data[i] = clampByte(data[i]! + radius * Math.cos(angle));
    if (i + 1 < data.length) data[i + 1] = clampByte(data[i + 1]! + radius * Math.sin(angle));
  }
}

function scaleBrightness({ data }: Pixels, factor: number): void {
  for (let i = 0; i < data.length; i++) data[i] = clampByte(data[i]! * factor);
}

function scaleContrast({ data }: Pixels, factor: number): void {
  const means = [0, 0, 0];
  for (let i = 0; i < data.length; i++) means[i % 3]! += data[i]!;
  for (let c = 0; c < 3; c++) means[c]! /= data.length / 3;
  for (let i = 0; i < data.length; i++) {
    const mean = means[i % 3]!;
    data[i] = clampByte((data[i]! - mean) * factor + mean);
  }
}

/** Rotates about the centre, keeping the canvas: corners are cut off, the gaps are black. */
async function rotate(pixels: Pixels, degrees: number): Promise<void> {
  const { data, info } = await raw(pixels)
    .rotate(degrees, { background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = pixels;
  // The rotated image is at least as big for most angles, smaller for a quarter turn of a
  // non-square image; either way its centre lands on the canvas's (to a pixel when the
  // sizes differ by an odd number).
  const left = Math.floor((info.width - width) / 2);
  const top = Math.floor((info.height - height) / 2);
  pixels.data.fill(0);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(width, info.width - left);
  for (let y = Math.max(0, -top); y < Math.min(height, info.height - top); y++) {
    const from = ((y + top) * info.width + x0 + left) * 3;
    pixels.data.set(data.subarray(from, from + (x1 - x0) * 3), (y * width + x0) * 3);
  }
}

/**
 * Perturbs an image (a path, or its bytes): 'gaussian-blur' (sigma in pixels), 'gaussian-noise'
 * (standard deviation on the 0..1 scale, from `random`), 'brightness' (factor), 'contrast'
 * (factor around each channel's mean), 'jpeg-quality' (1..100, libjpeg-turbo with 4:2:0
 * chroma subsampling, like PIL's default), 'rotation' (degrees clockwise, bilinear, same
 * canvas, black fill). `random` gives uniform numbers in [0, 1); only noise uses it.
 * Results are rounded to 8 bits; a parameter that changes nothing gives the decoded pixels.
 */
export async function perturbImage(
  file: string | Buffer,
  kind: PerturbationKind,
  parameter: number,
  random: () => number,
): Promise<PerturbedImage> {
  checkPerturbation(kind, parameter);
  const pixels = await decode(file);
  let image: sharp.Sharp | null = null;
  if (kind === 'gaussian-blur' && parameter > 0) {
    // sharp's default mask (integer weights, cut at amplitude 0.2) is a no-op below sigma
    // ~0.56 and coarse above: a float mask cut at 0.01 blurs like PIL and OpenCV do.
    image = raw(pixels).blur({ sigma: parameter, precision: 'float', minAmplitude: 0.01 });
  } else if (kind === 'gaussian-noise') addNoise(pixels, parameter, random);
  else if (kind === 'brightness') scaleBrightness(pixels, parameter);
  else if (kind === 'contrast') scaleContrast(pixels, parameter);
  else if (kind === 'rotation' && parameter % 360 !== 0) await rotate(pixels, parameter);
  else if (kind === 'jpeg-quality') {
    return { bytes: await raw(pixels).jpeg({ quality: parameter }).toBuffer(), extension: '.jpg' };
  }
  return { bytes: await (image ?? raw(pixels)).png().toBuffer(), extension: '.png' };
}

export interface PerturbFolderResult {
  /** Each image and its perturbed copy, as relative paths, sorted by source. */
  images: Array<{ source: string; target: string }>;
  /** Other files, copied as they are. */
  copied: string[];
  /** Hidden files, links and undecodable (.bmp) images, left out of the copy. */
  omitted: string[];
}

/** The copy's path: the same, with the extension of the format written when it differs. */
function targetPath(source: string, extension: '.png' | '.jpg'): string {
  const current = extname(source);
  const same = extension === '.png' ? ['.png'] : ['.jpg', '.jpeg'];
  return same.includes(current.toLowerCase())
    ? source
    : source.slice(0, source.length - current.length) + extension;
}

/**
 * The generator for one file: from the seed and the file's relative path, so a file's noise
 * depends on nothing else (not on the order files are done in, nor on the other files), and
 * the same seed gives the same noise at every level, which makes levels comparable.
 */
function randomFor(seed: number, path: string): () => number {
  const digest = createHash('sha256').update(`${seed}\0${path}`).digest();
  return seededRandom(digest.readUInt32BE(0));
}

/**
 * Writes a perturbed copy of the dataset folder `sourceRoot` to `targetRoot` (which must be
 * absent or empty): every image perturbed (see `perturbImage`) under its relative path, with
 * its extension changed to the format written (.png, or .jpg for 'jpeg-quality') unless it
 * already names it; other files copied. The same source, perturbation, parameter and seed
 * give byte-identical files.
 */
export async function perturbFolder(
  sourceRoot: string,
  targetRoot: string,
  kind: PerturbationKind,
  parameter: number,
  seed: number,
  options: { signal?: AbortSignal; concurrency?: number } = {},
): Promise<PerturbFolderResult> {
  checkPerturbation(kind, parameter);
  const files = await listFolderFiles(sourceRoot);
  await mkdir(targetRoot, { recursive: true });
  if ((await readdir(targetRoot)).length) {
    throw new RunnerInputError(`${targetRoot} must be empty to receive a perturbed dataset`);
  }
  const extension = kind === 'jpeg-quality' ? '.jpg' : '.png';
  const images = files.images.map((source) => ({ source, target: targetPath(source, extension) }));
  const sources = new Map(files.other.map((path) => [path, path]));
  for (const { source, target } of images) {
    const other = sources.get(target);
    if (other) {
      throw new RunnerInputError(
        `${source} and ${other} would both be written as ${target} in the perturbed copy`,
      );
    }
    sources.set(target, source);
  }
  let next = 0;
  let failed = false;
  const work = async () => {
    while (next < images.length && !failed) {
      options.signal?.throwIfAborted();
      const { source, target } = images[next++]!;
      const random = randomFor(seed, source);
      const { bytes } = await perturbImage(join(sourceRoot, source), kind, parameter, random);
      await mkdir(dirname(join(targetRoot, target)), { recursive: true });
      await writeFile(join(targetRoot, target), bytes);
    }
  };
  const workers = options.concurrency ?? availableParallelism();
  // One failure stops the other workers from starting more files.
  const stopOnFailure = (error: unknown) => {
    failed = true;
    throw error;
  };
  await Promise.all(
    Array.from({ length: Math.max(1, workers) }, () => work().catch(stopOnFailure)),
  );
  for (const path of files.other) {
    options.signal?.throwIfAborted();
    await mkdir(dirname(join(targetRoot, path)), { recursive: true });
    await copyFile(join(sourceRoot, path), join(targetRoot, path));
  }
  return {
    images,
    copied: files.other,
    omitted: [...files.unsupported, ...files.omitted].sort(),
  };
}
