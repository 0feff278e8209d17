// Checking a requirement against reported values: which values it applies to, and the
// evidence it leads with.
import { describe, expect, it } from 'vitest';
import { checkRequirement, sliceMatches } from '../src/resolvers/workflows/requirement-check.ts';
import type { Requirement } from '../src/resolvers/workflows/spec.ts';

const requirement = (fields: Partial<Requirement>): Requirement => ({
  metric: 'accuracy',
  op: '>=',
  threshold: 0.8,
  severity: 'HIGH',
  ...fields,
});

const value = (v: number, slice: Record<string, string> = {}, step = 0, ci?: [number, number]) => ({
  value: v,
  step,
  slice,
  ci: ci ? { lower: ci[0], upper: ci[1], level: 0.95 } : null,
  sampleSize: 100,
});

describe('checkRequirement', () => {
  it('applies a slice to every value whose labels include it', () => {
    expect(sliceMatches({ perturbation: 'blur' }, { perturbation: 'blur', severity: '2' })).toBe(
      true,
    );
    expect(sliceMatches({ perturbation: 'blur' }, { perturbation: 'noise' })).toBe(false);
    expect(sliceMatches({ class: 'cat' }, {})).toBe(false);
    // Without a slice, the value for the whole data only: not each class's.
    expect(sliceMatches(undefined, { class: 'cat' })).toBe(false);
    expect(sliceMatches(undefined, {})).toBe(true);
  });

  it('is null when no value is in the slice', () => {
    expect(checkRequirement(requirement({ slice: { class: 'dog' } }), [value(0.9)])).toBeNull();
    expect(checkRequirement(requirement({}), [])).toBeNull();
  });

  it('checks only the last step of a curve', () => {
    const curve = [value(0.5, {}, 1), value(0.9, {}, 3), value(0.7, {}, 2)];
    const outcome = checkRequirement(requirement({}), curve)!;
    expect(outcome.passed).toBe(true);
    expect(outcome.checked.map((v) => v.value)).toEqual([0.9]);
  });

  it('leads a sweep with the first failing severity of each series', () => {
    const blur = (v: number, sensor: string, severity: number) =>
      value(v, { perturbation: 'blur', sensor, severity: String(severity) }, severity);
    const sweep = [
      blur(0.95, 'eo', 1),
      blur(0.85, 'eo', 2),
      blur(0.6, 'eo', 3),
      blur(0.4, 'eo', 4),
      blur(0.7, 'ir', 1),
      blur(0.5, 'ir', 2),
      value(0.7, { perturbation: 'noise', sensor: 'eo', severity: '0.1' }, 1),
    ];
    const outcome = checkRequirement(requirement({ slice: { perturbation: 'blur' } }), sweep)!;
    expect(outcome.passed).toBe(false);
    expect(outcome.checked).toHaveLength(6);
    expect(outcome.firstFailures.map((v) => v.slice)).toEqual([
      { perturbation: 'blur', sensor: 'eo', severity: '3' },
      { perturbation: 'blur', sensor: 'ir', severity: '1' },
    ]);
    expect(outcome.headline.slice).toEqual({ perturbation: 'blur', sensor: 'eo', severity: '3' });
    // Without a slice, only a value for the whole data is checked, and this sweep has none.
    expect(checkRequirement(requirement({}), sweep)).toBeNull();
  });

  it('says whether the interval agrees with the verdict', () => {
    const sure = checkRequirement(requirement({}), [value(0.7, {}, 0, [0.65, 0.75])])!;
    expect(sure.headline).toMatchObject({ meets: false, certain: true });
    const unsure = checkRequirement(requirement({}), [value(0.79, {}, 0, [0.74, 0.84])])!;
    expect(unsure.headline).toMatchObject({ meets: false, certain: false });
    const noInterval = checkRequirement(requirement({ op: '<', threshold: 1 }), [value(0.5)])!;
    expect(noInterval.headline).toMatchObject({ meets: true, certain: null });
  });

  it('leads a pass with its closest call', () => {
    const outcome = checkRequirement(requirement({ slice: { split: 'test' } }), [
      value(0.99, { split: 'test', class: 'a' }),
      value(0.81, { split: 'test', class: 'b' }),
      value(0.9, { split: 'test', class: 'c' }),
      value(0.5, { split: 'train', class: 'c' }),
    ])!;
    expect(outcome.passed).toBe(true);
    expect(outcome.headline.slice).toEqual({ split: 'test', class: 'b' });
  });
});
