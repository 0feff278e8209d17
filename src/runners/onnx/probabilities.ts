// Class scores as a classifier gives them, made probabilities: by softmax when they are
// logits, as they are when they already are a distribution.

/** How far from 1 a row of probabilities may sum (float32 rounding, rounded files). */
const TOLERANCE = 1e-3;

/** Softmax of each `width`-long row of `scores`, in place. */
export function softmaxRows(scores: Float32Array, width: number): void {
  for (let start = 0; start < scores.length; start += width) {
    let max = -Infinity;
    for (let j = start; j < start + width; j++) max = Math.max(max, scores[j]!);
    let sum = 0;
    for (let j = start; j < start + width; j++) sum += Math.exp(scores[j]! - max);
    for (let j = start; j < start + width; j++) scores[j] = Math.exp(scores[j]! - max) / sum;
  }
}

/** The first row that is not a probability distribution, or -1. */
export function firstNonDistribution(scores: Float32Array, width: number): number {
  for (let start = 0; start < scores.length; start += width) {
    let sum = 0;
    let negative = false;
    for (let j = start; j < start + width; j++) {
      sum += scores[j]!;
      negative ||= !(scores[j]! >= 0);
    }
    if (negative || !(Math.abs(sum - 1) <= TOLERANCE)) return start / width;
  }
  return -1;
}
