// The PREDICTIONS model format: what a model that runs elsewhere predicted for each image of
// the dataset, so the hub can evaluate it without running it.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { RunnerInputError } from '../contract.ts';
import { csvCells } from '../images/feature-table.ts';
import type { ImageFile } from '../images/image-folder.ts';
import { firstNonDistribution, softmaxRows } from '../onnx/probabilities.ts';
import type { ClassMapping } from './class-mapping.ts';
import { writeDatasetScores } from './class-scores.ts';

/** The file extensions of a PREDICTIONS model version. */
export const PREDICTIONS_EXTENSIONS: readonly string[] = ['.jsonl', '.ndjson', '.csv'];

/** What a predictions file says about the dataset's items, in their order. */
export interface Predictions {
  /** items x classes probabilities over the dataset's classes; null when it gives labels. */
  scores: Float32Array | null;
  /** The predicted dataset class of each item when it gives labels; null when it gives scores. */
  predicted: Int32Array | null;
}

/** One record of the file: an item's id and its scores or predicted label. */
interface PredictionRecord {
  /** "line 7", for messages. */
  where: string;
  id: unknown;
  scores?: unknown;
  label?: unknown;
}

async function* lines(file: string): AsyncGenerator<[number, string]> {
  const reader = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let number = 0;
  for await (const text of reader) {
    number++;
    if (text.trim() !== '') yield [number, text];
  }
}

async function* jsonlRecords(file: string): AsyncGenerator<PredictionRecord> {
  for await (const [number, text] of lines(file)) {
    const where = `${basename(file)} line ${number}`;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      throw new RunnerInputError(`${where} is not JSON`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new RunnerInputError(`${where} is not a JSON object`);
    }
    const { id, scores, label } = record as Record<string, unknown>;
    yield { where, id, scores, label };
  }
}

async function* csvRecords(file: string): AsyncGenerator<PredictionRecord> {
  let columns: { id: number; label: number } | null = null;
  for await (const [number, text] of lines(file)) {
    const cells = csvCells(text).map((cell) => cell.trim());
    if (!columns) {
      const [id, label] = [cells.indexOf('id'), cells.indexOf('label')];
      if (id < 0 || label < 0) {
        throw new RunnerInputError(
          `${basename(file)} must start with a header naming the columns id and label, not '${text}'`,
        );
      }
      columns = { id, label };
      continue;
    }
    const where = `${basename(file)} line ${number}`;
    if (cells.length <= Math.max(columns.id, columns.label)) {
      throw new RunnerInputError(`${where} has ${cells.length} cells; it needs an id and a label`);
    }
    yield { where, id: cells[columns.id], label: cells[columns.label] };
  }
}

/** The model's class index of a predicted label: a class name, or (JSON number) an index. */
function modelClassOf(label: unknown, mapping: ClassMapping, where: string): number {
  const { modelLabels } = mapping;
  const index =
    typeof label === 'string'
      ? modelLabels.indexOf(label)
      : typeof label === 'number' && Number.isInteger(label) && label < modelLabels.length
        ? label
        : -1;
  if (index < 0) {
    throw new RunnerInputError(
      `${where}: label ${JSON.stringify(label)} is not one of the model's classes ` +
        `[${modelLabels.join(', ')}] (a class name, or its index)`,
    );
  }
  return index;
}

/**
 * CSV or JSONL, by the file's extension; a file without one (content uploaded to the hub's
 * store is kept under its digest, without its name) by its first character: `{` is JSONL.
 */
async function syntaxOf(file: string): Promise<'csv' | 'jsonl'> {
  const extension = extname(file).toLowerCase();
  if (extension === '') return (await firstCharacter(file)) === '{' ? 'jsonl' : 'csv';
  if (!PREDICTIONS_EXTENSIONS.includes(extension)) {
    throw new RunnerInputError(
      `predictions file ${basename(file)} must be .jsonl, .ndjson or .csv (see the PREDICTIONS format)`,
    );
  }
  return extension === '.csv' ? 'csv' : 'jsonl';
}

/** The first character of the file that is not white space (looked for in its first 4 KiB). */
async function firstCharacter(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').trimStart()[0];
  } finally {
    await handle.close();
  }
}

