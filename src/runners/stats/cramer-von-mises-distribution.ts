// Null distributions of the two-sample Cramér-von Mises statistic, as
// scipy.stats.cramervonmises_2samp computes its p-values: exactly for small samples by
// enumerating interleavings (Xiao, Gordon & Yakovlev 2006, J. Stat. Softw. 17(8)), otherwise
// by Anderson's (1962) normalisation to the limiting one-sample distribution (Csörgő &
// Faraway 1996).
import { besselK, logGamma } from './special-functions.ts';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** A distribution over integer values: sorted distinct values and their path counts. */
interface Counts {
  values: Float64Array;
  counts: Float64Array;
}

const EMPTY: Counts = { values: new Float64Array(0), counts: new Float64Array(0) };

/**
 * Merges two distributions, adds `step` to every value and caps values at `cap` (one entry
 * for everything >= cap): values only grow along a path, so once a partial sum reaches the
 * cap its path is counted, whatever follows. The cap keeps the distributions small.
 */
function mergeStepCap(left: Counts, right: Counts, step: number, cap: number): Counts {
  const size = left.values.length + right.values.length;
  const values = new Float64Array(size);
  const counts = new Float64Array(size);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < left.values.length || j < right.values.length) {
    const a = i < left.values.length ? left.values[i]! : Infinity;
    const b = j < right.values.length ? right.values[j]! : Infinity;
    const value = Math.min(Math.min(a, b) + step, cap);
    let count = 0;
    if (a <= b) count += left.counts[i++]!;
    if (b <= a) count += right.counts[j++]!;
    if (k > 0 && values[k - 1] === value) counts[k - 1]! += count;
    else {
      values[k] = value;
      counts[k++] = count;
    }
  }
  return { values: values.subarray(0, k), counts: counts.subarray(0, k) };
}

/**
 * The exact p-value P(U' >= U) of the two-sample statistic U (Anderson's eq. 10, ranks with
 * midranks for ties) for sample sizes m and n, over all C(m+n, m) equally likely interleavings.
 * Each interleaving is a lattice path; its statistic is a sum over the path's points (u, v) of
 * (a v - b u)² with a = lcm/m, b = lcm/n, compared with ζ = ⌊lcm² (m+n) (6U - mn(4mn-1)) /
 * (6 m²n²)⌋ (scipy's formula, floor included, which with ties counts values in [ζ, exact ζ)
 * too). Counts stay below 2^53 for m, n <= 20, so the result is exact up to the final division.
 */
export function cramerVonMisesExactSf(u: number, m: number, n: number): number {
  const lcm = (m / gcd(m, n)) * n;
  const a = lcm / m;
  const b = lcm / n;
  const mn = m * n;
  const zeta = Math.floor((lcm * lcm * (m + n) * (6 * u - mn * (4 * mn - 1))) / (6 * mn * mn));
  if (zeta <= 0) return 1;
  // cells[v] holds the distribution at (u - 1, v) before the pass over u, at (u, v) after.
  const cells: Counts[] = [
    { values: Float64Array.of(0), counts: Float64Array.of(1) },
    ...Array.from({ length: m }, () => EMPTY),
  ];
  for (let y = 0; y <= n; y++) {
    let current = EMPTY;
    for (let v = 0; v <= m; v++) {
      current = mergeStepCap(current, cells[v]!, (a * v - b * y) ** 2, zeta);
      cells[v] = current;
    }
  }
  const final = cells[m]!;
  let total = 0;
  let extreme = 0;
  for (let i = 0; i < final.values.length; i++) {
    total += final.counts[i]!;
    if (final.values[i]! >= zeta) extreme += final.counts[i]!;
  }
  return extreme / total;
}

/**
 * The limiting CDF of the one-sample Cramér-von Mises statistic (Csörgő & Faraway 1996,
 * eq. 1.3), summed until a term is below 1e-7 as scipy does.
 */
function limitingCdf(x: number): number {
  let total = 0;
  for (let k = 0; ; k++) {
    const scale = Math.exp(logGamma(k + 0.5) - logGamma(k + 1)) / (Math.PI ** 1.5 * Math.sqrt(x));
    const y = 4 * k + 1;
    const q = (y * y) / (16 * x);
    const term = scale * Math.sqrt(y) * Math.exp(-q) * besselK(0.25, q);
    total += term;
    if (Math.abs(term) < 1e-7) return total;
  }
}

/**
 * The asymptotic p-value of the two-sample statistic T for sizes nx, ny: T is standardised
 * with its exact mean and variance (Anderson 1962, eqs. 11, 14, 15) and referred to the
 * limiting distribution. Below 0.003 that CDF is under 1e-18, so p is 1.
 */
export function cramerVonMisesAsymptoticSf(t: number, nx: number, ny: number): number {
  const size = nx + ny;
  const k = nx * ny;
  const mean = (1 + 1 / size) / 6;
  const variance =
    ((size + 1) * (4 * k * size - 3 * (nx * nx + ny * ny) - 2 * k)) / (45 * size * size * 4 * k);
  const normalised = 1 / 6 + (t - mean) / Math.sqrt(45 * variance);
  if (!(normalised >= 0.003)) return 1;
  return Math.max(1 - limitingCdf(normalised), 0);
}
