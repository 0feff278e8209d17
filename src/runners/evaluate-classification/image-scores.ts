// Runs a model over a folder's images, a batch at a time, decoding the next batch while the
// model works on this one, into one table of probabilities over the dataset's classes.
import { readBatches } from '../images/image-batches.ts';
import type { ImageFile } from '../images/image-folder.ts';
import type { ClassMapping } from './class-mapping.ts';
import { writeDatasetScores } from './class-scores.ts';
import type { ImagePipeline } from './image-pipeline.ts';

export interface ScoreOptions {
  batchSize: number;
  signal?: AbortSignal;
  /** Called after each batch with the number of images done so far. */
  onBatch?: (done: number) => void | Promise<void>;
}

/**
 * The model's probabilities for each of `items` over the dataset's classes: items.length x
 * mapping.labels.length, row-major, in the order of `items`. An image that cannot be decoded
 * fails the run, naming its file.
 */
export async function scoreImages(
  pipeline: ImagePipeline,
  items: readonly ImageFile[],
  mapping: ClassMapping,
  options: ScoreOptions,
): Promise<Float32Array> {
  const classes = mapping.labels.length;
  const scores = new Float32Array(items.length * classes);
  let done = 0;
  const batches = readBatches(items, pipeline.preprocessor, {
    batchSize: options.batchSize,
    signal: options.signal,
  });
  for await (const batch of batches) {
    const rows = await pipeline.classifier.classify(batch.tensor, batch.items.length);
    for (const row of rows) {
      writeDatasetScores(row, mapping, scores, done * classes);
      done++;
    }
    await options.onBatch?.(done);
  }
  return scores;
}
