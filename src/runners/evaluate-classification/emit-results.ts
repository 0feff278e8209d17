// What an evaluation reports: metrics (headline, per class, confusion cells, reliability bins)
// and artifacts (confusion-matrix.json, reliability.json, per-item/accuracy.json).
import type { Emitter, MetricEmission } from '../contract.ts';
import type { ImageFile } from '../images/image-folder.ts';
import type { ClassificationResults, Estimate } from './classification-results.ts';

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** A metric emission of an estimate with its confidence interval. */
export function estimateMetric(
  key: string,
  estimate: Estimate,
  sampleSize: number,
  extra: Pick<MetricEmission, 'slice' | 'step'> = {},
): MetricEmission {
  const { value, lower, upper, level } = estimate;
  return { key, value, ci: { lower, upper, level }, sampleSize, ...extra };
}

/**
 * Emits an evaluation's metrics and artifacts:
 * - headline metrics (accuracy, top_k_accuracy, macro_f1, micro_f1, weighted_f1, ece), each
 *   with its bootstrap interval, sampleSize = the items evaluated;
 * - per class, slice {class}: precision, recall, f1 with intervals, and support (its items);
 * - confusion_count, slice {true, predicted}, for each non-zero cell (all cells are in the
 *   artifact confusion-matrix.json: {labels, matrix}, rows = true class);
 * - mce, and per non-empty calibration bin, slice {bin: index}: reliability_accuracy and
 *   reliability_confidence, sampleSize = the bin's items (all bins in reliability.json);
 * - per-item/accuracy.json: {item id: 1 if predicted correctly, else 0}, for paired comparisons.
 */
export function emitResults(
  emit: Emitter,
  results: ClassificationResults,
  items: readonly ImageFile[],
): void {
  const { labels, items: n } = results;
  for (const { metric, estimate } of results.headline) {
    emit.metric(estimateMetric(metric, estimate, n));
  }
  for (const result of results.perClass ?? []) {
    const slice = { class: result.label };
    emit.metric(estimateMetric('precision', result.precision, n, { slice }));
    emit.metric(estimateMetric('recall', result.recall, n, { slice }));
    emit.metric(estimateMetric('f1', result.f1, n, { slice }));
    emit.metric({ key: 'support', value: result.support, slice, sampleSize: n });
  }
  const k = labels.length;
  const matrix = labels.map((_, t) => Array.from(results.confusion.subarray(t * k, (t + 1) * k)));
  matrix.forEach((row, t) => {
    row.forEach((count, p) => {
      if (count === 0) return;
      const slice = { true: labels[t]!, predicted: labels[p]! };
      emit.metric({ key: 'confusion_count', value: count, slice, sampleSize: n });
    });
  });
  emit.artifact({
    name: 'confusion-matrix.json',
    mediaType: 'application/json',
    bytes: json({ labels, matrix }),
  });
  const { calibration } = results;
  if (calibration) {
    emit.metric({ key: 'mce', value: calibration.mce, sampleSize: n });
    calibration.bins.forEach((bin, b) => {
      if (bin.count === 0) return;
      const slice = { bin: String(b) };
      const sampleSize = bin.count;
      emit.metric({ key: 'reliability_accuracy', value: bin.accuracy!, slice, sampleSize });
      emit.metric({ key: 'reliability_confidence', value: bin.meanConfidence!, slice, sampleSize });
    });
    emit.artifact({
      name: 'reliability.json',
      mediaType: 'application/json',
      bytes: json({ ece: calibration.ece, mce: calibration.mce, bins: calibration.bins }),
    });
  }
  const perItem: Record<string, number> = {};
  items.forEach((item, i) => {
    perItem[item.id] = results.correct[i]!;
  });
  emit.artifact({
    name: 'per-item/accuracy.json',
    mediaType: 'application/json',
    bytes: json(perItem),
  });
}
