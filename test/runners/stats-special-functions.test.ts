// Special functions against scipy.special 1.17.1.
import { describe, expect, it } from 'vitest';
import {
  besselK,
  logGamma,
  regularizedGammaP,
  regularizedGammaQ,
} from '../../src/runners/stats/special-functions.ts';

function expectRelative(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tolerance);
}

describe('special functions', () => {
  it('logGamma matches scipy.special.gammaln', () => {
    // special.gammaln([0.5, 10.3, 1234.5, 1e-5])
    expectRelative(logGamma(0.5), 0.5723649429247, 1e-13);
    expectRelative(logGamma(10.3), 13.482036786138359, 1e-14);
    expectRelative(logGamma(1234.5), 7550.550901077894, 1e-14);
    expectRelative(logGamma(1e-5), 11.512919692895826, 1e-14);
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expectRelative(logGamma(11), Math.log(3628800), 1e-14);
  });

  it('the regularized incomplete gamma functions match scipy.special.gammaincc / gammainc', () => {
    // special.gammaincc(2.5, 3.1), gammaincc(0.5, 0.001), gammaincc(50, 80),
    // gammainc(3, 0.2), gammaincc(500, 560)
    expectRelative(regularizedGammaQ(2.5, 3.1), 0.28724168342556083, 1e-12);
    expectRelative(regularizedGammaQ(0.5, 0.001), 0.9643294082703201, 1e-12);
    expectRelative(regularizedGammaQ(50, 80), 0.0001307839765914092, 1e-11);
    expectRelative(regularizedGammaP(3, 0.2), 0.0011484812448621328, 1e-12);
    expectRelative(regularizedGammaQ(500, 560), 0.004693165999294767, 1e-10);
    expect(regularizedGammaP(2, 0)).toBe(0);
    expect(regularizedGammaQ(2, 0)).toBe(1);
    expect(regularizedGammaP(4.2, 7) + regularizedGammaQ(4.2, 7)).toBeCloseTo(1, 15);
  });

  it('besselK matches scipy.special.kv', () => {
    // special.kv(0.25, 0.01), kv(0.25, 3.0), kv(0.75, 40.0), kv(1.25, 0.5)
    expectRelative(besselK(0.25, 0.01), 6.165741264139234, 1e-13);
    expectRelative(besselK(0.25, 3.0), 0.03505705608941313, 1e-13);
    expectRelative(besselK(0.75, 40.0), 8.45135625732249e-19, 1e-13);
    expectRelative(besselK(1.25, 0.5), 2.2520661411497973, 1e-13);
    // K_{1/2}(z) = sqrt(pi / (2z)) e^-z in closed form.
    expectRelative(besselK(0.5, 2), Math.sqrt(Math.PI / 4) * Math.exp(-2), 1e-14);
  });
});
