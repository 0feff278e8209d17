// Which of the model's scores is which of the dataset's classes. Both may declare a label
// set (the model's metadata.index2label, the dataset's labels): then classes are matched by
// name, since the two orders need not agree; when one declares, the other follows it; when
// neither does, the classes are the dataset's folder names, sorted.
import { type ResolvedInput, RunnerInputError } from '../contract.ts';
import { declaredLabels, type ImageFolder, readImageFolder } from '../images/image-folder.ts';

export interface ClassMapping {
  /** The evaluation's classes: the dataset's label set, in class-index order. */
  labels: string[];
  /** The model's classes in the order of its scores (its declared labels, else `labels`). */
  modelLabels: string[];
  /** For each dataset class, the index of the model's score for it. */
  columns: Int32Array;
  /** The model's scores are the dataset's classes in order: no reordering, none dropped. */
  identity: boolean;
}

export interface EvaluationSet {
  folder: ImageFolder;
  mapping: ClassMapping;
}

function checkDistinct(labels: readonly string[], whose: string): void {
  const seen = new Set<string>();
  for (const label of labels) {
    if (seen.has(label)) throw new RunnerInputError(`${whose} names class '${label}' twice`);
    seen.add(label);
  }
}

/** For each of `labels`, its index among `modelLabels`; a label the model lacks is an error. */
function columnsByName(labels: readonly string[], modelLabels: readonly string[], model: string) {
  const index = new Map(modelLabels.map((label, i) => [label, i]));
  const missing = labels.filter((label) => !index.has(label));
  if (missing.length) {
    throw new RunnerInputError(
      `model ${model} has no class ${missing.map((label) => `'${label}'`).join(', ')} of the ` +
        `dataset's label set; its classes are [${modelLabels.join(', ')}]`,
    );
  }
  return Int32Array.from(labels, (label) => index.get(label)!);
}

/** The class order for a model used on a set of labels (both known): matched by name. */
export function mapClasses(
  labels: readonly string[],
  modelLabels: readonly string[] | null,
  model: string,
): ClassMapping {
  const order = modelLabels ?? labels;
  checkDistinct(order, `the label set of ${model}`);
  const columns = modelLabels
    ? columnsByName(labels, modelLabels, model)
    : Int32Array.from(labels, (_, i) => i);
  return {
    labels: [...labels],
    modelLabels: [...order],
    columns,
    identity: order.length === labels.length && columns.every((column, i) => column === i),
  };
}

/**
 * Reads the dataset's image folder with the label set that applies (the dataset's, else the
 * model's, else its sorted folder names) and matches the model's classes to it.
 */
export async function readEvaluationSet(
  model: ResolvedInput,
  dataset: ResolvedInput,
): Promise<EvaluationSet> {
  if (!dataset.localPath) {
    throw new RunnerInputError(`${dataset.ref} is at ${dataset.uri}, not in a local folder`);
  }
  const modelLabels = declaredLabels(model);
  const datasetLabels = declaredLabels(dataset);
  if (datasetLabels) checkDistinct(datasetLabels, `the label set of ${dataset.ref}`);
  let folder: ImageFolder;
  try {
    folder = await readImageFolder(dataset.localPath, datasetLabels ?? modelLabels);
  } catch (error) {
    if (datasetLabels || !modelLabels || !(error instanceof RunnerInputError)) throw error;
    throw new RunnerInputError(
      `${error.message} (${dataset.ref} declares no labels, so its classes are those ${model.ref} declares)`,
    );
  }
  if (folder.items.length === 0) {
    throw new RunnerInputError(
      `${dataset.ref} has no images in class folders (an IMAGE_FOLDER has one folder per class)`,
    );
  }
  return {
    folder,
    mapping: mapClasses(folder.labels, datasetLabels ? modelLabels : null, model.ref),
  };
}
