// Batches of preprocessed images for a model, decoded ahead: while the model runs on one
// batch, sharp decodes the next on libuv's thread pool (UV_THREADPOOL_SIZE threads, 4 by
// default), so decoding only slows a run down when it is slower than the model.
import { RunnerInputError } from '../contract.ts';
import type { ImageFile } from './image-folder.ts';
import type { ImagePreprocessor } from './preprocess.ts';

export interface ImageBatch<Item> {
  /** The images in the tensor, in order. */
  items: Item[];
  /** items.length images of `preprocessor.itemSize` floats each, laid out as configured. */
  tensor: Float32Array;
  /** Images that could not be decoded, when `onUndecodable` is 'skip'. */
  skipped: Array<{ item: Item; message: string }>;
}

export interface BatchOptions {
  batchSize: number;
  signal?: AbortSignal;
  /** Images decoded ahead of the batch being handed out; one batch's worth by default. */
  lookahead?: number;
  /** 'fail' (default) throws on an image that cannot be decoded; 'skip' reports it. */
  onUndecodable?: 'fail' | 'skip';
}

/**
 * Hands out `items` in order, batchSize at a time (the last batch may be smaller), as
 * tensors ready for the model. Each batch has a tensor of its own, so a caller may keep it.
 */
export async function* readBatches<Item extends ImageFile>(
  items: readonly Item[],
  preprocessor: ImagePreprocessor,
  options: BatchOptions,
): AsyncGenerator<ImageBatch<Item>> {
  const { batchSize, signal } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RunnerInputError(`batch size must be a whole number of at least 1, not ${batchSize}`);
  }
  const lookahead = Math.max(0, options.lookahead ?? batchSize);
  const queue: Array<{ item: Item; pixels: Promise<Buffer> }> = [];
  let started = 0;
  for (let first = 0; first < items.length; first += batchSize) {
    signal?.throwIfAborted();
    const end = Math.min(first + batchSize, items.length);
    for (; started < Math.min(end + lookahead, items.length); started++) {
      const item = items[started]!;
      const pixels = preprocessor.decode(item.path);
      // Awaited in its turn; until then a failure must not count as unhandled.
      pixels.catch(() => {});
      queue.push({ item, pixels });
    }
    const decoding = queue.splice(0, end - first);
    const settled = await Promise.allSettled(decoding.map((entry) => entry.pixels));
    signal?.throwIfAborted();
    const batch: ImageBatch<Item> = { items: [], tensor: new Float32Array(0), skipped: [] };
    const decoded: Buffer[] = [];
    settled.forEach((result, i) => {
      const { item } = decoding[i]!;
      if (result.status === 'fulfilled') {
        batch.items.push(item);
        decoded.push(result.value);
      } else if (options.onUndecodable === 'skip') {
        batch.skipped.push({ item, message: (result.reason as Error).message });
      } else throw result.reason;
    });
    batch.tensor = new Float32Array(decoded.length * preprocessor.itemSize);
    decoded.forEach((pixels, i) => {
      preprocessor.write(pixels, batch.tensor, i * preprocessor.itemSize);
    });
    yield batch;
  }
}
