// An ONNX image embedding model on the CPU, and the features it gives an image folder: one
// feature per embedding dimension.
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ResolvedInput } from '../contract.ts';
import { RunnerInputError } from '../contract.ts';
import { readBatches } from '../images/image-batches.ts';
import { ImagePreprocessor } from '../images/preprocess.ts';
import type { ImageModelInput } from '../onnx/image-session.ts';
import { imageBatchTensor, openCpuSession, wrapSession } from '../onnx/image-session.ts';
import { imageInputOf } from '../onnx/model-session.ts';
import type { EmbeddingConfig } from './config.ts';
import type { FeatureSet } from './feature-set.ts';
import { folderImages } from './image-features.ts';

/** An embedding model; `release` it when done. */
export class ImageEmbedder {
  readonly input: ImageModelInput;
  readonly output: string;
  readonly batchSize: number;
  readonly #session: InferenceSession;

  private constructor(session: InferenceSession, config: EmbeddingConfig) {
    this.#session = session;
    const { layout, width, height } = config;
    this.input = imageInputOf(
      session.inputMetadata,
      { layout, width, height },
      'an embedding model',
    );
    const output = config.output ?? session.outputNames[0];
    const metadata = session.outputMetadata.find((o) => o.name === output);
    if (!metadata) {
      throw new RunnerInputError(
        `the embedding model has no output '${output}' (it has ${session.outputNames.join(', ')})`,
      );
    }
    if (!metadata.isTensor || (metadata.type !== 'float32' && metadata.type !== 'float64')) {
      const type = metadata.isTensor ? `of type ${metadata.type}` : 'not a tensor';
      throw new RunnerInputError(`embedding output '${output}' is ${type}, not float32 or float64`);
    }
    this.output = metadata.name;
    this.batchSize = this.input.batchSize ?? config.batchSize;
  }

  /** Loads the model at `path`; an unusable model is the user's problem. */
  static async load(path: string, config: EmbeddingConfig): Promise<ImageEmbedder> {
    const session = await openCpuSession(path);
    return wrapSession(session, () => new ImageEmbedder(session, config));
  }

  /** The embeddings of the first `count` images of `batch`, one row each, flattened. */
  async embed(batch: Float32Array, count: number): Promise<Float64Array[]> {
    const { tensor, fed: n } = imageBatchTensor(batch, count, this.input);
    const results = await this.#session.run({ [this.input.name]: tensor }, [this.output]);
    const output = results[this.output] as Tensor;
    const values = output.data as Float32Array | Float64Array;
    if (output.dims[0] !== n || values.length % n !== 0 || values.length === 0) {
      throw new RunnerInputError(
        `embedding output '${this.output}' has shape [${output.dims.join(',')}] for ${n} images`,
      );
    }
    const size = values.length / n;
    return Array.from({ length: count }, (_, i) =>
      Float64Array.from(values.subarray(i * size, (i + 1) * size)),
    );
  }

  /** Frees the session's native memory. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}

/**
 * The embedding of every image of an IMAGE_FOLDER version as features embedding_0,
 * embedding_1, ... Images are stretched or cropped to the model's input as configured.
 */
export async function embeddingFeatures(
  input: ResolvedInput,
  embedder: ImageEmbedder,
  config: EmbeddingConfig,
  options: { signal: AbortSignal; onDone?: (done: number, total: number) => void },
): Promise<FeatureSet> {
  const { images, labels } = await folderImages(input);
  const { width, height, layout } = embedder.input;
  const preprocessor = new ImagePreprocessor({
    width,
    height,
    layout,
    fit: config.fit,
    channelOrder: config.channelOrder,
    mean: config.mean,
    std: config.std,
  });
  const rows: Float64Array[] = [];
  for await (const batch of readBatches(images, preprocessor, {
    batchSize: embedder.batchSize,
    signal: options.signal,
  })) {
    rows.push(...(await embedder.embed(batch.tensor, batch.items.length)));
    options.onDone?.(rows.length, images.length);
  }
  const dimension = rows[0]!.length;
  return {
    names: Array.from({ length: dimension }, (_, j) => `embedding_${j}`),
    columns: Array.from({ length: dimension }, (_, j) => Float64Array.from(rows, (row) => row[j]!)),
    rows: rows.length,
    labels,
  };
}
