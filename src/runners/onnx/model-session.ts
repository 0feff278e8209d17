// An ONNX image classifier run by onnxruntime on the CPU: its input checked against what
// an image pipeline can feed, its outputs turned into class probabilities.
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { RunnerInputError } from '../contract.ts';
import {
  type ImageLayout,
  type ImageModelInput,
  imageBatchTensor,
  openCpuSession,
  wrapSession,
} from './image-session.ts';
import { firstNonDistribution, softmaxRows } from './probabilities.ts';

export interface ClassifierOptions {
  /** Needed only when the model's shape does not tell (channels dimension symbolic). */
  layout?: ImageLayout;
  /** Needed when the model's height / width are symbolic; must match when they are not. */
  height?: number;
  width?: number;
  /**
   * What the model outputs: 'logits' get a softmax; 'probabilities' are used as they are
   * (and must be: rows of non-negative numbers summing to 1 within 1e-3); 'auto' (default)
   * decides on the first batch: probabilities if every row is, else logits, then keeps to it.
   */
  outputs?: 'logits' | 'probabilities' | 'auto';
  /** The label set; the model must give one score per label. */
  labels?: readonly string[] | null;
  /** CPU threads for one inference; all cores by default. */
  intraOpThreads?: number;
}

function shapeText(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(',')}]`;
}

const isKnown = (dim: number | string | undefined): dim is number =>
  typeof dim === 'number' && dim > 0;

/**
 * Checks the model's one input is a float32 image batch, and finds its layout and size.
 * `kind` names the model in messages ('an image classifier', 'a detector', ...).
 */
export function imageInputOf(
  inputs: readonly InferenceSession.ValueMetadata[],
  options: ClassifierOptions = {},
  kind = 'an image classifier',
): ImageModelInput {
  if (inputs.length !== 1) {
    throw new RunnerInputError(
      `the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); ` +
        `${kind} takes one`,
    );
  }
  const input = inputs[0]!;
  if (!input.isTensor || input.type !== 'float32') {
    const type = input.isTensor ? `of type ${input.type}` : 'not a tensor';
    throw new RunnerInputError(`model input '${input.name}' is ${type}; images are fed as float32`);
  }
  const shape = [...input.shape];
  const needs = `${kind} needs [N,3,H,W] or [N,H,W,3]`;
  if (shape.length !== 4) {
    throw new RunnerInputError(
      `model input '${input.name}' has shape ${shapeText(shape)}; ${needs}`,
    );
  }
  const fits = (at: number) => shape[at] === 3 || !isKnown(shape[at]);
  let layout: ImageLayout;
  if (options.layout) {
    layout = options.layout;
    if (!fits(layout === 'NCHW' ? 1 : 3)) {
      throw new RunnerInputError(
        `model input '${input.name}' has shape ${shapeText(shape)}; with layout ${layout} ` +
          `it would need ${layout === 'NCHW' ? '[N,3,H,W]' : '[N,H,W,3]'}`,
      );
    }
  } else if (shape[1] === 3) layout = 'NCHW';
  else if (shape[3] === 3) layout = 'NHWC';
  else if (fits(1) || fits(3)) {
    throw new RunnerInputError(
      `model input '${input.name}' has shape ${shapeText(shape)}, which does not tell where ` +
        'the channels are; set layout to NCHW or NHWC',
    );
  } else {
    throw new RunnerInputError(
      `model input '${input.name}' has shape ${shapeText(shape)}; ${needs}`,
    );
  }
  const [heightAt, widthAt] = layout === 'NCHW' ? [2, 3] : [1, 2];
  const side = (at: number, name: 'height' | 'width'): number => {
    const dim = shape[at];
    const wanted = options[name];
    if (isKnown(dim)) {
      if (wanted !== undefined && wanted !== dim) {
        throw new RunnerInputError(
          `model input '${input.name}' has shape ${shapeText(shape)}: its ${name} is ${dim}, ` +
            `not ${wanted} as configured`,
        );
      }
      return dim;
    }
    if (wanted === undefined) {
      throw new RunnerInputError(
        `model input '${input.name}' has shape ${shapeText(shape)}, with no fixed ${name}; ` +
          `set ${name} in the config`,
      );
    }
    return wanted;
  };
  return {
    name: input.name,
    shape,
    layout,
    height: side(heightAt, 'height'),
    width: side(widthAt, 'width'),
    batchSize: isKnown(shape[0]) ? shape[0] : null,
  };
}

/** An ONNX image classifier on the CPU; `release` it when done. */
export class ImageClassifier {
  readonly input: ImageModelInput;
  readonly outputName: string;
  readonly #session: InferenceSession;
  readonly #labels: readonly string[] | null;
  #classCount: number | null;
  #outputs: 'logits' | 'probabilities' | 'auto';

  private constructor(session: InferenceSession, options: ClassifierOptions) {
    this.#session = session;
    this.#labels = options.labels ?? null;
    this.input = imageInputOf(session.inputMetadata, options);
    this.#outputs = options.outputs ?? 'auto';
    const output = session.outputMetadata[0];
    if (!output) throw new RunnerInputError('the model has no outputs');
    if (!output.isTensor || (output.type !== 'float32' && output.type !== 'float64')) {
      const type = output.isTensor ? `of type ${output.type}` : 'not a tensor';
      throw new RunnerInputError(
        `model output '${output.name}' is ${type}; class scores must be float32 or float64`,
      );
    }
    this.outputName = output.name;
    const perItem = output.shape.slice(1);
    this.#classCount =
      perItem.length > 0 && perItem.every(isKnown)
        ? perItem.reduce<number>((product, dim) => product * (dim as number), 1)
        : null;
    if (this.#classCount !== null) this.#checkClassCount(this.#classCount);
  }

  /** What the model outputs: 'auto' until the first batch settles it. */
  get outputs(): 'logits' | 'probabilities' | 'auto' {
    return this.#outputs;
  }

  /** Scores per image, when the model's output shape fixes it; else known after a batch. */
  get classCount(): number | null {
    return this.#classCount;
  }

  /**
   * Loads a model (a path, or its bytes) for CPU inference; the first output is taken as the
   * class scores. A file that is not a loadable ONNX model is the user's problem.
   */
  static async load(
    model: string | Uint8Array,
    options: ClassifierOptions = {},
  ): Promise<ImageClassifier> {
    const session = await openCpuSession(model, options.intraOpThreads);
    return wrapSession(session, () => new ImageClassifier(session, options));
  }

  #checkClassCount(count: number): void {
    const labels = this.#labels;
    if (labels && labels.length !== count) {
      throw new RunnerInputError(
        `model output '${this.outputName}' gives ${count} scores per image; the label set has ` +
          `${labels.length} [${labels.join(', ')}]`,
      );
    }
  }

  /**
   * Class probabilities for the first `count` images of `batch` (laid out as
   * `input.layout`, 3 x height x width floats each): one row of classCount per image. A model
   * fixed to a batch size gets the images in chunks of it, the last padded with zeros.
   */
  async classify(batch: Float32Array, count: number): Promise<Float32Array[]> {
    const { height, width, batchSize } = this.input;
    const itemSize = 3 * height * width;
    if (batch.length < count * itemSize) {
      throw new Error(`a batch of ${count} images needs ${count * itemSize} floats`);
    }
    const chunks: Float32Array[] = [];
    for (let start = 0; start < count; start += batchSize ?? count) {
      const size = Math.min(batchSize ?? count, count - start);
      chunks.push(await this.#run(batch.subarray(start * itemSize, (start + size) * itemSize)));
    }
    const classes = this.#classCount ?? 0;
    const scores = new Float32Array(count * classes);
    let at = 0;
    for (const chunk of chunks) {
      scores.set(chunk, at);
      at += chunk.length;
    }
    this.#toProbabilities(scores, classes);
    return Array.from({ length: count }, (_, i) => scores.subarray(i * classes, (i + 1) * classes));
  }

  /** The model's raw scores for the images in `data`, padded to the model's batch size. */
  async #run(data: Float32Array): Promise<Float32Array> {
    const size = data.length / (3 * this.input.height * this.input.width);
    const { tensor, fed: n } = imageBatchTensor(data, size, this.input);
    const results = await this.#session.run({ [this.input.name]: tensor }, [this.outputName]);
    const output = results[this.outputName] as Tensor;
    const perItem = output.data.length / n;
    if (output.dims[0] !== n || !Number.isInteger(perItem)) {
      throw new RunnerInputError(
        `model output '${this.outputName}' has shape [${output.dims}] for ${n} images`,
      );
    }
    if (this.#classCount === null) {
      this.#checkClassCount(perItem);
      this.#classCount = perItem;
    } else if (perItem !== this.#classCount) {
      throw new RunnerInputError(
        `model output '${this.outputName}' gave ${perItem} scores per image, not ${this.#classCount}`,
      );
    }
    const values = output.data as Float32Array | Float64Array;
    return Float32Array.from(values.subarray(0, size * perItem));
  }

  #toProbabilities(scores: Float32Array, width: number): void {
    if (scores.length === 0) return;
    const row = firstNonDistribution(scores, width);
    if (this.#outputs === 'auto') this.#outputs = row < 0 ? 'probabilities' : 'logits';
    if (this.#outputs === 'logits') softmaxRows(scores, width);
    else if (row >= 0) {
      const values = scores.subarray(row * width, row * width + Math.min(width, 10));
      throw new RunnerInputError(
        `model output '${this.outputName}' is configured as probabilities, but an image's ` +
          `scores [${[...values].map((v) => v.toPrecision(3)).join(', ')}${width > 10 ? ', ...' : ''}] ` +
          'are not (non-negative, summing to 1)',
      );
    }
  }

  /** Frees the session's native memory. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}
