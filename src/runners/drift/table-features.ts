// Features of a CSV or JSONL dataset: its numeric columns, and its label column.
import { basename } from 'node:path';
import type { ResolvedInput } from '../contract.ts';
import { RunnerInputError } from '../contract.ts';
import { readFeatureTable } from '../images/feature-table.ts';
import { declaredLabels } from '../images/image-folder.ts';
import type { FeatureSet } from './feature-set.ts';

/** The label column: as configured, else the dataset's metadata.labelField, else 'label'. */
export function labelFieldOf(input: ResolvedInput, configured: string | undefined): string {
  const declared = input.metadata.labelField;
  return configured ?? (typeof declared === 'string' ? declared : 'label');
}

/**
 * Reads a CSV or JSONL dataset version as features: `features` when given (each must be a
 * column), else every column but the label's. A cell that is not a number, or a label outside
 * the label set the version declares, is an error naming where it is.
 */
export async function tableFeatures(
  input: ResolvedInput,
  options: { features?: readonly string[]; labelField?: string },
): Promise<FeatureSet> {
  if (input.format !== 'CSV' && input.format !== 'JSONL') {
    throw new RunnerInputError(`${input.ref} is a ${input.format} dataset, not CSV or JSONL`);
  }
  if (!input.localPath) {
    throw new RunnerInputError(`${input.ref} is at ${input.uri}, not in a local file`);
  }
  const labelSet = declaredLabels(input);
  const table = await readFeatureTable(input.localPath, {
    format: input.format,
    labelField: labelFieldOf(input, options.labelField),
    ...(options.features ? { features: options.features } : {}),
  });
  if (labelSet && table.labels) {
    // As an image folder refuses a class folder outside its labels: a typo'd label would
    // otherwise show up as label drift.
    const known = new Set(labelSet);
    const row = table.labels.findIndex((label) => !known.has(label));
    if (row >= 0) {
      throw new RunnerInputError(
        `${basename(input.localPath)} data row ${row + 1} has label '${table.labels[row]}', ` +
          `which is not in the label set of ${input.ref} [${labelSet.join(', ')}]`,
      );
    }
  }
  return {
    names: table.columns,
    columns: table.values,
    rows: table.rowCount,
    labels: table.labels,
  };
}
