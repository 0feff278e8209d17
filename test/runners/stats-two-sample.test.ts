// The two-sample KS and Cramér-von Mises tests against scipy 1.17.1 (numpy 2.4.6): statistic
// and p-value, exact and asymptotic, with ties and unequal sizes; and the distributions behind
// the asymptotic KS p-value, in each of the regimes where a different algorithm applies.
import { describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { kolmogorovSf } from '../../src/runners/stats/kolmogorov-distribution.ts';
import { smirnovSf } from '../../src/runners/stats/smirnov-distribution.ts';
import {
  cramerVonMisesTwoSample,
  kolmogorovSmirnovTwoSample,
} from '../../src/runners/stats/two-sample.ts';

/** Asserts |actual - expected| <= tolerance * max(|expected|, tiny). */
function expectRelative(actual: number, expected: number, tolerance: number): void {
  const scale = Math.max(Math.abs(expected), 1e-300);
  expect(Math.abs(actual - expected) / scale).toBeLessThanOrEqual(tolerance);
}

const x1 = [0.61, 0.29, 0.06, 0.59, -1.1, -0.77, 0.7, 1.3];
const y1 = [1.2, 0.85, 1.9, -0.1, 1.05, 0.45, 2.2, 1.6];
const x2 = [1, 2, 2, 3, 3, 3, 4, 5, 5];
const y2 = [2, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 3.5];
const x3 = [0.1, 0.4, 0.35];
const y3 = [0.2, 0.9, 0.8, 0.75, 0.6, 0.5, 0.55, 0.95, 0.3, 0.7, 0.65, 0.85, 0.45];
// Deterministic large samples; the same integer arithmetic gives the same doubles in Python:
//   x = [((i * 7919) % 10007) / 10007 for i in range(12000)]
//   y = [((j * 104729) % 10009) / 10009 + 0.02 for j in range(11000)]
//   ysmall = [((j * 37) % 101) / 101 + 0.15 for j in range(60)]
const bigX = Array.from({ length: 12000 }, (_, i) => ((i * 7919) % 10007) / 10007);
const bigY = Array.from({ length: 11000 }, (_, j) => ((j * 104729) % 10009) / 10009 + 0.02);
const smallY = Array.from({ length: 60 }, (_, j) => ((j * 37) % 101) / 101 + 0.15);

describe('kolmogorovSmirnovTwoSample', () => {
  // from scipy import stats  (scipy 1.17.1, numpy 2.4.6)
  // stats.ks_2samp(x1, y1)              -> statistic 0.625, pvalue 0.08702408702408701
  // stats.ks_2samp(x2, y2)              -> statistic 0.5, pvalue 0.11383322559793145
  // stats.ks_2samp(x3, y3)              -> statistic 0.8461538461538461, pvalue 0.035714285714285705
  // stats.ks_2samp([1,2,3,4,5], [1.5,2,3,4,5]) -> statistic 0.2, pvalue 1.0 (exact fails: asymp)
  // stats.ks_2samp(x, y)                -> statistic 0.020446969696969686, pvalue 0.016253425930540445
  // stats.ks_2samp(x, ysmall)           -> statistic 0.15633333333333332, pvalue 0.09539718794662733
  it('matches scipy exactly for small samples of equal size', () => {
    const result = kolmogorovSmirnovTwoSample(x1, y1);
    expect(result.method).toBe('exact');
    expect(result.statistic).toBe(0.625);
    expectRelative(result.pValue, 0.08702408702408701, 1e-12);
  });

  it('matches scipy with ties and unequal sizes', () => {
    const ties = kolmogorovSmirnovTwoSample(x2, y2);
    expect(ties.method).toBe('exact');
    expect(ties.statistic).toBe(0.5);
    expectRelative(ties.pValue, 0.11383322559793145, 1e-12);
    const unequal = kolmogorovSmirnovTwoSample(x3, y3);
    expectRelative(unequal.statistic, 0.8461538461538461, 1e-15);
    expectRelative(unequal.pValue, 0.035714285714285705, 1e-12);
  });

  it('falls back to the asymptotic p-value where scipy does', () => {
    // The equal-size formula gives 1 + ε for the smallest possible D; scipy then switches.
    const result = kolmogorovSmirnovTwoSample([1, 2, 3, 4, 5], [1.5, 2, 3, 4, 5]);
    expect(result).toEqual({ statistic: 0.2, pValue: 1, method: 'asymptotic' });
  });

  it('matches scipy asymptotically for samples over 10,000', () => {
    const result = kolmogorovSmirnovTwoSample(bigX, bigY);
    expect(result.method).toBe('asymptotic');
    expectRelative(result.statistic, 0.020446969696969686, 1e-12);
    expectRelative(result.pValue, 0.016253425930540445, 1e-9);
    // Effective n = round(12000 * 60 / 12060) = 60: the small-n algorithms of kstwo.
    const lopsided = kolmogorovSmirnovTwoSample(bigX, smallY);
    expect(lopsided.method).toBe('asymptotic');
    expectRelative(lopsided.statistic, 0.15633333333333332, 1e-12);
    expectRelative(lopsided.pValue, 0.09539718794662733, 1e-9);
  });

  it('does not depend on the order of the samples or of their values', () => {
    const forward = kolmogorovSmirnovTwoSample(x2, y2);
    expect(kolmogorovSmirnovTwoSample(y2, x2)).toEqual(forward);
    expect(kolmogorovSmirnovTwoSample([...x2].reverse(), y2)).toEqual(forward);
  });

  it('refuses empty samples and non-finite values', () => {
    expect(() => kolmogorovSmirnovTwoSample([], [1])).toThrow(RunnerInputError);
    expect(() => kolmogorovSmirnovTwoSample([1, Number.NaN], [1])).toThrow(/value 1 is NaN/);
  });
});

describe('cramerVonMisesTwoSample', () => {
  // from scipy import stats  (scipy 1.17.1, numpy 2.4.6)
  // stats.cramervonmises_2samp(x1, y1[:6]) -> statistic 0.2529761904761907, pvalue 0.20446220446220445
  // stats.cramervonmises_2samp(x2, y2)     -> statistic 0.5658068783068786, pvalue 0.027299016772700982
  // stats.cramervonmises_2samp(x3, y3 + [0.99, 0.15, 0.58, 0.05, 0.66, 0.77, 0.88])
  //                                        -> statistic 0.4702898550724639, pvalue 0.04630152456239413
  // xa = [((i * 31) % 97) / 97 for i in range(25)]
  // ya = [round(((j * 17) % 89) / 89 + 0.1, 1) for j in range(40)]
  // stats.cramervonmises_2samp(xa, ya)     -> statistic 0.19584615384615311, pvalue 0.2803589472950567
  // stats.cramervonmises_2samp(x[:3000], y[:2000])
  //                                        -> statistic 0.4761649666667154, pvalue 0.045812705273679866
  it('matches scipy exactly for small samples', () => {
    const result = cramerVonMisesTwoSample(x1, y1.slice(0, 6));
    expect(result.method).toBe('exact');
    expectRelative(result.statistic, 0.2529761904761907, 1e-13);
    expectRelative(result.pValue, 0.20446220446220445, 1e-12);
  });

  it('matches scipy with ties (midranks) and unequal sizes, up to 20 values', () => {
    const ties = cramerVonMisesTwoSample(x2, y2);
    expect(ties.method).toBe('exact');
    expectRelative(ties.statistic, 0.5658068783068786, 1e-13);
    expectRelative(ties.pValue, 0.027299016772700982, 1e-12);
    const unequal = cramerVonMisesTwoSample(x3, [...y3, 0.99, 0.15, 0.58, 0.05, 0.66, 0.77, 0.88]);
    expect(unequal.method).toBe('exact');
    expectRelative(unequal.statistic, 0.4702898550724639, 1e-13);
    expectRelative(unequal.pValue, 0.04630152456239413, 1e-12);
  });

  it('matches scipy asymptotically above 20 values, with ties', () => {
    const xa = Array.from({ length: 25 }, (_, i) => ((i * 31) % 97) / 97);
    // ya as Python prints it.
    const ya = [
      0.1, 0.3, 0.5, 0.7, 0.9, 1.1, 0.2, 0.4, 0.6, 0.8, 1.0, 0.2, 0.4, 0.6, 0.8, 1.0, 0.2, 0.3, 0.5,
      0.7, 0.9, 0.1, 0.3, 0.5, 0.7, 0.9, 1.1, 0.3, 0.4, 0.6, 0.8, 1.0, 0.2, 0.4, 0.6, 0.8, 1.0, 0.2,
      0.4, 0.5,
    ];
    const result = cramerVonMisesTwoSample(xa, ya);
    expect(result.method).toBe('asymptotic');
    expectRelative(result.statistic, 0.19584615384615311, 1e-12);
    expectRelative(result.pValue, 0.2803589472950567, 1e-9);
    const big = cramerVonMisesTwoSample(bigX.slice(0, 3000), bigY.slice(0, 2000));
    expectRelative(big.statistic, 0.4761649666667154, 1e-12);
    expectRelative(big.pValue, 0.045812705273679866, 1e-9);
  });

  it('needs two values in each sample', () => {
    expect(() => cramerVonMisesTwoSample([1], [1, 2])).toThrow(/at least 2 values/);
  });
});

describe('kolmogorovSf', () => {
  // from scipy import stats; stats.kstwo.sf(x, n)  (scipy 1.17.1), one case per algorithm.
  const cases: Array<[n: number, x: number, sf: number, regime: string]> = [
    [60, 0.005, 1.0, 'below 1/(2n)'],
    [10, 0.095, 0.9998734715676565, 'Ruben-Gambino, small n'],
    [150, 0.0066, 1.0, 'Ruben-Gambino, large n'],
    [50, 0.99, 2.0000000000000889e-100, 'Ruben-Gambino, x >= 1 - 1/n'],
    [50, 0.6, 9.634070456142374e-18, 'twice Smirnov, x >= 0.5'],
    [50, 0.1, 0.6623112704658186, 'Durbin matrix, n <= 140'],
    [50, 0.2, 0.03143877776953241, 'Pomeranz, n <= 140'],
    [50, 0.34641016151377546, 7.274359725462303e-6, 'twice Smirnov, n <= 140'],
    [1000, 0.05477225575051661, 0.004766852502767219, 'twice Smirnov, n > 140'],
    [1000, 0.03162277660168379, 0.2644092421903177, 'Pelz-Good'],
    [1000, 0.01, 0.9999496745370611, 'Durbin matrix, n > 140'],
    [1000, 0.6324555320336759, 0.0, 'negligible tail'],
    [200000, 0.002, 0.39995085369038097, 'Pelz-Good, n > 100000'],
  ];
  for (const [n, x, sf, regime] of cases) {
    it(`matches scipy.stats.kstwo.sf(${x}, ${n}) (${regime})`, () => {
      if (sf === 0 || sf === 1) expect(kolmogorovSf(n, x)).toBe(sf);
      else expectRelative(kolmogorovSf(n, x), sf, 1e-9);
    });
  }
});

describe('smirnovSf', () => {
  // from scipy import special; special.smirnov(n, x)  (scipy 1.17.1)
  const cases: Array<[n: number, x: number, sf: number]> = [
    [1, 0.3, 0.7],
    [10, 0.05, 0.9224335892010742],
    [10, 0.35, 0.06698659406601565],
    [10, 0.95, 9.765625000000086e-14],
    [100, 0.1, 0.1265906584562817],
    [1000, 0.05, 0.006506037390545166],
    [5000, 0.02, 0.01806981293722266],
    [2_000_000, 0.001, 0.018303432023617325],
  ];
  for (const [n, x, sf] of cases) {
    it(`matches scipy.special.smirnov(${n}, ${x})`, () => {
      expectRelative(smirnovSf(n, x), sf, 1e-9);
    });
  }
});
