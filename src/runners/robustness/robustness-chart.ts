// The robustness curve as an SVG chart: one panel per perturbation (their parameters have
// different units), the metric with its interval at each severity, the clean value dashed.
import { PERTURBATIONS, type PerturbationKind } from '../images/perturbations.ts';
import { type ChartPoint, lineChartSvg } from '../plots/line-chart.ts';
import type { RobustnessCurve } from './curve.ts';

const AXIS_LABELS: Record<PerturbationKind, string> = {
  'gaussian-blur': 'blur sigma (pixels)',
  'gaussian-noise': 'noise std (0..1 scale)',
  brightness: 'brightness factor',
  contrast: 'contrast factor',
  'jpeg-quality': 'JPEG quality',
  rotation: 'rotation (degrees)',
};

/**
 * The chart of `curve`. Where a perturbation has a parameter that changes nothing (sigma 0,
 * factor 1, ...), the clean value is drawn there too, so the line starts from the clean images.
 */
export function robustnessChartSvg(curve: RobustnessCurve): string {
  const { clean } = curve;
  const cleanLabel = `clean ${clean.value.toFixed(3)}`;
  return lineChartSvg({
    title: `${curve.metric} under perturbations (${curve.items} images)`,
    yLabel: curve.metric,
    yRange: [0, 1],
    panels: curve.curves.map(({ kind, points }) => {
      const identity = PERTURBATIONS[kind].identity;
      const chartPoints: ChartPoint[] = points.map(({ severity, estimate }) => ({
        x: severity,
        y: estimate.value,
        lower: estimate.lower,
        upper: estimate.upper,
      }));
      if (identity !== null && !points.some((p) => p.severity === identity)) {
        chartPoints.push({ x: identity, y: clean.value, lower: clean.lower, upper: clean.upper });
      }
      return {
        title: kind,
        xLabel: AXIS_LABELS[kind],
        series: [{ name: kind, points: chartPoints }],
        reference: { label: cleanLabel, y: clean.value },
      };
    }),
  });
}