/**
 * Reads a PREDICTIONS file for the dataset's `items`. The format:
 *
 * - JSONL (.jsonl / .ndjson), one object per image: `{"id": "cat/001.png", "scores": [0.1,
 *   0.9]}` with one score per model class in the model's class order (its declared labels or
 *   metadata.index2label, else the dataset's label order), as probabilities or logits (see
 *   `outputs`); or `{"id": "cat/001.png", "label": "cat"}` with the predicted class's name (or,
 *   as a JSON number, its index in the model's class order). All lines give scores, or all
 *   give labels.
 * - CSV (.csv): a header naming the columns `id` and `label`, then one row per image.
 *
 * A file without an extension (uploaded content, in the hub's store) is JSONL when it starts
 * with `{`, else CSV.
 *
 * `id` is the image's path relative to the dataset folder, with `/` separators. Every image
 * needs exactly one line; an id that is not an image of the dataset is an error, as is a
 * label the model does not have or one outside the dataset's label set. With labels only,
 * there are no confidences: top-k accuracy and calibration cannot be computed.
 */
export async function readPredictions(
  file: string,
  items: readonly ImageFile[],
  mapping: ClassMapping,
  outputs: 'auto' | 'logits' | 'probabilities',
): Promise<Predictions> {
  const records = (await syntaxOf(file)) === 'csv' ? csvRecords(file) : jsonlRecords(file);
  const index = new Map(items.map((item, i) => [item.id, i]));
  const width = mapping.modelLabels.length;
  const datasetClass = new Int32Array(width).fill(-1);
  mapping.columns.forEach((column, c) => {
    datasetClass[column] = c;
  });
  const seen = new Uint8Array(items.length);
  let kind: 'scores' | 'label' | null = null;
  let raw: Float32Array | null = null;
  let predicted: Int32Array | null = null;
  for await (const { where, id, scores, label } of records) {
    const item = typeof id === 'string' ? index.get(id) : undefined;
    if (item === undefined) {
      throw new RunnerInputError(
        `${where}: id ${JSON.stringify(id)} is not an image of the dataset ` +
          `(ids are paths relative to the dataset folder, like '${items[0]?.id}')`,
      );
    }
    if (seen[item]) throw new RunnerInputError(`${where}: image '${id}' is predicted twice`);
    seen[item] = 1;
    const recordKind = scores !== undefined ? 'scores' : label !== undefined ? 'label' : null;
    if (!recordKind || (scores !== undefined && label !== undefined)) {
      throw new RunnerInputError(`${where} must give either "scores" or "label"`);
    }
    if (kind && recordKind !== kind) {
      throw new RunnerInputError(`${where} gives ${recordKind}, the lines before it ${kind}`);
    }
    kind = recordKind;
    if (kind === 'scores') {
      if (
        !Array.isArray(scores) ||
        scores.length !== width ||
        !scores.every((v) => typeof v === 'number' && Number.isFinite(v))
      ) {
        throw new RunnerInputError(
          `${where}: scores must be ${width} numbers, one per model class [${mapping.modelLabels.join(', ')}]`,
        );
      }
      raw ??= new Float32Array(items.length * width);
      raw.set(scores as number[], item * width);
    } else {
      const modelClass = modelClassOf(label, mapping, where);
      const c = datasetClass[modelClass]!;
      if (c < 0) {
        throw new RunnerInputError(
          `${where}: label '${mapping.modelLabels[modelClass]}' is outside the dataset's label set ` +
            `[${mapping.labels.join(', ')}]`,
        );
      }
      predicted ??= new Int32Array(items.length);
      predicted[item] = c;
    }
  }
  const missing = items.filter((_, i) => !seen[i]).map((item) => `'${item.id}'`);
  if (missing.length) {
    throw new RunnerInputError(
      `predictions file ${basename(file)} has no line for ${missing.length} of the dataset's ` +
        `${items.length} images: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
    );
  }
  if (!raw) return { scores: null, predicted };
  const nonDistribution = firstNonDistribution(raw, width);
  if (outputs === 'probabilities' && nonDistribution >= 0) {
    throw new RunnerInputError(
      `outputs is 'probabilities', but the scores of '${items[nonDistribution]!.id}' are not ` +
        '(non-negative, summing to 1)',
    );
  }
  if (outputs === 'logits' || (outputs === 'auto' && nonDistribution >= 0)) {
    softmaxRows(raw, width);
  }
  const classes = mapping.labels.length;
  const out = new Float32Array(items.length * classes);
  for (let i = 0; i < items.length; i++) {
    writeDatasetScores(raw.subarray(i * width, (i + 1) * width), mapping, out, i * classes);
  }
  return { scores: out, predicted: null };
}
