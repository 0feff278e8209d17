// Classification metrics from class indices (0..k-1): accuracy, top-k accuracy, the confusion
// matrix and per-class / averaged precision, recall and F1, defined as scikit-learn defines
// them, so a report can be checked against `sklearn.metrics`.
import { RunnerInputError } from '../input-error.ts';

/** Throws unless `classes` is a positive integer. */
function checkClassCount(classes: number): void {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RunnerInputError(`the number of classes must be a positive integer, got ${classes}`);
  }
}

/** Throws a RunnerInputError unless `labels` is non-empty and all are classes 0..classes-1. */
export function checkLabels(labels: Int32Array, classes: number, what: string): void {
  checkClassCount(classes);
  if (labels.length === 0) {
    throw new RunnerInputError('classification metrics need at least one item');
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label < 0 || label >= classes) {
      throw new RunnerInputError(
        `${what} of item ${i} is ${label}, outside the label set 0..${classes - 1}`,
      );
    }
  }
}

/** Throws unless truth and predictions pair up and are all classes 0..classes-1. */
function checkPairs(truth: Int32Array, predicted: Int32Array, classes: number): void {
  if (truth.length !== predicted.length) {
    throw new RunnerInputError(
      `${truth.length} true labels but ${predicted.length} predictions; they must pair up`,
    );
  }
  checkLabels(truth, classes, 'true label');
  checkLabels(predicted, classes, 'prediction');
}

/** Throws unless `scores` holds `classes` finite scores for each of `items` items. */
function checkScores(scores: Float32Array, items: number, classes: number): void {
  if (scores.length !== items * classes) {
    throw new RunnerInputError(
      `expected ${items} x ${classes} = ${items * classes} scores, got ${scores.length}`,
    );
  }
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new RunnerInputError(
        `score of item ${Math.floor(i / classes)} for class ${i % classes} is ${scores[i]}`,
      );
    }
  }
}

/** The fraction of items whose prediction equals the true label. */
export function accuracy(truth: Int32Array, predicted: Int32Array, classes: number): number {
  checkPairs(truth, predicted, classes);
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) correct++;
  return correct / truth.length;
}

/**
 * Each item's predicted class from its row of `scores` (n x classes, row-major): the highest
 * score, ties going to the smaller class index (as np.argmax does).
 */
export function predictedClasses(scores: Float32Array, classes: number): Int32Array {
  checkClassCount(classes);
  const items = Math.floor(scores.length / classes);
  checkScores(scores, items, classes);
  const predicted = new Int32Array(items);
  for (let item = 0; item < items; item++) {
    const row = item * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[row + c]! > scores[row + best]!) best = c;
    predicted[item] = best;
  }
  return predicted;
}

/**
 * The fraction of items whose true class is among the `k` highest scores of its row of
 * `scores` (n x classes, row-major). Ties are broken by the smaller class index: a class
 * ranks after every class with a higher score and every smaller-index class with an equal
 * score, so top-1 accuracy equals the accuracy of predictedClasses.
 */
export function topKAccuracy(
  truth: Int32Array,
  scores: Float32Array,
  classes: number,
  k: number,
): number {
  checkLabels(truth, classes, 'true label');
  checkScores(scores, truth.length, classes);
  if (!Number.isInteger(k) || k < 1) throw new RunnerInputError(`top-k needs k >= 1, got ${k}`);
  let hits = 0;
  for (let item = 0; item < truth.length; item++) {
    const row = item * classes;
    const label = truth[item]!;
    const own = scores[row + label]!;
    let rank = 0;
    for (let c = 0; c < classes && rank < k; c++) {
      const score = scores[row + c]!;
      if (score > own || (score === own && c < label)) rank++;
    }
    if (rank < k) hits++;
  }
  return hits / truth.length;
}

/** The confusion matrix, k x k row-major: entry [t * classes + p] counts true t predicted p. */
export function confusionMatrix(
  truth: Int32Array,
  predicted: Int32Array,
  classes: number,
): Int32Array {
  checkPairs(truth, predicted, classes);
  const matrix = new Int32Array(classes * classes);
  for (let i = 0; i < truth.length; i++) matrix[truth[i]! * classes + predicted[i]!]!++;
  return matrix;
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** The number of items of this class. */
  support: number;
  /** The number of items predicted as this class. */
  predicted: number;
}

export interface ClassificationReport {
  accuracy: number;
  /** k x k row-major, rows = truth (see confusionMatrix). */
  confusion: Int32Array;
  /** Indexed by class. */
  perClass: ClassScores[];
  macroF1: number;
  microF1: number;
  weightedF1: number;
}

/** a / b, or 0 when b is 0: scikit-learn's zero_division=0. */
function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/**
 * Accuracy, confusion matrix and precision / recall / F1 per class and averaged, as
 * sklearn.metrics computes them with zero_division=0:
 * - precision = TP / (TP + FP), 0 for a class never predicted;
 * - recall = TP / (TP + FN), 0 for a class with no items;
 * - F1 = 2 TP / (2 TP + FP + FN), 0 when that denominator is 0;
 * - macro F1 = the plain mean of F1 over the classes that occur in the truth or the predictions
 *   (sklearn's default labels=None; a class in neither would add a meaningless 0);
 * - micro F1 = F1 of the pooled counts, which for single-label data equals accuracy;
 * - weighted F1 = the mean of F1 weighted by support.
 */
export function classificationReport(
  truth: Int32Array,
  predicted: Int32Array,
  classes: number,
): ClassificationReport {
  const confusion = confusionMatrix(truth, predicted, classes);
  const perClass: ClassScores[] = [];
  let macroSum = 0;
  let present = 0;
  let weightedSum = 0;
  let truePositives = 0;
  for (let c = 0; c < classes; c++) {
    let support = 0;
    let predictedCount = 0;
    for (let other = 0; other < classes; other++) {
      support += confusion[c * classes + other]!;
      predictedCount += confusion[other * classes + c]!;
    }
    const tp = confusion[c * classes + c]!;
    const falsePositives = predictedCount - tp;
    const falseNegatives = support - tp;
    const f1 = ratio(2 * tp, 2 * tp + falsePositives + falseNegatives);
    perClass.push({
      precision: ratio(tp, predictedCount),
      recall: ratio(tp, support),
      f1,
      support,
      predicted: predictedCount,
    });
    if (support > 0 || predictedCount > 0) {
      macroSum += f1;
      present++;
    }
    weightedSum += f1 * support;
    truePositives += tp;
  }
  const n = truth.length;
  // Pooled over classes, FP and FN both count every wrong item once: F1 = 2TP / (2TP + 2 wrong).
  const microF1 = ratio(2 * truePositives, 2 * truePositives + 2 * (n - truePositives));
  return {
    accuracy: truePositives / n,
    confusion,
    perClass,
    macroF1: macroSum / present,
    microF1,
    weightedF1: weightedSum / n,
  };
}
