// An ONNX model and the preprocessing that feeds it, settled from the config, the model's
// input shape and its metadata (MAITE-style `inputSize`, `mean`, `std`): the config wins, then
// what the model declares; without either, images are only resized and scaled to [0, 1].
import { type ResolvedInput, RunnerInputError } from '../contract.ts';
import { ImagePreprocessor } from '../images/preprocess.ts';
import { ImageClassifier } from '../onnx/model-session.ts';
import type { ClassMapping } from './class-mapping.ts';
import type { PreprocessingConfig } from './config.ts';
import { versionFile } from './run-inputs.ts';

export interface ImagePipeline {
  classifier: ImageClassifier;
  preprocessor: ImagePreprocessor;
  /** The preprocessing as settled, in words, for the run's log. */
  description: string;
}

export interface PipelineConfig {
  preprocessing: PreprocessingConfig;
  outputs: 'auto' | 'logits' | 'probabilities';
}

/** metadata.inputSize as height and width: a number (square), [height, width] or {height, width}. */
function declaredInputSize(model: ResolvedInput): { height: number; width: number } | null {
  const size = model.metadata.inputSize;
  if (size == null) return null;
  const side = (value: unknown) =>
    typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
  let height: number | null = null;
  let width: number | null = null;
  if (typeof size === 'number') height = width = side(size);
  else if (Array.isArray(size) && size.length === 2)
    [height, width] = [side(size[0]), side(size[1])];
  else if (typeof size === 'object') {
    const { height: h, width: w } = size as Record<string, unknown>;
    [height, width] = [side(h), side(w)];
  }
  if (height === null || width === null) {
    throw new RunnerInputError(
      `metadata.inputSize of ${model.ref} is ${JSON.stringify(size)}; give a number, ` +
        '[height, width] or {"height": h, "width": w}',
    );
  }
  return { height, width };
}

/** The config's mean or std, else the model's metadata's, checked to be on the 0..1 scale. */
function normalisation(
  name: 'mean' | 'std',
  configured: readonly number[] | undefined,
  model: ResolvedInput,
): { values: readonly number[]; source: string } | null {
  const declared = model.metadata[name];
  const values = configured ?? declared;
  if (values == null) return null;
  const source = configured ? 'config' : `metadata of ${model.ref}`;
  if (
    !Array.isArray(values) ||
    values.length !== 3 ||
    !values.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new RunnerInputError(`${name} from the ${source} must be 3 numbers, one per channel`);
  }
  // Pixels are scaled to [0, 1] first; a mean above 1 was given on the 0..255 scale.
  if (name === 'mean' && !values.every((v: number) => v >= 0 && v <= 1)) {
    throw new RunnerInputError(
      `mean [${values.join(', ')}] from the ${source} is not on the 0..1 scale pixels are ` +
        'scaled to; divide it (and std) by 255',
    );
  }
  return { values, source };
}

/**
 * Loads the ONNX model of `model` for CPU inference and the preprocessor for its input. A
 * model whose input is not one RGB image batch, whose size contradicts the config, or whose
 * output width is not its class count is the user's problem.
 */
export async function openImagePipeline(
  model: ResolvedInput,
  mapping: ClassMapping,
  config: PipelineConfig,
): Promise<ImagePipeline> {
  const file = await versionFile(model, ['.onnx']);
  const { preprocessing } = config;
  const declared = declaredInputSize(model);
  const height = preprocessing.height ?? declared?.height;
  const width = preprocessing.width ?? declared?.width;
  let classifier: ImageClassifier;
  try {
    classifier = await ImageClassifier.load(file, {
      layout: preprocessing.layout,
      height,
      width,
      outputs: config.outputs,
      labels: mapping.modelLabels,
    });
  } catch (error) {
    const sizeFromMetadata =
      declared && (preprocessing.height === undefined || preprocessing.width === undefined);
    // imageInputOf says "as configured" when the size it was given contradicts the model's.
    const aboutSize = error instanceof RunnerInputError && error.message.includes('as configured');
    if (!sizeFromMetadata || !aboutSize) throw error;
    throw new RunnerInputError(
      `${error.message} (the size comes from metadata.inputSize ${JSON.stringify(model.metadata.inputSize)} of ${model.ref})`,
    );
  }
  try {
    const mean = normalisation('mean', preprocessing.mean, model);
    const std = normalisation('std', preprocessing.std, model);
    const { input } = classifier;
    const preprocessor = new ImagePreprocessor({
      height: input.height,
      width: input.width,
      layout: input.layout,
      fit: preprocessing.fit,
      kernel: preprocessing.kernel,
      channelOrder: preprocessing.channelOrder,
      mean: mean?.values,
      std: std?.values,
    });
    const normalised = [mean, std]
      .map(
        (value, i) => value && `${i ? 'std' : 'mean'} [${value.values}] from the ${value.source}`,
      )
      .filter(Boolean);
    const description =
      `images resized to ${input.height}x${input.width} (${preprocessing.fit}, ` +
      `${preprocessing.kernel}), ${preprocessing.channelOrder} ${input.layout}, scaled to [0, 1]` +
      (normalised.length ? `, normalised with ${normalised.join(', ')}` : '');
    return { classifier, preprocessor, description };
  } catch (error) {
    await classifier.release();
    throw error;
  }
}
