// The numbers of a classification evaluation: headline metrics and per-class precision,
// recall and F1, each with a bootstrap confidence interval, the confusion matrix and the
// calibration bins. Estimates come from the stats library; intervals from resampling items.
import { type Calibration, calibration } from '../stats/calibration.ts';
import { classificationReport, topKAccuracy } from '../stats/classification.ts';
import type { ItemOutcomes } from './item-outcomes.ts';
import { jointBootstrapIntervals } from './joint-bootstrap.ts';
import { type ClassMetric, type HeadlineMetric, ResampleCounts } from './resample-counts.ts';

export interface Estimate {
  value: number;
  lower: number;
  upper: number;
  level: number;
}

export interface ClassResult {
  label: string;
  precision: Estimate;
  recall: Estimate;
  f1: Estimate;
  /** Items of this class. */
  support: number;
  /** Items predicted as this class. */
  predicted: number;
}

export interface ClassificationResults {
  items: number;
  labels: string[];
  /** The headline metrics asked for that the outcomes allow, in the order asked. */
  headline: Array<{ metric: HeadlineMetric; estimate: Estimate }>;
  /** Per class, in class order; null unless asked for. */
  perClass: ClassResult[] | null;
  /** classes x classes, row-major, rows = true class. */
  confusion: Int32Array;
  /** Null without confidences (predicted labels only). */
  calibration: Calibration | null;
  /** 1 for each item predicted correctly. */
  correct: Uint8Array;
}

export interface ResultOptions {
  metrics: readonly HeadlineMetric[];
  perClass: boolean;
  resamples: number;
  level: number;
  seed: number;
  signal?: AbortSignal;
}

const CLASS_METRICS: readonly ClassMetric[] = ['precision', 'recall', 'f1'];

/** Whether the outcomes allow a metric: top-k needs k < classes, and top-k and ECE need scores. */
function isComputable(metric: HeadlineMetric, outcomes: ItemOutcomes): boolean {
  if (metric === 'top_k_accuracy') return outcomes.topKHit !== null;
  if (metric === 'ece') return outcomes.confidence !== null;
  return true;
}

/**
 * Estimates and bootstrap intervals of the metrics asked for (those the outcomes allow), and
 * per class when asked. Every interval comes from the same resamples (see
 * jointBootstrapIntervals). A per-class metric a resample leaves undefined (the recall of a
 * rare class the resample lacks) is left out of its interval rather than counted as 0, which
 * would drag a perfectly recalled rare class's interval down to 0; a metric no resample
 * defines gets the degenerate interval of its estimate.
 */
export async function classificationResults(
  outcomes: ItemOutcomes,
  labels: readonly string[],
  options: ResultOptions,
): Promise<ClassificationResults> {
  const { truth, predicted, scores, classes } = outcomes;
  const report = classificationReport(truth, predicted, classes);
  const calibrated = scores ? calibration(scores, truth, classes, outcomes.bins) : null;
  const estimates: Record<HeadlineMetric, () => number> = {
    accuracy: () => report.accuracy,
    top_k_accuracy: () => topKAccuracy(truth, scores!, classes, outcomes.topK),
    macro_f1: () => report.macroF1,
    micro_f1: () => report.microF1,
    weighted_f1: () => report.weightedF1,
    ece: () => calibrated!.ece,
  };
  const metrics = options.metrics.filter((metric) => isComputable(metric, outcomes));
  const classStatistics = options.perClass ? classes * CLASS_METRICS.length : 0;
  const counts = new ResampleCounts(outcomes);
  const intervals = await jointBootstrapIntervals({
    size: truth.length,
    statistics: metrics.length + classStatistics,
    evaluate: (indices, out) => {
      counts.count(indices);
      let s = 0;
      for (const metric of metrics) out[s++] = counts.headline(metric);
      for (let c = 0; c < classStatistics / CLASS_METRICS.length; c++) {
        for (const metric of CLASS_METRICS) out[s++] = counts.classMetric(metric, c, Number.NaN);
      }
    },
    resamples: options.resamples,
    level: options.level,
    seed: options.seed,
    signal: options.signal,
  });
  const estimate = (value: number, s: number): Estimate => {
    const { lower, upper } = intervals[s]!;
    return Number.isNaN(lower)
      ? { value, lower: value, upper: value, level: options.level }
      : { value, lower, upper, level: options.level };
  };
  const perClass = options.perClass
    ? report.perClass.map((scores, c): ClassResult => {
        const at = metrics.length + c * CLASS_METRICS.length;
        return {
          label: labels[c]!,
          precision: estimate(scores.precision, at),
          recall: estimate(scores.recall, at + 1),
          f1: estimate(scores.f1, at + 2),
          support: scores.support,
          predicted: scores.predicted,
        };
      })
    : null;
  const correct = new Uint8Array(truth.length);
  for (let i = 0; i < truth.length; i++) correct[i] = truth[i] === predicted[i] ? 1 : 0;
  return {
    items: truth.length,
    labels: [...labels],
    headline: metrics.map((metric, s) => ({ metric, estimate: estimate(estimates[metric](), s) })),
    perClass,
    confusion: report.confusion,
    calibration: calibrated,
    correct,
  };
}
