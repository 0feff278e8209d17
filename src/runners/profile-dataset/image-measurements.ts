// What the profiler learns about one image file: its content hash (exact duplicates), its
// perceptual hash (near duplicates) and its statistics (outliers), or why it cannot be read.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { RunnerInputError } from '../contract.ts';
import type { ImageFile } from '../images/image-folder.ts';
import { type ImageStatistics, imageStatistics } from '../images/image-statistics.ts';
import { perceptualHash } from '../images/perceptual-hash.ts';

export interface ImageMeasurement {
  /** SHA-256 of the file's bytes, hex. */
  sha256: string;
  /** Null when the image cannot be decoded. */
  phash: bigint | null;
  statistics: ImageStatistics | null;
  /** Why the image cannot be decoded, or null. */
  error: string | null;
}

/**
 * Reads `file` once and measures it. An image that cannot be decoded is not an error here
 * (profiling reports it): its measurement carries the decoder's message, with the dataset's
 * relative path in place of the absolute one.
 */
export async function measureImage(file: ImageFile, maxSide: number): Promise<ImageMeasurement> {
  const bytes = await readFile(file.path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    const [statistics, phash] = await Promise.all([
      imageStatistics(bytes, { maxSide }),
      perceptualHash(bytes),
    ]);
    return { sha256, phash, statistics, error: null };
  } catch (error) {
    if (!(error instanceof RunnerInputError)) throw error;
    const message = error.message.replace('from bytes', file.id);
    return { sha256, phash: null, statistics: null, error: message };
  }
}
