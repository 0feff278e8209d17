// Per item, what the metrics and their bootstrap need: the true and predicted class, whether
// the true class is among the top k, the confidence and its calibration bin. Worked out once,
// in typed arrays, so each bootstrap resample is one pass of counting.
import { binOf } from '../stats/calibration.ts';
import { predictedClasses } from '../stats/classification.ts';

export interface ItemOutcomes {
  classes: number;
  truth: Int32Array;
  predicted: Int32Array;
  /** items x classes probabilities; null when only predicted labels are known. */
  scores: Float32Array | null;
  /** The probability of the predicted class; null without scores. */
  confidence: Float64Array | null;
  /** The calibration bin of each confidence, of `bins`; null without scores. */
  bin: Int32Array | null;
  bins: number;
  /** 1 when the true class is among the `topK` highest scores; null without scores or when topK >= classes. */
  topKHit: Uint8Array | null;
  topK: number;
}

export interface OutcomeOptions {
  topK: number;
  bins: number;
}

/**
 * Outcomes from probabilities (items x classes): the prediction is the highest probability,
 * ties going to the smaller class index, as np.argmax and the stats library do; a class ranks
 * in the top k after every higher score and every smaller-index equal score (as topKAccuracy).
 */
export function outcomesFromScores(
  truth: Int32Array,
  scores: Float32Array,
  classes: number,
  options: OutcomeOptions,
): ItemOutcomes {
  const predicted = predictedClasses(scores, classes);
  const n = truth.length;
  const confidence = new Float64Array(n);
  const bin = new Int32Array(n);
  const topKHit = options.topK < classes ? new Uint8Array(n) : null;
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    const p = scores[row + predicted[i]!]!;
    confidence[i] = p;
    bin[i] = binOf(p, options.bins);
    if (topKHit) {
      const label = truth[i]!;
      const own = scores[row + label]!;
      let rank = 0;
      for (let c = 0; c < classes && rank < options.topK; c++) {
        const score = scores[row + c]!;
        if (score > own || (score === own && c < label)) rank++;
      }
      topKHit[i] = rank < options.topK ? 1 : 0;
    }
  }
  return {
    classes,
    truth,
    predicted,
    scores,
    confidence,
    bin,
    bins: options.bins,
    topKHit,
    topK: options.topK,
  };
}

/** Outcomes from predicted labels alone: no confidences, so no top-k or calibration. */
export function outcomesFromLabels(
  truth: Int32Array,
  predicted: Int32Array,
  classes: number,
  options: OutcomeOptions,
): ItemOutcomes {
  return {
    classes,
    truth,
    predicted,
    scores: null,
    confidence: null,
    bin: null,
    bins: options.bins,
    topKHit: null,
    topK: options.topK,
  };
}
