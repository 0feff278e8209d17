// An ONNX object detector run by onnxruntime on the CPU: its input checked as an image batch,
// its outputs read in the layout the user declared, one set of raw detections per image.
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { RunnerInputError } from '../contract.ts';
import type { ImageModelInput } from '../onnx/image-session.ts';
import { imageBatchTensor, openCpuSession, wrapSession } from '../onnx/image-session.ts';
import { imageInputOf } from '../onnx/model-session.ts';
import type { RawDetections } from './box-decoding.ts';
import type { DetectorConfig } from './config.ts';

const NUMERIC_TYPES = new Set(['float32', 'float64', 'int64', 'int32', 'uint8', 'int8']);

/** The outputs read, and how many numbers each detection has in each. */
interface OutputPlan {
  names: string[];
  widths: number[];
}

function planOutputs(session: InferenceSession, config: DetectorConfig): OutputPlan {
  const plan: OutputPlan =
    config.outputLayout === 'separate'
      ? {
          names: [config.boxesOutput, config.scoresOutput, config.labelsOutput],
          widths: [4, 1, 1],
        }
      : { names: [config.detectionsOutput ?? session.outputNames[0] ?? ''], widths: [6] };
  for (const name of plan.names) {
    const output = session.outputMetadata.find((metadata) => metadata.name === name);
    if (!output) {
      throw new RunnerInputError(
        `the detector has no output '${name}' (it has ${session.outputNames.join(', ')}); ` +
          `set the detector's output names or outputLayout`,
      );
    }
    if (!output.isTensor || !NUMERIC_TYPES.has(output.type)) {
      const type = output.isTensor ? `of type ${output.type}` : 'not a tensor';
      throw new RunnerInputError(`detector output '${name}' is ${type}, not numbers`);
    }
  }
  return plan;
}

/** The numbers of a tensor as doubles (int64 labels arrive as BigInt64Array). */
function numbersOf(tensor: Tensor): Float64Array {
  const data = tensor.data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    return Float64Array.from(data, (value) => Number(value));
  }
  return Float64Array.from(data as ArrayLike<number>);
}

/**
 * Splits an output into `count` images' rows of `width` numbers: shape [count, K, width] (or
 * [count, K] for width 1), or without the batch dimension when one image was fed.
 */
function perImage(tensor: Tensor, name: string, width: number, count: number): Float64Array[] {
  const dims = tensor.dims;
  const rowRank = width === 1 ? 1 : 2;
  const batched = dims.length === rowRank + 1 && dims[0] === count;
  const single = dims.length === rowRank && count === 1;
  const rowsFit = width === 1 || dims[dims.length - 1] === width;
  if (!(batched || single) || !rowsFit) {
    const wanted = width === 1 ? '[B,K] or [K]' : `[B,K,${width}] or [K,${width}]`;
    throw new RunnerInputError(
      `detector output '${name}' has shape [${dims.join(',')}] for a batch of ${count}; ` +
        `expected ${wanted}${dims.length === rowRank && count > 1 ? ' (set batchSize to 1)' : ''}`,
    );
  }
  const values = numbersOf(tensor);
  const size = values.length / count;
  return Array.from({ length: count }, (_, i) => values.subarray(i * size, (i + 1) * size));
}

/** An ONNX detector on the CPU; `release` it when done. */
export class OnnxDetector {
  readonly input: ImageModelInput;
  /** Images per inference: the model's fixed batch size, else the configured one. */
  readonly batchSize: number;
  readonly #session: InferenceSession;
  readonly #plan: OutputPlan;

  private constructor(session: InferenceSession, config: DetectorConfig) {
    this.#session = session;
    const { layout, width, height } = config;
    this.input = imageInputOf(session.inputMetadata, { layout, width, height }, 'a detector');
    this.#plan = planOutputs(session, config);
    this.batchSize = this.input.batchSize ?? config.batchSize;
  }

  /** Loads the model at `path` with the declared output layout; an unusable model is the user's problem. */
  static async load(path: string, config: DetectorConfig): Promise<OnnxDetector> {
    const session = await openCpuSession(path);
    return wrapSession(session, () => new OnnxDetector(session, config));
  }

  /**
   * Raw detections of the first `count` images of `batch` (each 3 x height x width floats in
   * the input's layout), padded with blank images to the model's fixed batch size.
   */
  async detect(batch: Float32Array, count: number): Promise<RawDetections[]> {
    const { tensor, fed: n } = imageBatchTensor(batch, count, this.input);
    const { names, widths } = this.#plan;
    const results = await this.#session.run({ [this.input.name]: tensor }, names);
    const outputs = names.map((name, j) =>
      perImage(results[name] as Tensor, name, widths[j]!, n).slice(0, count),
    );
    return Array.from({ length: count }, (_, i) => {
      if (outputs.length === 3) {
        return { boxes: outputs[0]![i]!, scores: outputs[1]![i]!, labels: outputs[2]![i]! };
      }
      const rows = outputs[0]![i]!;
      const k = rows.length / 6;
      const boxes = new Float64Array(k * 4);
      const scores = new Float64Array(k);
      const labels = new Float64Array(k);
      for (let r = 0; r < k; r++) {
        boxes.set(rows.subarray(r * 6, r * 6 + 4), r * 4);
        scores[r] = rows[r * 6 + 4]!;
        labels[r] = rows[r * 6 + 5]!;
      }
      return { boxes, scores, labels };
    });
  }

  /** Frees the session's native memory. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}
