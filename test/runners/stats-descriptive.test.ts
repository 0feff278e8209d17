// Descriptive statistics against numpy 2.4.6 / scipy 1.17.1 and by hand.
import { describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import {
  entropy,
  imbalanceRatio,
  mean,
  median,
  medianAbsoluteDeviation,
  quantile,
  robustOutliers,
  standardDeviation,
} from '../../src/runners/stats/descriptive.ts';

// import numpy as np; from scipy import stats
// x = np.array([2.5, 3.1, 0.2, 9.9, 4.4, 4.4, 1.0, 7.3])
const x = [2.5, 3.1, 0.2, 9.9, 4.4, 4.4, 1.0, 7.3];

describe('location and spread', () => {
  it('match numpy', () => {
    // x.mean() -> 4.1; x.std() -> 3.0091527046662154; x.std(ddof=1) -> 3.2169195558128942
    expect(mean(x)).toBeCloseTo(4.1, 14);
    expect(standardDeviation(x)).toBeCloseTo(3.0091527046662154, 14);
    expect(standardDeviation(x, 1)).toBeCloseTo(3.2169195558128942, 14);
    // np.median(x) -> 3.75 (mean of 3.1 and 4.4); stats.median_abs_deviation(x) -> 2.0
    expect(median(x)).toBe(3.75);
    expect(median([3, 1, 2])).toBe(2);
    expect(medianAbsoluteDeviation(x)).toBeCloseTo(2.0, 14);
  });

  it('keep their precision far from zero', () => {
    // A naive sum of squares minus squared sum would lose everything here.
    expect(standardDeviation([1e9 + 1, 1e9 + 2, 1e9 + 3], 1)).toBe(1);
  });

  it('quantile interpolates linearly like np.quantile', () => {
    // [np.quantile(x, q) for q in [0, 0.1, 0.25, 0.5, 0.9, 1]]
    //   -> [0.2, 0.76, 2.125, 3.75, 8.08, 9.9]
    const expected: Array<[number, number]> = [
      [0, 0.2],
      [0.1, 0.76],
      [0.25, 2.125],
      [0.5, 3.75],
      [0.9, 8.08],
      [1, 9.9],
    ];
    for (const [q, value] of expected) expect(quantile(x, q)).toBeCloseTo(value, 14);
    expect(() => quantile(x, 1.5)).toThrow(/\[0, 1\]/);
  });

  it('refuses empty input and non-finite values', () => {
    expect(() => mean([])).toThrow(RunnerInputError);
    expect(() => median([1, Number.NaN])).toThrow(/value 1 is NaN/);
    expect(() => standardDeviation([1], 1)).toThrow(/more than 1 values/);
  });
});

describe('robustOutliers', () => {
  it('flags |0.6745 (x - median) / MAD| > 3.5', () => {
    // y = np.array([10.0, 10.5, 9.8, 10.2, 10.1, 9.9, 30.0, 10.3, -5.0])
    // np.median(y) -> 10.1; stats.median_abs_deviation(y) -> 0.20000000000000107
    // 0.6745 * (y - 10.1) / MAD -> 30.0 scores 67.11274999999964, -5.0 scores -50.924749999999726
    const y = [10.0, 10.5, 9.8, 10.2, 10.1, 9.9, 30.0, 10.3, -5.0];
    const result = robustOutliers(y);
    expect(result.median).toBe(10.1);
    expect(result.mad).toBeCloseTo(0.2, 14);
    expect(Array.from(result.outliers)).toEqual([6, 8]);
    expect(result.scores[6]).toBeCloseTo(67.11274999999964, 10);
    expect(result.scores[8]).toBeCloseTo(-50.924749999999726, 10);
    expect(result.scores[4]).toBe(0);
  });

  it('falls back to the mean absolute deviation when MAD is 0', () => {
    // One step off a crowd of equal values is not an outlier...
    const near = robustOutliers([5, 5, 5, 5, 6, 5, 4]);
    expect(near.mad).toBe(0);
    expect(Array.from(near.outliers)).toEqual([]);
    // MeanAD = 2/7; M(6) = 1 / (1.253314 * 2/7) = 2.79260.
    expect(near.scores[4]).toBeCloseTo(2.7926, 4);
    // ...but a value far from it is. MeanAD = 46/12; M(50) = 45 / (1.253314 * 46/12) = 9.36647.
    const far = robustOutliers([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 50]);
    expect(Array.from(far.outliers)).toEqual([11]);
    expect(far.scores[11]).toBeCloseTo(9.3665, 4);
    expect(Array.from(robustOutliers([3, 3, 3]).scores)).toEqual([0, 0, 0]);
  });
});

describe('label balance', () => {
  it('entropy in bits, normalised by log2 of the number of labels', () => {
    // stats.entropy([50, 30, 20, 0], base=2) -> 1.4854752972273346; / np.log2(4) -> 0.7427376486136673
    const result = entropy([50, 30, 20, 0]);
    expect(result.bits).toBeCloseTo(1.4854752972273346, 14);
    expect(result.normalized).toBeCloseTo(0.7427376486136673, 14);
    expect(entropy([7, 7, 7, 7])).toEqual({ bits: 2, normalized: 1 });
    expect(entropy([9, 0, 0])).toEqual({ bits: 0, normalized: 0 });
    expect(entropy([9]).normalized).toBeNull();
  });

  it('imbalance ratio: largest count over smallest non-zero count', () => {
    expect(imbalanceRatio([50, 30, 20, 0])).toBe(2.5);
    expect(imbalanceRatio([4, 4])).toBe(1);
  });

  it('refuses counts that are negative or all zero', () => {
    expect(() => entropy([3, -1])).toThrow(/count 1 is -1/);
    expect(() => imbalanceRatio([0, 0])).toThrow(/positive total/);
  });
});
