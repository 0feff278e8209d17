// Descriptive statistics for profiling a dataset: location, spread, quantiles, robust outliers
// and the balance of label counts. Definitions follow numpy / scipy defaults where they exist,
// so a profile can be checked with a few lines of Python.
import { RunnerInputError } from '../input-error.ts';

/** Throws unless `values` is non-empty and holds only finite numbers. */
function checkValues(values: ArrayLike<number>, what: string): void {
  if (values.length === 0) throw new RunnerInputError(`${what} needs at least one value`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RunnerInputError(`${what}: value ${i} is ${values[i]}, not a finite number`);
    }
  }
}

/** A sorted copy, for the order statistics. */
function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** The arithmetic mean. */
export function mean(values: ArrayLike<number>): number {
  checkValues(values, 'mean');
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/**
 * The standard deviation with `ddof` delta degrees of freedom: 0 (numpy's default, the
 * population formula) or 1 (the sample formula, pandas' default). Two passes, so a large
 * mean does not swamp the deviations.
 */
export function standardDeviation(values: ArrayLike<number>, ddof: 0 | 1 = 0): number {
  const centre = mean(values);
  if (values.length - ddof <= 0) {
    throw new RunnerInputError(
      `standardDeviation with ddof=${ddof} needs more than ${ddof} values`,
    );
  }
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - centre) ** 2;
  return Math.sqrt(squares / (values.length - ddof));
}

/**
 * The q-quantile of already sorted values by linear interpolation between order statistics at
 * virtual index (n-1)q: numpy's default method ("linear", Hyndman & Fan type 7), including its
 * way of interpolating, so results agree with `np.quantile` to the last bit.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RunnerInputError('quantile needs at least one value');
  if (!(q >= 0 && q <= 1)) throw new RunnerInputError(`quantile level must be in [0, 1], got ${q}`);
  const n = sorted.length;
  const position = (n - 1) * q;
  if (position >= n - 1) return sorted[n - 1]!;
  const below = Math.floor(position);
  const t = position - below;
  const a = sorted[below]!;
  const b = sorted[below + 1]!;
  const difference = b - a;
  // numpy interpolates from the nearer end, which keeps the result monotone in q.
  return t >= 0.5 ? b - difference * (1 - t) : a + difference * t;
}

/** The q-quantile (0 <= q <= 1), numpy's default linear interpolation; see quantileOfSorted. */
export function quantile(values: ArrayLike<number>, q: number): number {
  checkValues(values, 'quantile');
  return quantileOfSorted(sortedCopy(values), q);
}

/** The median of sorted values: the middle one, or the mean of the two middle ones (np.median). */
function medianOfSorted(sorted: Float64Array): number {
  const half = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}

/** The median, as np.median computes it. */
export function median(values: ArrayLike<number>): number {
  checkValues(values, 'median');
  return medianOfSorted(sortedCopy(values));
}

/** The median of |x - centre|. */
function absoluteDeviationMedian(values: ArrayLike<number>, centre: number): number {
  const deviations = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) deviations[i] = Math.abs(values[i]! - centre);
  return medianOfSorted(deviations.sort());
}

/**
 * The median absolute deviation from the median, unscaled (scipy.stats.median_abs_deviation
 * with its default scale=1.0; multiply by 1.4826 for a normal-consistent estimate of σ).
 */
export function medianAbsoluteDeviation(values: ArrayLike<number>): number {
  return absoluteDeviationMedian(values, median(values));
}

export interface RobustOutliers {
  median: number;
  mad: number;
  /** The modified z-score of each value. */
  scores: Float64Array;
  /** Indices of the values whose |score| exceeds the threshold, ascending. */
  outliers: Int32Array;
}

/**
 * Outliers by the modified z-score of Iglewicz & Hoaglin (1993), M = 0.6745 (x - median) / MAD,
 * flagging |M| > 3.5 (their recommended threshold; 0.6745 makes M comparable to a z-score for
 * normal data). Median and MAD are robust: the outliers themselves barely move them, unlike a
 * mean and standard deviation. When MAD is 0 (over half the values equal the median, as when
 * most images share one size), the score falls back to the mean absolute deviation, M =
 * (x - median) / (1.253314 MeanAD), the form IBM SPSS and Iglewicz & Hoaglin give for that
 * case (1.253314 = sqrt(pi/2) makes it a z-score for normal data), so a value one step off a
 * crowd is not infinitely far from it. When every value is equal, every score is 0.
 */
export function robustOutliers(values: ArrayLike<number>, threshold = 3.5): RobustOutliers {
  const centre = median(values);
  const mad = absoluteDeviationMedian(values, centre);
  let meanDeviation = 0;
  for (let i = 0; i < values.length; i++) meanDeviation += Math.abs(values[i]! - centre);
  meanDeviation /= values.length;
  const scores = new Float64Array(values.length);
  const outliers: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const deviation = values[i]! - centre;
    const score =
      mad > 0
        ? (0.6745 * deviation) / mad
        : meanDeviation > 0
          ? deviation / (1.253314 * meanDeviation)
          : 0;
    scores[i] = score;
    if (Math.abs(score) > threshold) outliers.push(i);
  }
  return { median: centre, mad, scores, outliers: Int32Array.from(outliers) };
}

/** Throws unless `counts` are non-negative finite numbers with a positive total. */
function checkCounts(counts: ArrayLike<number>, what: string): void {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (!(Number.isFinite(count) && count >= 0)) {
      throw new RunnerInputError(`${what}: count ${i} is ${count}, not a non-negative number`);
    }
    total += count;
  }
  if (!(total > 0)) throw new RunnerInputError(`${what} needs counts with a positive total`);
}

export interface Entropy {
  /** Shannon entropy of the count proportions, in bits. */
  bits: number;
  /** bits / log2(k) for the k categories given (zero counts included): 1 is perfectly even. */
  normalized: number | null;
}

/**
 * Shannon entropy of a distribution given by counts (categories with zero count contribute
 * nothing). `normalized` divides by the maximum log2(k) over all k categories given, so a
 * label absent from the data lowers it; it is null for a single category, where it is 0/0.
 */
export function entropy(counts: ArrayLike<number>): Entropy {
  checkCounts(counts, 'entropy');
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  let bits = 0;
  for (let i = 0; i < counts.length; i++) {
    const p = counts[i]! / total;
    if (p > 0) bits -= p * Math.log2(p);
  }
  return { bits, normalized: counts.length > 1 ? bits / Math.log2(counts.length) : null };
}

/**
 * The largest count over the smallest non-zero count (1 is balanced). Categories with no items
 * are left out, as the ratio would be infinite; report them separately.
 */
export function imbalanceRatio(counts: ArrayLike<number>): number {
  checkCounts(counts, 'imbalanceRatio');
  let largest = 0;
  let smallest = Infinity;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count > largest) largest = count;
    if (count > 0 && count < smallest) smallest = count;
  }
  return largest / smallest;
}
