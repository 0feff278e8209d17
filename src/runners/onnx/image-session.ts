// What every runner that feeds images to an ONNX model does the same way: open the model for
// the CPU, and turn a batch of preprocessed images into the model's input tensor.
import { availableParallelism } from 'node:os';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { RunnerInputError } from '../contract.ts';

export type ImageLayout = 'NCHW' | 'NHWC';

export interface ImageModelInput {
  name: string;
  /** As the model declares it; a symbolic dimension is its name (e.g. 'N'). */
  shape: Array<number | string>;
  layout: ImageLayout;
  height: number;
  width: number;
  /** The batch size the model is fixed to, or null when it takes any. */
  batchSize: number | null;
}

/**
 * Opens a model (a path, or its bytes) for CPU inference, with every core for one operator
 * at a time: runners feed one batch at a time. A file that is not a loadable ONNX model is
 * the user's problem.
 */
export async function openCpuSession(
  model: string | Uint8Array,
  intraOpThreads = availableParallelism(),
): Promise<InferenceSession> {
  const options: InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  try {
    return typeof model === 'string'
      ? await InferenceSession.create(model, options)
      : await InferenceSession.create(model, options);
  } catch (error) {
    const name = typeof model === 'string' ? model : 'from bytes';
    throw new RunnerInputError(`cannot load ONNX model ${name}: ${(error as Error).message}`);
  }
}

/** Makes what wraps `session`, releasing the session when that fails (a shape that does not fit). */
export async function wrapSession<T>(
  session: InferenceSession,
  wrap: (session: InferenceSession) => T,
): Promise<T> {
  try {
    return wrap(session);
  } catch (error) {
    await session.release();
    throw error;
  }
}

/**
 * The input tensor for the first `count` images of `batch` (3 x height x width floats each,
 * in the input's layout), padded with blank images to the model's fixed batch size; `fed` is
 * how many images the tensor holds.
 */
export function imageBatchTensor(
  batch: Float32Array,
  count: number,
  input: ImageModelInput,
): { tensor: Tensor; fed: number } {
  const { height, width, layout, batchSize } = input;
  const itemSize = 3 * height * width;
  let data = batch.subarray(0, count * itemSize);
  if (batchSize !== null && count < batchSize) {
    data = new Float32Array(batchSize * itemSize);
    data.set(batch.subarray(0, count * itemSize));
  }
  const fed = data.length / itemSize;
  const dims = layout === 'NCHW' ? [fed, 3, height, width] : [fed, height, width, 3];
  return { tensor: new Tensor(data, dims), fed };
}
