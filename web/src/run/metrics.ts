// A run's metrics sorted into what the run page shows: the whole-data values, the per-class
// table, the confusion matrix and the robustness curves, the way the hub's report reads them
// (src/resolvers/report/sections/results.ts): by the labels of their slices.

export interface RunMetric {
  key: string;
  value: number;
  step: number;
  slice: unknown;
  ciLower?: number | null;
  ciUpper?: number | null;
  ciLevel?: number | null;
  sampleSize?: number | null;
}

export type Slice = Record<string, string>;

export const sliceOf = (metric: RunMetric) => (metric.slice ?? {}) as Slice;

/** The slice labels, sorted: the shape of a metric ("", "class", "perturbation,severity"). */
export const shapeOf = (metric: RunMetric) => Object.keys(sliceOf(metric)).sort().join(',');

export const CONFUSION_KEY = 'confusion_count';

/** Of a value reported at several steps (a training curve), the last. */
export function lastSteps<M extends RunMetric>(metrics: readonly M[]): M[] {
  const last = new Map<string, M>();
  for (const metric of metrics) {
    const key = `${metric.key}\u0000${JSON.stringify(sliceOf(metric))}`;
    const seen = last.get(key);
    if (!seen || metric.step >= seen.step) last.set(key, metric);
  }
  return [...last.values()];
}

/** A metric's value to four significant digits; a count (support, a confusion cell) whole. */
export const formatValue = (value: number): string =>
  Number.isInteger(value) ? String(value) : value.toPrecision(4);

/** "0.8200 (0.7800 – 0.8600)": a value with its interval when it has one. */
export function withInterval(metric: RunMetric | undefined): string {
  if (!metric) return '–';
  const value = formatValue(metric.value);
  return metric.ciLower != null && metric.ciUpper != null
    ? `${value} (${metric.ciLower.toPrecision(4)} – ${metric.ciUpper.toPrecision(4)})`
    : value;
}

/** Metrics sliced by `label` alone, as rows (one per label value) and columns (one per key). */
export function pivot(metrics: readonly RunMetric[], label: string) {
  const sliced = metrics.filter((m) => shapeOf(m) === label && m.key !== CONFUSION_KEY);
  const rows = [...new Set(sliced.map((m) => sliceOf(m)[label]!))];
  const keys = [...new Set(sliced.map((m) => m.key))];
  const cells = new Map(sliced.map((m) => [`${m.key}\u0000${sliceOf(m)[label]}`, m]));
  return { rows, keys, cell: (key: string, row: string) => cells.get(`${key}\u0000${row}`) };
}

/** Counts by true and predicted class; labels in the order the classes were reported. */
export function confusion(metrics: readonly RunMetric[]) {
  const cells = metrics.filter((m) => m.key === CONFUSION_KEY && shapeOf(m) === 'predicted,true');
  const labels = [
    ...new Set([
      ...metrics.filter((m) => shapeOf(m) === 'class').map((m) => sliceOf(m).class!),
      ...cells.flatMap((m) => [sliceOf(m).true!, sliceOf(m).predicted!]),
    ]),
  ];
  const counts = new Map(
    cells.map((m) => [`${sliceOf(m).true}\u0000${sliceOf(m).predicted}`, m.value]),
  );
  return {
    labels: cells.length ? labels : [],
    count: (truth: string, predicted: string) => counts.get(`${truth}\u0000${predicted}`) ?? 0,
    largest: Math.max(0, ...cells.map((m) => m.value)),
  };
}

export interface Curve {
  key: string;
  perturbation: string;
  /** The value on the clean data, when the run reported it. */
  clean: RunMetric | undefined;
  /** By severity, in the order the run swept them. */
  points: { severity: string; x: number; metric: RunMetric }[];
}

/** A curve per metric and perturbation: the metric at each severity of the perturbation. */
export function curves(metrics: readonly RunMetric[]): Curve[] {
  const swept = metrics.filter((m) => shapeOf(m) === 'perturbation,severity');
  const clean = new Map(metrics.filter((m) => shapeOf(m) === '').map((m) => [m.key, m]));
  const series = new Map<string, RunMetric[]>();
  for (const m of swept) {
    const key = `${m.key}\u0000${sliceOf(m).perturbation}`;
    series.set(key, [...(series.get(key) ?? []), m]);
  }
  return [...series.values()].map((values) => ({
    key: values[0]!.key,
    perturbation: sliceOf(values[0]!).perturbation!,
    clean: clean.get(values[0]!.key),
    points: [...values]
      .sort((a, b) => a.step - b.step)
      .map((metric, i) => {
        const severity = sliceOf(metric).severity!;
        const x = Number(severity);
        return { severity, x: Number.isFinite(x) ? x : i, metric };
      }),
  }));
}

/** The shapes the page shows in a table of their own. */
const TABLED = new Set(['', 'class', 'predicted,true', 'perturbation,severity']);

/** Sliced metrics no dedicated table shows. */
export const otherSliced = (metrics: readonly RunMetric[]) =>
  metrics.filter((m) => !TABLED.has(shapeOf(m)));
