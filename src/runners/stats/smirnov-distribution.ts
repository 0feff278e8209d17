// The one-sided Kolmogorov-Smirnov (Smirnov) distribution: P(D_n+ >= x), the chance that the
// empirical CDF of n uniform draws falls more than x below the true CDF somewhere. Needed for
// the upper tail of the two-sided statistic, where P(D_n >= x) is about 2 P(D_n+ >= x).
// Computes what scipy.special.smirnov computes, by the same exact sum, but in log space
// instead of double-double arithmetic: about 1e-9 relative accuracy rather than 1e-16.

import { logGamma } from './special-functions.ts';

/** cephes' MINLOG, log(2^-1022): below it an exponential underflows. */
const MIN_LOG = -708.3964185322641;
/** Past this n scipy switches to an asymptotic formula, and so do we. */
const MAX_EXACT_N = 1_000_000;

/**
 * P(D_n+ >= x) by the Birnbaum-Tingey (Smirnov) sum
 *   x Σ_{v=0}^{⌊n(1-x)⌋} C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v),
 * whose terms are all positive, so summing their logarithms' exponentials loses nothing to
 * cancellation. Special cases as scipy's smirnov.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n >= 1 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  // x <= 1/n: only the last term of the complementary sum is left, x (1 + x)^(n-1).
  if (nx <= 1) return 1 - x * (1 + x) ** (n - 1);
  if (-2 * n * x * x < MIN_LOG) return 0;
  // x >= 1 - 1/n: only the first term, (1 - x)^n.
  if (Math.floor(nx) >= n - 1) return (1 - x) ** n;
  if (n > MAX_EXACT_N) {
    // Asymptotic: p ~ exp(-(6nx + 1)² / 18n).
    const logp = -((6 * nx + 1) ** 2) / 18 / n;
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }
  const last = Math.floor(n * (1 - x));
  const logNFactorial = logGamma(n + 1);
  let sum = 0;
  let previous = -Infinity;
  for (let v = 0; v <= last; v++) {
    const logBinomial = logNFactorial - logGamma(v + 1) - logGamma(n - v + 1);
    const rest = (n - v) / n - x;
    if (rest <= 0) break;
    const logTerm = logBinomial + (v - 1) * Math.log(x + v / n) + (n - v) * Math.log(rest);
    const term = Math.exp(logTerm);
    sum += term;
    // Past the peak the terms only shrink; stop when the rest cannot change the sum.
    if (logTerm < previous && term * (last - v) < sum * 1e-17) break;
    previous = logTerm;
  }
  return Math.min(1, Math.max(0, x * sum));
}
