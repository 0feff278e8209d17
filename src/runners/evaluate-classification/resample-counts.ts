// The counts behind every classification metric (per-class true positives, support and
// predictions; top-k hits; calibration bin sums), taken over a resample of items in one pass,
// and the metrics from them. Defined as stats/classification.ts and stats/calibration.ts
// define them (scikit-learn's definitions, zero_division=0), so a bootstrap replicate on the
// items as given equals the reported estimate.
import type { ItemOutcomes } from './item-outcomes.ts';

export type HeadlineMetric =
  | 'accuracy'
  | 'top_k_accuracy'
  | 'macro_f1'
  | 'micro_f1'
  | 'weighted_f1'
  | 'ece';

export type ClassMetric = 'precision' | 'recall' | 'f1';

/** a / b, or 0 when b is 0 (zero_division=0). */
function ratio(a: number, b: number, zeroDivision = 0): number {
  return b === 0 ? zeroDivision : a / b;
}

/** Counts over the items at some indices (repeats count again); reused across resamples. */
export class ResampleCounts {
  readonly outcomes: ItemOutcomes;
  readonly truePositives: Int32Array;
  readonly support: Int32Array;
  readonly predictedCount: Int32Array;
  readonly binCount: Int32Array;
  readonly binConfidence: Float64Array;
  readonly binCorrect: Int32Array;
  items = 0;
  topKHits = 0;

  constructor(outcomes: ItemOutcomes) {
    this.outcomes = outcomes;
    this.truePositives = new Int32Array(outcomes.classes);
    this.support = new Int32Array(outcomes.classes);
    this.predictedCount = new Int32Array(outcomes.classes);
    this.binCount = new Int32Array(outcomes.bins);
    this.binConfidence = new Float64Array(outcomes.bins);
    this.binCorrect = new Int32Array(outcomes.bins);
  }

  /** Replaces the counts with those of the items at `indices`. */
  count(indices: Int32Array): void {
    const { truth, predicted, topKHit, bin, confidence } = this.outcomes;
    const { truePositives, support, predictedCount, binCount, binConfidence, binCorrect } = this;
    truePositives.fill(0);
    support.fill(0);
    predictedCount.fill(0);
    binCount.fill(0);
    binConfidence.fill(0);
    binCorrect.fill(0);
    let hits = 0;
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j]!;
      const t = truth[i]!;
      const p = predicted[i]!;
      support[t]!++;
      predictedCount[p]!++;
      const correct = t === p ? 1 : 0;
      truePositives[t]! += correct;
      if (topKHit) hits += topKHit[i]!;
      if (bin && confidence) {
        const b = bin[i]!;
        binCount[b]!++;
        binConfidence[b]! += confidence[i]!;
        binCorrect[b]! += correct;
      }
    }
    this.items = indices.length;
    this.topKHits = hits;
  }

  /**
   * A per-class metric of class `c` from the counts; `zeroDivision` when it is undefined (recall
   * of a class the resample lacks, precision of one never predicted): 0 as scikit-learn's
   * zero_division=0 has it, or NaN for a replicate that says nothing.
   */
  classMetric(metric: ClassMetric, c: number, zeroDivision = 0): number {
    const tp = this.truePositives[c]!;
    if (metric === 'precision') return ratio(tp, this.predictedCount[c]!, zeroDivision);
    if (metric === 'recall') return ratio(tp, this.support[c]!, zeroDivision);
    // 2TP + FP + FN = (TP + FP) + (TP + FN).
    return ratio(2 * tp, this.predictedCount[c]! + this.support[c]!, zeroDivision);
  }

  /** A headline metric from the counts. */
  headline(metric: HeadlineMetric): number {
    const n = this.items;
    const classes = this.outcomes.classes;
    if (metric === 'top_k_accuracy') return this.topKHits / n;
    if (metric === 'ece') return this.#expectedCalibrationError();
    let correct = 0;
    for (let c = 0; c < classes; c++) correct += this.truePositives[c]!;
    if (metric === 'accuracy') return correct / n;
    // Pooled over classes every wrong item is one FP and one FN.
    if (metric === 'micro_f1') return ratio(2 * correct, 2 * correct + 2 * (n - correct));
    let sum = 0;
    let present = 0;
    for (let c = 0; c < classes; c++) {
      const f1 = this.classMetric('f1', c);
      if (metric === 'weighted_f1') sum += f1 * this.support[c]!;
      else if (this.support[c]! > 0 || this.predictedCount[c]! > 0) {
        sum += f1;
        present++;
      }
    }
    return metric === 'weighted_f1' ? sum / n : sum / present;
  }

  #expectedCalibrationError(): number {
    const n = this.items;
    let ece = 0;
    for (let b = 0; b < this.binCount.length; b++) {
      const count = this.binCount[b]!;
      if (count === 0) continue;
      const gap = Math.abs(this.binCorrect[b]! / count - this.binConfidence[b]! / count);
      ece += (count / n) * gap;
    }
    return ece;
  }
}
