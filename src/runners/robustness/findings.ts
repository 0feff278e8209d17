// A ROBUSTNESS finding for each perturbation under which the swept metric falls more than the
// threshold below its clean value.
import type { FindingEmission } from '../contract.ts';
import type { RobustnessCurve } from './curve.ts';

const fixed = (value: number) => value.toFixed(3);
// 0.95 -> '95%', without a float's stray digits.
const percent = (level: number) => `${Number((level * 100).toPrecision(6))}%`;

/**
 * One finding per perturbation whose metric drops by more than `dropThreshold` (absolute,
 * point estimates) at some severity; the evidence names the first such severity in the
 * config's order, and the worst. HIGH when the worst drop is three times the threshold.
 */
export function robustnessFindings(
  curve: RobustnessCurve,
  dropThreshold: number,
): FindingEmission[] {
  const { clean, metric } = curve;
  const findings: FindingEmission[] = [];
  for (const { kind, points } of curve.curves) {
    const first = points.find((p) => clean.value - p.estimate.value > dropThreshold);
    if (!first) continue;
    const worst = points.reduce((a, b) => (b.estimate.value < a.estimate.value ? b : a));
    const worstDrop = clean.value - worst.estimate.value;
    const { estimate } = first;
    findings.push({
      kind: 'ROBUSTNESS',
      severity: worstDrop >= 3 * dropThreshold ? 'HIGH' : 'MEDIUM',
      title: `${metric} falls from ${fixed(clean.value)} to ${fixed(estimate.value)} under ${kind} ${first.severity}`,
      summary:
        `On ${curve.items} images, ${metric} is ${fixed(clean.value)} clean and drops by more ` +
        `than ${dropThreshold} from ${kind} ${first.severity} on (${fixed(estimate.value)}, ` +
        `${percent(estimate.level)} CI ${fixed(estimate.lower)}-${fixed(estimate.upper)}); at ` +
        `${kind} ${worst.severity} it is ${fixed(worst.estimate.value)}. The perturbed images ` +
        `are dataset version ${first.dataset.ref}; robustness.svg plots the curve.`,
      evidence: {
        metric,
        perturbation: kind,
        clean: clean.value,
        cleanInterval: [clean.lower, clean.upper],
        threshold: dropThreshold,
        firstSeverity: first.severity,
        valueAtFirstSeverity: estimate.value,
        intervalAtFirstSeverity: [estimate.lower, estimate.upper],
        dropAtFirstSeverity: clean.value - estimate.value,
        worstSeverity: worst.severity,
        worstValue: worst.estimate.value,
        curve: points.map((p) => ({
          severity: p.severity,
          value: p.estimate.value,
          lower: p.estimate.lower,
          upper: p.estimate.upper,
          dataset: p.dataset.ref,
        })),
        artifacts: ['robustness.svg', 'robustness.json'],
      },
      subjectRole: 'model',
    });
  }
  return findings;
}
