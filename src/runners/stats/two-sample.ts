// Do two samples of a continuous quantity (confidences, image brightness, embedding norms)
// come from the same distribution? The Kolmogorov-Smirnov test looks at the largest gap
// between the two empirical CDFs; the Cramér-von Mises test at the mean squared gap, which
// reacts more to differences spread over the whole range. Both match scipy.stats (ks_2samp,
// cramervonmises_2samp) with method='auto', two-sided.
import { RunnerInputError } from '../input-error.ts';
import {
  cramerVonMisesAsymptoticSf,
  cramerVonMisesExactSf,
} from './cramer-von-mises-distribution.ts';
import { kolmogorovSf } from './kolmogorov-distribution.ts';
import { ksTwoSampleExactSf } from './ks-exact.ts';

export interface TwoSampleTest {
  statistic: number;
  pValue: number;
  /** How the p-value was computed (chosen by sample size, as scipy's method='auto'). */
  method: 'exact' | 'asymptotic';
}

/** ks_2samp computes exact p-values when neither sample is larger than this. */
const KS_MAX_EXACT = 10_000;
/** cramervonmises_2samp computes exact p-values when neither sample is larger than this. */
const CVM_MAX_EXACT = 20;

/** A sorted copy of a sample, after checking it has `minimum` values, all finite. */
function sortedSample(values: ArrayLike<number>, name: string, minimum: number): Float64Array {
  if (values.length < minimum) {
    throw new RunnerInputError(
      `sample ${name} needs at least ${minimum} values, got ${values.length}`,
    );
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RunnerInputError(`sample ${name}: value ${i} is ${values[i]}, not a finite number`);
    }
  }
  return Float64Array.from(values).sort();
}

/** The number of entries of `sorted` that are <= value (or < value when `strict`). */
function countBelow(sorted: Float64Array, value: number, strict: boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (strict ? sorted[middle]! < value : sorted[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Rounds half to even, as np.round does. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The two-sample Kolmogorov-Smirnov test, two-sided, as scipy.stats.ks_2samp(x, y) computes it:
 * D = max |F_x(t) - F_y(t)| over the pooled values (ties handled by evaluating both empirical
 * CDFs at each distinct value). With both samples at most 10,000 the p-value is exact (lattice
 * path counting; see ks-exact.ts), else (or if the exact count breaks down) it is
 * P(D_N >= D) for the one-sample distribution with N = round(n1 n2 / (n1 + n2)), as scipy does.
 * D is computed exactly as a ratio of integers, so it may differ from scipy's floating-point
 * difference of CDFs in the last bit. With ties the exact p-value is conservative.
 */
export function kolmogorovSmirnovTwoSample(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): TwoSampleTest {
  const sx = sortedSample(x, 'x', 1);
  const sy = sortedSample(y, 'y', 1);
  const n1 = sx.length;
  const n2 = sy.length;
  // Integer form of the CDF gap: F_x - F_y = (c1 n2 - c2 n1) / (n1 n2).
  let largestGap = 0;
  let i = 0;
  let j = 0;
  while (i < n1 || j < n2) {
    const value = Math.min(i < n1 ? sx[i]! : Infinity, j < n2 ? sy[j]! : Infinity);
    while (i < n1 && sx[i] === value) i++;
    while (j < n2 && sy[j] === value) j++;
    largestGap = Math.max(largestGap, Math.abs(i * n2 - j * n1));
  }
  const statistic = largestGap / (n1 * n2);
  if (Math.max(n1, n2) <= KS_MAX_EXACT) {
    const p = ksTwoSampleExactSf(n1, n2, largestGap);
    if (!Number.isNaN(p)) return { statistic, pValue: p, method: 'exact' };
  }
  const effective = roundHalfEven((n1 * n2) / (n1 + n2));
  return { statistic, pValue: kolmogorovSf(effective, statistic), method: 'asymptotic' };
}

/**
 * The two-sample Cramér-von Mises test as scipy.stats.cramervonmises_2samp(x, y) computes it:
 * T = U / (nm(n+m)) - (4nm - 1) / (6(n+m)) with U = n Σ (r(x_i) - i)² + m Σ (r(y_j) - j)²,
 * r the rank in the pooled sample (midranks for ties). Exact p-value when both samples have
 * at most 20 values, else Anderson's asymptotic one. Each sample needs at least 2 values.
 */
export function cramerVonMisesTwoSample(x: ArrayLike<number>, y: ArrayLike<number>): TwoSampleTest {
  const sx = sortedSample(x, 'x', 2);
  const sy = sortedSample(y, 'y', 2);
  const nx = sx.length;
  const ny = sy.length;
  /** Σ (midrank - position)² over a sorted sample, ranks taken in the pooled sample. */
  const rankDeviations = (sample: Float64Array): number => {
    let sum = 0;
    for (let i = 0; i < sample.length; i++) {
      const value = sample[i]!;
      const below = countBelow(sx, value, true) + countBelow(sy, value, true);
      const upTo = countBelow(sx, value, false) + countBelow(sy, value, false);
      const midrank = (below + 1 + upTo) / 2;
      sum += (midrank - (i + 1)) ** 2;
    }
    return sum;
  };
  const u = nx * rankDeviations(sx) + ny * rankDeviations(sy);
  const k = nx * ny;
  const size = nx + ny;
  const statistic = u / (k * size) - (4 * k - 1) / (6 * size);
  if (Math.max(nx, ny) <= CVM_MAX_EXACT) {
    return { statistic, pValue: cramerVonMisesExactSf(u, nx, ny), method: 'exact' };
  }
  return {
    statistic,
    pValue: cramerVonMisesAsymptoticSf(statistic, nx, ny),
    method: 'asymptotic',
  };
}
