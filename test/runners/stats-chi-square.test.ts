// The chi-square test of homogeneity of two label distributions against scipy 1.17.1.
import { describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { chiSquareHomogeneity } from '../../src/runners/stats/chi-square.ts';

function expectRelative(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tolerance);
}

describe('chiSquareHomogeneity', () => {
  // import numpy as np; from scipy import stats   (scipy 1.17.1, numpy 2.4.6)
  // def test(a, b):
  //     t = np.array([a, b]); keep = t.sum(axis=0) > 0
  //     r = stats.chi2_contingency(t[:, keep], correction=False)
  //     return r.statistic, r.dof, r.pvalue
  const cases: Array<[a: number[], b: number[], statistic: number, dof: number, p: number]> = [
    // test([30, 20, 50], [25, 35, 40])
    [[30, 20, 50], [25, 35, 40], 5.656565656565656, 2, 0.05911427592751336],
    // test([10, 0, 5, 7], [3, 0, 9, 12]): the empty label is dropped, so dof = 3 - 1
    [[10, 0, 5, 7], [3, 0, 9, 12], 6.152551395972449, 2, 0.04613074193441624],
    // test([120, 80, 40, 30, 10, 5, 2], [100, 95, 30, 20, 25, 7, 1])
    [
      [120, 80, 40, 30, 10, 5, 2],
      [100, 95, 30, 20, 25, 7, 1],
      13.487765174981604,
      6,
      0.035911946588109894,
    ],
    // test([1000, 10], [950, 60]): dof 1, no Yates correction, a p-value far in the tail
    [[1000, 10], [950, 60], 36.996336996337, 1, 1.1835137643730042e-9],
  ];
  for (const [a, b, statistic, dof, p] of cases) {
    it(`matches scipy for ${JSON.stringify(a)} vs ${JSON.stringify(b)}`, () => {
      const result = chiSquareHomogeneity(a, b);
      expect(result.dof).toBe(dof);
      expectRelative(result.statistic, statistic, 1e-12);
      expectRelative(result.pValue, p, 1e-10);
    });
  }

  it('gives statistic 0 and p 1 with a single label seen, as scipy does (dof 0)', () => {
    // test([5, 0], [7, 0]) -> (0.0, 0, 1.0)
    expect(chiSquareHomogeneity([5, 0], [7, 0])).toEqual({ statistic: 0, dof: 0, pValue: 1 });
  });

  it('finds identical proportions perfectly homogeneous', () => {
    const result = chiSquareHomogeneity([10, 20, 30], [20, 40, 60]);
    expect(result.statistic).toBeCloseTo(0, 12);
    expect(result.pValue).toBeCloseTo(1, 12);
  });

  it('refuses an empty sample, negative counts and mismatched label sets', () => {
    expect(() => chiSquareHomogeneity([0, 0], [1, 2])).toThrow(/both samples/);
    expect(() => chiSquareHomogeneity([1, -2], [1, 2])).toThrow(
      /count of label 1 in the first sample is -2/,
    );
    expect(() => chiSquareHomogeneity([1, 2, 3], [1, 2])).toThrow(RunnerInputError);
  });
});
