// A model's class probabilities as probabilities over the dataset's classes.
import type { ClassMapping } from './class-mapping.ts';

/**
 * Writes `row`, the model's probabilities in its own class order, as probabilities over the
 * dataset's classes at `out[offset...]`. When the model has classes the dataset lacks, their
 * probability is dropped and the rest renormalised: the model's belief given that the image
 * is one of the dataset's classes, which is what the evaluation can judge. Should all the
 * dataset's classes get probability 0 (underflow), they are taken as equally likely.
 */
export function writeDatasetScores(
  row: ArrayLike<number>,
  mapping: ClassMapping,
  out: Float32Array,
  offset: number,
): void {
  const { columns } = mapping;
  const classes = columns.length;
  if (mapping.identity) {
    for (let c = 0; c < classes; c++) out[offset + c] = row[c]!;
    return;
  }
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += row[columns[c]!]!;
  for (let c = 0; c < classes; c++) {
    out[offset + c] = sum > 0 ? row[columns[c]!]! / sum : 1 / classes;
  }
}
