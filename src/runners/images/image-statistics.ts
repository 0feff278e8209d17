// Per-image measurements a dataset profiler compares across classes and datasets: size,
// brightness, contrast and sharpness (blur).
import sharp from 'sharp';
import { RunnerInputError } from '../contract.ts';
import { opaqueImage } from './opaque-image.ts';

export interface ImageStatistics {
  /** The stored image's size and channel count (alpha included), before any downscaling. */
  width: number;
  height: number;
  channels: number;
  /** Mean luma, 0..1. Luma is Rec. 601's 0.299 R + 0.587 G + 0.114 B on the sRGB values. */
  brightness: number;
  /** RMS contrast: the standard deviation of luma (0..1 scale), 0..0.5. */
  contrast: number;
  /**
   * Variance of the Laplacian [0 1 0; 1 -4 1; 0 1 0] of luma on the 0..255 scale, over the
   * pixels whose whole 3x3 neighbourhood is inside the image: OpenCV's usual blur measure
   * (`cv2.Laplacian(grey, cv2.CV_64F).var()`) up to borders and grey rounding. 0 for a
   * flat image, higher for a sharper one; it depends on resolution, see `maxSide`.
   */
  sharpness: number;
}

export interface ImageStatisticsOptions {
  /**
   * Images with a longer side are first scaled down to it (Lanczos-3): it bounds the cost
   * of a huge image and makes sharpness comparable across big images. Default 1024.
   */
  maxSide?: number;
}

/** Measures the image at `file` (a path, or its bytes). */
export async function imageStatistics(
  file: string | Buffer,
  options: ImageStatisticsOptions = {},
): Promise<ImageStatistics> {
  const maxSide = options.maxSide ?? 1024;
  const name = typeof file === 'string' ? file : 'from bytes';
  let width: number;
  let height: number;
  let channels: number;
  let pixels: { data: Buffer; info: sharp.OutputInfo };
  try {
    ({ width, height, channels } = await sharp(file, { failOn: 'truncated' }).metadata());
    pixels = await (await opaqueImage(file))
      .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new RunnerInputError(`cannot decode image ${name}: ${(error as Error).message}`);
  }
  const { data, info } = pixels;
  const area = info.width * info.height;
  // Luma in thousandths of a level, an integer: a flat image then has exactly no contrast
  // and no Laplacian, where floating-point sums would leave traces.
  const luma = new Int32Array(area);
  let sum = 0;
  for (let p = 0, q = 0; p < area; p++, q += 3) {
    const y = 299 * data[q]! + 587 * data[q + 1]! + 114 * data[q + 2]!;
    luma[p] = y;
    sum += y;
  }
  const mean = sum / area;
  let squares = 0;
  for (let p = 0; p < area; p++) squares += (luma[p]! - mean) ** 2;
  const full = 1000 * 255;
  return {
    width,
    height,
    channels,
    brightness: mean / full,
    contrast: Math.sqrt(squares / area) / full,
    sharpness: laplacianVariance(luma, info.width, info.height) / 1000 ** 2,
  };
}

/** Variance of the 4-neighbour Laplacian over the interior of a w x h image; 0 below 3x3. */
function laplacianVariance(image: Int32Array, w: number, h: number): number {
  if (w < 3 || h < 3) return 0;
  const n = (w - 2) * (h - 2);
  const laplacian = new Float64Array(n);
  let sum = 0;
  let k = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let i = y * w + 1; i < (y + 1) * w - 1; i++) {
      const l = image[i - w]! + image[i + w]! + image[i - 1]! + image[i + 1]! - 4 * image[i]!;
      laplacian[k++] = l;
      sum += l;
    }
  }
  const mean = sum / n;
  let squares = 0;
  for (const l of laplacian) squares += (l - mean) ** 2;
  return squares / n;
}
