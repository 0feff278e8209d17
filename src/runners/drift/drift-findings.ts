// DRIFT findings: the evaluation dataset no longer looks like the reference, in its features
// or in its labels, so results measured on one may not carry over to the other.
import type { FindingEmission } from '../contract.ts';
import type { FeatureTests } from './feature-tests.ts';
import type { JointTest } from './joint-test.ts';
import type { LabelShift } from './label-shift.ts';

/** A KS statistic (the largest gap between the two CDFs) from which a shift counts as large. */
export const LARGE_KS_STATISTIC = 0.3;

const p = (value: number) => value.toPrecision(2);

/**
 * A DRIFT finding when some feature's adjusted KS or CvM p-value, or the MMD p-value, is at
 * most alpha. HIGH when a drifted feature's KS statistic reaches LARGE_KS_STATISTIC, else
 * MEDIUM. Null when nothing drifted.
 */
export function featureDriftFinding(
  tests: FeatureTests,
  joint: JointTest | null,
  settings: { alpha: number; correction: string; extractor: string },
): FindingEmission | null {
  const drifted = tests.tested.filter((t) => t.drifted);
  const jointly = joint !== null && joint.pValue <= settings.alpha;
  if (drifted.length === 0 && !jointly) return null;
  const largest = Math.max(0, ...drifted.map((t) => t.ks.statistic));
  const listed = drifted
    .slice(0, 5)
    .map((t) => t.feature)
    .join(', ');
  const title = drifted.length
    ? `${drifted.length} of ${tests.tested.length} features drifted (${listed}${drifted.length > 5 ? ', ...' : ''})`
    : `The features drifted jointly (MMD p = ${p(joint!.pValue)}), though none alone did`;
  const parts = drifted.slice(0, 5).map((t) => {
    const adjusted = Math.min(t.ks.adjustedPValue, t.cvm.adjustedPValue);
    return `${t.feature} moved by ${t.medianDifference.toPrecision(3)} at the median (KS ${t.ks.statistic.toFixed(2)}, adjusted p ${p(adjusted)})`;
  });
  return {
    kind: 'DRIFT',
    severity: largest >= LARGE_KS_STATISTIC ? 'HIGH' : 'MEDIUM',
    title,
    summary:
      `Compared by ${settings.extractor}, the dataset's features are not distributed as the ` +
      `reference's at alpha ${settings.alpha} (${settings.correction} correction over the ` +
      `${2 * tests.tested.length} KS and Cramér-von Mises tests)` +
      `${parts.length ? `: ${parts.join('; ')}` : ''}.` +
      `${joint ? ` MMD over all ${joint.features.length} standardised features: p = ${p(joint.pValue)}.` : ''}` +
      ' Results measured on the reference may not hold on this dataset.',
    evidence: {
      alpha: settings.alpha,
      correction: settings.correction,
      extractor: settings.extractor,
      featuresTested: tests.tested.length,
      driftedFeatures: drifted.map((t) => ({
        feature: t.feature,
        ksStatistic: t.ks.statistic,
        ksPValue: t.ks.pValue,
        ksAdjustedPValue: t.ks.adjustedPValue,
        cvmStatistic: t.cvm.statistic,
        cvmPValue: t.cvm.pValue,
        cvmAdjustedPValue: t.cvm.adjustedPValue,
        referenceMedian: t.reference.median,
        datasetMedian: t.dataset.median,
        medianDifference: t.medianDifference,
      })),
      mmd: joint && { mmd2: joint.mmd2, pValue: joint.pValue, permutations: joint.permutations },
      artifact: 'drift.json',
    },
    subjectRole: 'dataset',
  };
}

/**
 * A DRIFT finding when the label mix differs at alpha (chi-square). HIGH when the total
 * variation distance reaches 0.2 (a fifth of the items would have to change label), else MEDIUM.
 */
export function labelDriftFinding(shift: LabelShift, alpha: number): FindingEmission | null {
  if (shift.pValue > alpha) return null;
  const moved = [...shift.labels].sort(
    (a, b) =>
      Math.abs(b.datasetShare - b.referenceShare) - Math.abs(a.datasetShare - a.referenceShare),
  );
  const top = moved
    .slice(0, 3)
    .map(
      (l) =>
        `${l.label} ${(100 * l.referenceShare).toFixed(1)}% → ${(100 * l.datasetShare).toFixed(1)}%`,
    );
  return {
    kind: 'DRIFT',
    severity: shift.totalVariation >= 0.2 ? 'HIGH' : 'MEDIUM',
    title: `The label distribution drifted (chi-square p = ${p(shift.pValue)})`,
    summary:
      `The shares of the labels differ between the reference and the dataset (${top.join(', ')}; ` +
      `total variation ${shift.totalVariation.toFixed(3)}): chi-square ${shift.statistic.toFixed(2)} ` +
      `with ${shift.dof} degrees of freedom, p = ${p(shift.pValue)} at alpha ${alpha}. Averages ` +
      'over items (accuracy) weigh the classes differently on the two.',
    evidence: {
      chi2: shift.statistic,
      dof: shift.dof,
      pValue: shift.pValue,
      alpha,
      totalVariation: shift.totalVariation,
      labels: shift.labels,
      artifact: 'drift.json',
    },
    subjectRole: 'dataset',
  };
}
