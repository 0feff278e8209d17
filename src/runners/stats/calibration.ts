// Calibration of a classifier's confidence: does it get 80% of the items right on which it is
// 80% confident? Expected / maximum calibration error over equal-width confidence bins and the
// bins themselves (a reliability diagram), as in Guo et al. 2017, "On Calibration of Modern
// Neural Networks".
import { RunnerInputError } from '../input-error.ts';
import { checkLabels, predictedClasses } from './classification.ts';

export interface ReliabilityBin {
  /** The bin holds confidences in (lower, upper]; the first bin also holds 0. */
  lower: number;
  upper: number;
  count: number;
  /** Mean confidence of the bin's items; null for an empty bin. */
  meanConfidence: number | null;
  /** Fraction of the bin's items predicted correctly; null for an empty bin. */
  accuracy: number | null;
}

export interface Calibration {
  /** Expected calibration error: Σ (count_b / n) |accuracy_b - meanConfidence_b|. */
  ece: number;
  /** Maximum calibration error: the largest |accuracy_b - meanConfidence_b| of a non-empty bin. */
  mce: number;
  bins: ReliabilityBin[];
}

/**
 * The bin of a confidence: bin b holds (b/bins, (b+1)/bins], bin 0 also holds 0. The estimate
 * from ceil(c * bins) is corrected against the boundaries as doubles, so a confidence equal
 * to a boundary (0.2 with 15 bins) lands in the bin it closes, not the one after.
 */
export function binOf(confidence: number, bins: number): number {
  let b = Math.max(0, Math.ceil(confidence * bins) - 1);
  while (b > 0 && confidence <= b / bins) b--;
  while (b < bins - 1 && confidence > (b + 1) / bins) b++;
  return b;
}

/**
 * Calibration of per-item confidences (each in [0, 1]) against whether the item was predicted
 * correctly (non-zero = correct), over `bins` equal-width bins (15 by default, the usual choice
 * since Guo et al.). Boundaries are the doubles b / bins, compared in double precision: a
 * float32 0.2 is 0.2000000030 and falls in the bin after 0.2.
 */
export function calibrationOfConfidences(
  confidences: ArrayLike<number>,
  correct: ArrayLike<number>,
  bins = 15,
): Calibration {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RunnerInputError(`calibration bins must be a positive integer, got ${bins}`);
  }
  if (confidences.length !== correct.length) {
    throw new RunnerInputError(
      `${confidences.length} confidences but ${correct.length} correctness flags; they must pair up`,
    );
  }
  const n = confidences.length;
  if (n === 0) throw new RunnerInputError('calibration needs at least one item');
  const counts = new Float64Array(bins);
  const confidenceSums = new Float64Array(bins);
  const correctCounts = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const confidence = confidences[i]!;
    if (!(confidence >= 0 && confidence <= 1)) {
      throw new RunnerInputError(`confidence of item ${i} is ${confidence}, outside [0, 1]`);
    }
    const b = binOf(confidence, bins);
    counts[b]!++;
    confidenceSums[b]! += confidence;
    if (correct[i] !== 0) correctCounts[b]!++;
  }
  let ece = 0;
  let mce = 0;
  const reliability: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const count = counts[b]!;
    const bin: ReliabilityBin = {
      lower: b / bins,
      upper: (b + 1) / bins,
      count,
      meanConfidence: null,
      accuracy: null,
    };
    if (count > 0) {
      const meanConfidence = confidenceSums[b]! / count;
      const binAccuracy = correctCounts[b]! / count;
      const gap = Math.abs(binAccuracy - meanConfidence);
      ece += (count / n) * gap;
      mce = Math.max(mce, gap);
      bin.meanConfidence = meanConfidence;
      bin.accuracy = binAccuracy;
    }
    reliability.push(bin);
  }
  return { ece, mce, bins: reliability };
}

/**
 * Calibration of a classifier from its class probabilities (`scores`, n x classes row-major)
 * and the true classes: an item's confidence is its largest probability, and it is correct
 * when that class (ties to the smaller index) is the true one.
 */
export function calibration(
  scores: Float32Array,
  truth: Int32Array,
  classes: number,
  bins = 15,
): Calibration {
  checkLabels(truth, classes, 'true label');
  const predicted = predictedClasses(scores, classes);
  if (predicted.length !== truth.length) {
    throw new RunnerInputError(
      `${predicted.length} rows of scores but ${truth.length} true labels; they must pair up`,
    );
  }
  const confidences = new Float64Array(truth.length);
  const correct = new Uint8Array(truth.length);
  for (let i = 0; i < truth.length; i++) {
    confidences[i] = scores[i * classes + predicted[i]!]!;
    correct[i] = predicted[i] === truth[i] ? 1 : 0;
  }
  return calibrationOfConfidences(confidences, correct, bins);
}
