// Turns an image file into a classifier's input: decoded and resized by sharp (libvips,
// off the main thread), then mapped to floats through a per-channel lookup table, which
// is the whole per-pixel cost on the JavaScript side.
import { RunnerInputError } from '../contract.ts';
import { MAX_IMAGE_SIDE } from './config-fields.ts';
import { opaqueImage } from './opaque-image.ts';

export interface PreprocessOptions {
  width: number;
  height: number;
  /**
   * How the image is brought to width x height: 'fill' stretches it, ignoring its aspect
   * ratio (the default: every pixel is kept); 'cover' scales it to cover the size and crops
   * the centre (torchvision's Resize + CenterCrop).
   */
  fit?: 'fill' | 'cover';
  /**
   * The resampling filter, antialiased when shrinking. 'linear' (default) is PIL's and so
   * torchvision's default bilinear, and about a third faster than 'lanczos3'.
   */
  kernel?: 'nearest' | 'linear' | 'cubic' | 'lanczos3';
  /** The order of the channels in the tensor; 'BGR' for OpenCV / Caffe models. */
  channelOrder?: 'RGB' | 'BGR';
  layout?: 'NCHW' | 'NHWC';
  /**
   * Per-channel normalisation after scaling to [0, 1]: (value - mean[c]) / std[c], with c the
   * channel's place in the tensor (so in BGR order for a BGR model). ImageNet models in RGB
   * order take mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225]; a model that wants
   * 0..255 takes std [1/255, 1/255, 1/255].
   */
  mean?: readonly number[];
  std?: readonly number[];
}

/**
 * Prepares images for one model input. Images are read as 8-bit sRGB: alpha is dropped (not
 * blended), grey is repeated over 3 channels, 16-bit images are reduced to 8 bits. EXIF
 * orientation is not applied, as PIL's `Image.open` does not apply it either.
 */
export class ImagePreprocessor {
  readonly width: number;
  readonly height: number;
  readonly fit: 'fill' | 'cover';
  readonly kernel: 'nearest' | 'linear' | 'cubic' | 'lanczos3';
  readonly channelOrder: 'RGB' | 'BGR';
  readonly layout: 'NCHW' | 'NHWC';
  /** Floats per image in the tensor: 3 x height x width. */
  readonly itemSize: number;
  /** Which channel of the decoded RGB pixel each tensor channel takes. */
  readonly #source: readonly [number, number, number];
  /** The float for each tensor channel c and byte value v, at c * 256 + v. */
  readonly #table: Float32Array;

  constructor(options: PreprocessOptions) {
    for (const side of ['width', 'height'] as const) {
      const value = options[side];
      if (!Number.isInteger(value) || value < 1 || value > MAX_IMAGE_SIDE) {
        throw new RunnerInputError(
          `image ${side} must be a whole number 1..${MAX_IMAGE_SIDE}, not ${value}`,
        );
      }
    }
    this.width = options.width;
    this.height = options.height;
    this.fit = options.fit ?? 'fill';
    this.kernel = options.kernel ?? 'linear';
    this.channelOrder = options.channelOrder ?? 'RGB';
    this.layout = options.layout ?? 'NCHW';
    this.itemSize = 3 * this.width * this.height;
    this.#source = this.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
    const mean = channelTriple('mean', options.mean ?? [0, 0, 0]);
    const std = channelTriple('std', options.std ?? [1, 1, 1]);
    if (std.some((s) => !(s > 0))) {
      throw new RunnerInputError(`std must be positive for every channel, not [${std}]`);
    }
    this.#table = new Float32Array(3 * 256);
    for (let c = 0; c < 3; c++) {
      for (let v = 0; v < 256; v++) this.#table[c * 256 + v] = (v / 255 - mean[c]!) / std[c]!;
    }
  }

  /** Decodes and resizes `file` (a path, or its bytes) to 8-bit RGB, height x width x 3. */
  async decode(file: string | Buffer): Promise<Buffer> {
    const name = typeof file === 'string' ? file : 'from bytes';
    let pixels: Buffer;
    try {
      pixels = await (await opaqueImage(file))
        .resize(this.width, this.height, { fit: this.fit, kernel: this.kernel })
        .removeAlpha()
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer();
    } catch (error) {
      throw new RunnerInputError(`cannot decode image ${name}: ${(error as Error).message}`);
    }
    if (pixels.length !== this.itemSize) {
      throw new RunnerInputError(`cannot decode image ${name} as 3-channel RGB`);
    }
    return pixels;
  }

  /** Writes decoded `pixels` (from `decode`) as one image of the tensor at `out[offset...]`. */
  write(pixels: Uint8Array, out: Float32Array, offset: number): void {
    const table = this.#table;
    const area = this.width * this.height;
    if (this.layout === 'NCHW') {
      for (let c = 0; c < 3; c++) {
        const source = this.#source[c]!;
        const start = offset + c * area;
        const row = c * 256;
        for (let p = 0; p < area; p++) out[start + p] = table[row + pixels[p * 3 + source]!]!;
      }
    } else {
      const [r, g, b] = this.#source;
      for (let p = 0, i = offset; p < area; p++, i += 3) {
        const q = p * 3;
        out[i] = table[pixels[q + r]!]!;
        out[i + 1] = table[256 + pixels[q + g]!]!;
        out[i + 2] = table[512 + pixels[q + b]!]!;
      }
    }
  }

  /** Decodes `file` (a path, or its bytes) and writes it at `out[offset...]`. */
  async load(file: string | Buffer, out: Float32Array, offset = 0): Promise<void> {
    this.write(await this.decode(file), out, offset);
  }
}

function channelTriple(name: string, values: readonly number[]): readonly number[] {
  if (values.length !== 3 || values.some((v) => !Number.isFinite(v))) {
    throw new RunnerInputError(`${name} must be 3 numbers, one per channel, not [${values}]`);
  }
  return values;
}
