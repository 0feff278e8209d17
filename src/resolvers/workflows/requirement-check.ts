// Checking one workflow requirement against the metric values one step reported: which
// values it applies to, whether each meets it, and the evidence an auditor reads. Pure: the
// workflow service fetches the values and records the outcome as a finding.
import type { Requirement } from './spec.ts';

/** A metric value as a step reported it. */
export interface ReportedValue {
  value: number;
  step: number;
  slice: Record<string, string>;
  ci: { lower: number; upper: number; level: number } | null;
  sampleSize: number | null;
}

/** One value the requirement was checked on, and how it came out. */
export interface CheckedValue extends ReportedValue {
  meets: boolean;
  /**
   * Whether the whole confidence interval lies on the same side of the threshold as the
   * value: a pass or failure the sampling noise cannot overturn (null without an interval).
   */
  certain: boolean | null;
}

export interface RequirementOutcome {
  passed: boolean;
  /** Every value checked: series in the order the step reported them, each in step order. */
  checked: CheckedValue[];
  /**
   * The values that fail, at most one per series: for a sweep (slices that differ only in
   * `severity`, as robustness reports them) the first severity where the requirement fails.
   */
  firstFailures: CheckedValue[];
  /** The value the finding leads with: the first failure, or when it passed the closest call. */
  headline: CheckedValue;
}

const compare: Record<Requirement['op'], (value: number, threshold: number) => boolean> = {
  '>=': (v, t) => v >= t,
  '>': (v, t) => v > t,
  '<=': (v, t) => v <= t,
  '<': (v, t) => v < t,
  '==': (v, t) => v === t,
};

/**
 * A requirement's slice selects the values whose slice labels include all of its labels (a
 * perturbation's every severity); without one it checks the value for the whole data only,
 * not each class's.
 */
export function sliceMatches(
  wanted: Record<string, string> | undefined,
  slice: Record<string, string>,
): boolean {
  if (!wanted || !Object.keys(wanted).length) return Object.keys(slice).length === 0;
  return Object.entries(wanted).every(([label, value]) => slice[label] === value);
}

/** A value's series: its slice without `severity`, so a sweep's points share one. */
const seriesOf = (slice: Record<string, string>) =>
  JSON.stringify(
    Object.entries(slice)
      .filter(([label]) => label !== 'severity')
      .sort(([a], [b]) => a.localeCompare(b)),
  );

function certainty(requirement: Requirement, value: ReportedValue, meets: boolean) {
  if (!value.ci) return null;
  const test = compare[requirement.op];
  const lower = test(value.ci.lower, requirement.threshold);
  const upper = test(value.ci.upper, requirement.threshold);
  return lower === meets && upper === meets;
}

/** How far a value is from failing: the smallest is the closest call of a pass. */
const margin = (requirement: Requirement, value: number) =>
  requirement.op === '==' ? 0 : Math.abs(value - requirement.threshold);

/**
 * Checks `requirement` on the values of its metric a step reported (already filtered by key).
 * For a slice reported at several steps (a training curve), only the last step counts.
 * Null when no value matches the requirement's slice.
 */
export function checkRequirement(
  requirement: Requirement,
  reported: readonly ReportedValue[],
): RequirementOutcome | null {
  const last = new Map<string, ReportedValue>();
  for (const value of reported) {
    if (!sliceMatches(requirement.slice, value.slice)) continue;
    const key = JSON.stringify(Object.entries(value.slice).sort(([a], [b]) => a.localeCompare(b)));
    const seen = last.get(key);
    if (!seen || value.step >= seen.step) last.set(key, value);
  }
  if (!last.size) return null;
  // Series in the order the step reported them, each in step order (a sweep's severities).
  const series = new Map<string, ReportedValue[]>();
  for (const value of last.values()) {
    const key = seriesOf(value.slice);
    series.set(key, [...(series.get(key) ?? []), value]);
  }
  const checked = [...series.values()]
    .flatMap((values) => values.sort((a, b) => a.step - b.step))
    .map((value) => {
      const meets = compare[requirement.op](value.value, requirement.threshold);
      return { ...value, meets, certain: certainty(requirement, value, meets) };
    });
  const firstFailures = new Map<string, CheckedValue>();
  for (const value of checked) {
    const key = seriesOf(value.slice);
    if (!value.meets && !firstFailures.has(key)) firstFailures.set(key, value);
  }
  const failures = [...firstFailures.values()];
  const closest = checked.reduce((best, value) =>
    margin(requirement, value.value) < margin(requirement, best.value) ? value : best,
  );
  return {
    passed: failures.length === 0,
    checked,
    firstFailures: failures,
    headline: failures[0] ?? closest,
  };
}

/** "accuracy >= 0.9", or the requirement's own description. */
export function requirementText(requirement: Requirement): string {
  const slice = Object.entries(requirement.slice ?? {})
    .map(([label, value]) => `${label}=${value}`)
    .join(', ');
  return `${requirement.metric}${slice ? ` [${slice}]` : ''} ${requirement.op} ${requirement.threshold}`;
}

/** "gaussian-blur at severity 2", "class=cat", or "" for the whole set. */
export function sliceText(slice: Record<string, string>): string {
  const { severity, ...rest } = slice;
  const labels = Object.entries(rest).map(([label, value]) =>
    label === 'perturbation' ? value : `${label}=${value}`,
  );
  if (severity !== undefined) labels.push(`at severity ${severity}`);
  return labels.join(' ');
}
