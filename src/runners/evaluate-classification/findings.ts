// What an evaluation flags for a person: confidences that do not match accuracy (CALIBRATION)
// and a class the model recognises far less often than the others (CLASS_PERFORMANCE).
import type { FindingEmission } from '../contract.ts';
import type { ClassificationResults } from './classification-results.ts';

export interface FindingThresholds {
  /** ECE above which calibration is flagged. */
  eceThreshold: number;
  /** How far (absolute) a class's recall must fall below the other classes' mean recall. */
  classRecallGap: number;
  /** Classes with fewer items are not judged: their recall is too uncertain. */
  minClassSupport: number;
}

const fixed = (value: number) => value.toFixed(3);
// 0.95 -> '95%', without a float's stray digits.
const percent = (level: number) => `${Number((level * 100).toPrecision(6))}%`;

/** A CALIBRATION finding when ECE exceeds the threshold; HIGH beyond twice it. */
function calibrationFinding(
  results: ClassificationResults,
  thresholds: FindingThresholds,
): FindingEmission | null {
  const ece = results.headline.find((h) => h.metric === 'ece')?.estimate;
  const accuracy = results.headline.find((h) => h.metric === 'accuracy')?.estimate;
  if (!ece || !results.calibration || ece.value <= thresholds.eceThreshold) return null;
  let confidenceSum = 0;
  for (const bin of results.calibration.bins)
    confidenceSum += (bin.meanConfidence ?? 0) * bin.count;
  const meanConfidence = confidenceSum / results.items;
  const direction =
    accuracy && meanConfidence > accuracy.value ? 'overconfident' : 'underconfident';
  return {
    kind: 'CALIBRATION',
    severity: ece.value > 2 * thresholds.eceThreshold ? 'HIGH' : 'MEDIUM',
    title: `The model's confidence is poorly calibrated (ECE ${fixed(ece.value)} > ${thresholds.eceThreshold})`,
    summary:
      `The expected calibration error is ${fixed(ece.value)} (${percent(ece.level)} CI ` +
      `${fixed(ece.lower)}-${fixed(ece.upper)}) over ${results.items} items: the model is ` +
      `${direction}, with mean confidence ${fixed(meanConfidence)}` +
      (accuracy ? ` against accuracy ${fixed(accuracy.value)}` : '') +
      '. Its scores should not be read as probabilities without recalibration (e.g. temperature ' +
      'scaling); see the reliability bins in reliability.json.',
    evidence: {
      ece: ece.value,
      eceInterval: [ece.lower, ece.upper],
      level: ece.level,
      threshold: thresholds.eceThreshold,
      mce: results.calibration.mce,
      meanConfidence,
      accuracy: accuracy?.value ?? null,
      items: results.items,
      artifact: 'reliability.json',
    },
    subjectRole: 'model',
  };
}

/**
 * A CLASS_PERFORMANCE finding for each class (with enough items) whose recall is at least
 * `classRecallGap` below the mean recall of the other classes that have items.
 */
function classFindings(
  results: ClassificationResults,
  thresholds: FindingThresholds,
): FindingEmission[] {
  const classes = (results.perClass ?? []).filter((c) => c.support > 0);
  if (classes.length < 2) return [];
  const recallSum = classes.reduce((sum, c) => sum + c.recall.value, 0);
  const findings: FindingEmission[] = [];
  for (const result of classes) {
    if (result.support < thresholds.minClassSupport) continue;
    const othersRecall = (recallSum - result.recall.value) / (classes.length - 1);
    const gap = othersRecall - result.recall.value;
    if (gap < thresholds.classRecallGap) continue;
    const { recall } = result;
    findings.push({
      kind: 'CLASS_PERFORMANCE',
      severity: gap >= 2 * thresholds.classRecallGap ? 'HIGH' : 'MEDIUM',
      title: `Class '${result.label}' is recognised far less often than the others (recall ${fixed(recall.value)} vs ${fixed(othersRecall)})`,
      summary:
        `The model recognises ${fixed(recall.value)} of the ${result.support} images of ` +
        `'${result.label}' (recall, ${percent(recall.level)} CI ${fixed(recall.lower)}-` +
        `${fixed(recall.upper)}), against ${fixed(othersRecall)} on average for the other ` +
        'classes. confusion-matrix.json shows which classes it takes them for.',
      evidence: {
        class: result.label,
        recall: recall.value,
        recallInterval: [recall.lower, recall.upper],
        level: recall.level,
        precision: result.precision.value,
        f1: result.f1.value,
        support: result.support,
        otherClassesMeanRecall: othersRecall,
        gap,
        threshold: thresholds.classRecallGap,
        artifact: 'confusion-matrix.json',
      },
      subjectRole: 'model',
    });
  }
  return findings;
}

/** The findings of an evaluation's results. */
export function evaluationFindings(
  results: ClassificationResults,
  thresholds: FindingThresholds,
): FindingEmission[] {
  const calibration = calibrationFinding(results, thresholds);
  return [...(calibration ? [calibration] : []), ...classFindings(results, thresholds)];
}
