// Nonparametric bootstrap over items: confidence intervals for any statistic of per-item data
// (accuracy, macro F1, ECE, ...) and a paired test of two systems scored on the same items.
// Resampling works on item indices so one routine serves statistics of any shape.
import { RunnerInputError } from '../input-error.ts';
import { quantileOfSorted } from './descriptive.ts';
import { forkRandom, type Random } from './random.ts';
import { turnTaker } from './turns.ts';

export interface BootstrapOptions {
  /** The number of items. */
  size: number;
  /**
   * The statistic of the items at `indices` (with repeats). The array is reused between calls:
   * read it, do not keep it.
   */
  statistic: (indices: Int32Array) => number;
  resamples?: number;
  /** The confidence level, e.g. 0.95. */
  level?: number;
  /** The run's seed; the stream is forked under the label "bootstrap". */
  seed: number;
}

export interface BootstrapInterval {
  /** The statistic on the items as given. */
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  resamples: number;
}

function checkResampling(resamples: number, level: number): void {
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RunnerInputError(`bootstrap resamples must be a positive integer, got ${resamples}`);
  }
  if (!(level > 0 && level < 1)) {
    throw new RunnerInputError(`confidence level must be between 0 and 1, got ${level}`);
  }
}

/** Fills `indices` with a uniform draw with replacement from 0..length-1. */
function resample(indices: Int32Array, random: Random): void {
  const n = indices.length;
  for (let i = 0; i < n; i++) indices[i] = random.int(n);
}

/** The percentile interval: the (1-level)/2 and (1+level)/2 quantiles of the replicates. */
function percentileInterval(replicates: Float64Array, level: number): [number, number] {
  replicates.sort();
  return [
    quantileOfSorted(replicates, (1 - level) / 2),
    quantileOfSorted(replicates, (1 + level) / 2),
  ];
}

/**
 * A bootstrap confidence interval for `statistic` by the percentile method: the quantiles of
 * the statistic over `resamples` resamples of the items with replacement, interpolated as
 * np.quantile does (scipy.stats.bootstrap's method='percentile' does the same). Percentile
 * rather than BCa: it needs no jackknife (n more statistic calls, costly for n = 50k) and is
 * what evaluation reports usually mean by a bootstrap CI; it can under-cover for small n or a
 * skewed statistic.
 */
export function bootstrapInterval(options: BootstrapOptions): BootstrapInterval {
  const run = startBootstrap(options);
  for (let r = 0; r < run.resamples; r++) run.step(r);
  return run.interval();
}

/**
 * A bootstrap under way: the estimate on all items, then one resample per `step`, then the
 * percentile interval. The sync and async versions differ only in how they call `step`.
 */
function startBootstrap(options: BootstrapOptions) {
  const { size, statistic, resamples = 1000, level = 0.95, seed } = options;
  checkResampling(resamples, level);
  if (!Number.isInteger(size) || size < 1) {
    throw new RunnerInputError(`bootstrap needs at least one item, got size ${size}`);
  }
  const indices = new Int32Array(size);
  for (let i = 0; i < size; i++) indices[i] = i;
  const estimate = statistic(indices);
  const random = forkRandom(seed, 'bootstrap');
  const replicates = new Float64Array(resamples);
  return {
    resamples,
    step(r: number) {
      resample(indices, random);
      const value = statistic(indices);
      if (!Number.isFinite(value)) {
        throw new Error(`bootstrap statistic returned ${value} on resample ${r}`);
      }
      replicates[r] = value;
    },
    interval(): BootstrapInterval {
      const [lower, upper] = percentileInterval(replicates, level);
      return { estimate, lower, upper, level, resamples };
    },
  };
}

export interface AsyncBootstrapOptions extends BootstrapOptions {
  signal?: AbortSignal;
  /** Called after each resample with how many are done. */
  onResample?: (done: number) => void;
}

/**
 * bootstrapInterval for costly statistics (COCO AP of thousands of images): the same interval
 * for the same seed, but it gives the event loop a turn every 50 ms, so a bootstrap of minutes
 * neither starves a run's lease renewal nor misses its cancellation (`signal`).
 */
export async function bootstrapIntervalAsync(
  options: AsyncBootstrapOptions,
): Promise<BootstrapInterval> {
  const run = startBootstrap(options);
  const takeTurn = turnTaker(options.signal);
  for (let r = 0; r < run.resamples; r++) {
    await takeTurn();
    run.step(r);
    options.onResample?.(r + 1);
  }
  return run.interval();
}

export interface PairedBootstrapOptions {
  /** System A's score per item. */
  a: Float64Array;
  /** System B's score on the same items, in the same order. */
  b: Float64Array;
  resamples?: number;
  level?: number;
  seed: number;
}

export interface PairedBootstrapResult {
  /** mean(a - b). */
  meanDifference: number;
  /** Percentile interval of the mean difference. */
  lower: number;
  upper: number;
  /** Two-sided p-value for "the mean difference is 0" (see pairedBootstrap). */
  pValue: number;
  level: number;
  resamples: number;
}

/**
 * A paired bootstrap comparison of two systems scored on the same items: the mean of the
 * per-item differences d = a - b, its percentile interval, and a two-sided p-value by the
 * shifted bootstrap: the replicates' deviations from the observed mean, m* - mean(d), stand in
 * for the null distribution of the mean, so
 *   p = (1 + #{ |m* - mean(d)| >= |mean(d)| }) / (resamples + 1),
 * which is never 0 (the observed sample counts as one draw; Davison & Hinkley 1997, ch. 4).
 */
export function pairedBootstrap(options: PairedBootstrapOptions): PairedBootstrapResult {
  const { a, b, resamples = 1000, level = 0.95, seed } = options;
  checkResampling(resamples, level);
  if (a.length !== b.length) {
    throw new RunnerInputError(
      `paired bootstrap needs scores of the same items: ${a.length} scores for A, ${b.length} for B`,
    );
  }
  const n = a.length;
  if (n === 0) throw new RunnerInputError('paired bootstrap needs at least one item');
  const differences = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (!Number.isFinite(d)) {
      throw new RunnerInputError(`paired bootstrap: item ${i} has scores ${a[i]} and ${b[i]}`);
    }
    differences[i] = d;
    sum += d;
  }
  const meanDifference = sum / n;
  const random = forkRandom(seed, 'paired-bootstrap');
  const indices = new Int32Array(n);
  const replicates = new Float64Array(resamples);
  let extreme = 0;
  for (let r = 0; r < resamples; r++) {
    resample(indices, random);
    let total = 0;
    for (let i = 0; i < n; i++) total += differences[indices[i]!]!;
    const replicate = total / n;
    replicates[r] = replicate;
    if (Math.abs(replicate - meanDifference) >= Math.abs(meanDifference)) extreme++;
  }
  const [lower, upper] = percentileInterval(replicates, level);
  return {
    meanDifference,
    lower,
    upper,
    pValue: (extreme + 1) / (resamples + 1),
    level,
    resamples,
  };
}
