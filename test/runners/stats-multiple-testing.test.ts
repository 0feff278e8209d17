// Holm and Benjamini-Hochberg adjusted p-values, computed by hand with statsmodels'
// multipletests definitions (methods 'holm' and 'fdr_bh').
import { describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { benjaminiHochbergAdjust, holmAdjust } from '../../src/runners/stats/multiple-testing.ts';

function expectClose(actual: Float64Array, expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((value, i) => {
    expect(actual[i]).toBeCloseTo(value, 15);
  });
}

// Sorted ascending: 0.005 (index 3), 0.01 (0), 0.03 (2), 0.04 (1), 0.5 (4).
const pValues = [0.01, 0.04, 0.03, 0.005, 0.5];

describe('holmAdjust', () => {
  it('multiplies the i-th smallest by m - i + 1 and keeps the result non-decreasing', () => {
    // 5*0.005 = 0.025, 4*0.01 = 0.04, 3*0.03 = 0.09, 2*0.04 = 0.08 -> 0.09 (running max),
    // 1*0.5 = 0.5; back in the input order:
    expectClose(holmAdjust(pValues), [0.04, 0.09, 0.09, 0.025, 0.5]);
  });

  it('caps adjusted p-values at 1', () => {
    // 3*0.3 = 0.9, 2*0.6 = 1.2 -> 1, 1*0.9 = 0.9 -> 1.2 (running max) -> 1
    expectClose(holmAdjust([0.3, 0.6, 0.9]), [0.9, 1, 1]);
  });

  it('gives tied p-values the same adjusted value', () => {
    // 3*0.02 = 0.06, 2*0.02 = 0.04 -> 0.06, 1*0.02 -> 0.06
    expectClose(holmAdjust([0.02, 0.02, 0.02]), [0.06, 0.06, 0.06]);
  });
});

describe('benjaminiHochbergAdjust', () => {
  it('scales the i-th smallest by m / i and keeps the result non-decreasing from the top', () => {
    // 0.005*5/1 = 0.025, 0.01*5/2 = 0.025, 0.03*5/3 = 0.05, 0.04*5/4 = 0.05, 0.5*5/5 = 0.5;
    // running minimum from the largest down changes nothing here. In input order:
    expectClose(benjaminiHochbergAdjust(pValues), [0.025, 0.05, 0.05, 0.025, 0.5]);
  });

  it('takes the running minimum from the largest p-value down', () => {
    // 0.01*3/1 = 0.03, 0.04*3/2 = 0.06, 0.041*3/3 = 0.041 -> 0.06 becomes 0.041
    expectClose(benjaminiHochbergAdjust([0.04, 0.01, 0.041]), [0.041, 0.03, 0.041]);
    // 0.02*3 = 0.06, 0.02*3/2 = 0.03, 0.02*3/3 = 0.02 -> all 0.02
    expectClose(benjaminiHochbergAdjust([0.02, 0.02, 0.02]), [0.02, 0.02, 0.02]);
  });

  it('is never below the raw p-value nor above 1, and rejects no less than Holm', () => {
    const raw = [0.001, 0.2, 0.013, 0.04, 0.9, 0.0004, 0.33, 1];
    const bh = benjaminiHochbergAdjust(raw);
    const holm = holmAdjust(raw);
    raw.forEach((p, i) => {
      expect(bh[i]).toBeGreaterThanOrEqual(p);
      expect(bh[i]).toBeLessThanOrEqual(1);
      expect(bh[i]).toBeLessThanOrEqual(holm[i]!);
    });
  });
});

describe('checks', () => {
  it('refuses values that are not probabilities and accepts an empty family', () => {
    expect(() => holmAdjust([0.1, 1.5])).toThrow(/p-value 1 is 1.5/);
    expect(() => benjaminiHochbergAdjust([Number.NaN])).toThrow(RunnerInputError);
    expect(holmAdjust([])).toEqual(new Float64Array(0));
  });
});
