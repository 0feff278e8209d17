// Percentile bootstrap intervals of many statistics at once, all computed on the same
// resamples of the items: one draw of indices per resample serves every metric, which makes
// the intervals of one report consistent with each other and costs one pass per resample
// rather than one per metric.
import { RunnerInputError } from '../contract.ts';
import { quantileOfSorted } from '../stats/descriptive.ts';
import { forkRandom } from '../stats/random.ts';
import { turnTaker } from '../stats/turns.ts';

export interface JointBootstrapOptions {
  /** The number of items. */
  size: number;
  /** The number of statistics. */
  statistics: number;
  /**
   * Writes statistic s of the items at `indices` (with repeats) to out[s]. Both arrays are
   * reused between calls.
   */
  evaluate: (indices: Int32Array, out: Float64Array) => void;
  resamples: number;
  level: number;
  seed: number;
  signal?: AbortSignal;
}

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * The percentile interval of each statistic over `resamples` resamples of the items with
 * replacement. The resamples are drawn from forkRandom(seed, 'bootstrap') exactly as
 * stats/bootstrap.ts's bootstrapInterval draws them, and the quantiles are interpolated the
 * same way, so each interval equals what bootstrapInterval gives for that statistic alone.
 * A statistic may be NaN on a resample where it is undefined: its interval is then taken over
 * the resamples that define it (NaN bounds when none does).
 * It gives the event loop a turn every 50 ms, so a long bootstrap (a million items) neither
 * starves the run's lease renewal nor misses its cancellation.
 */
export async function jointBootstrapIntervals(options: JointBootstrapOptions): Promise<Interval[]> {
  const { size, statistics, resamples, level, seed, signal } = options;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RunnerInputError(`bootstrap resamples must be a positive integer, got ${resamples}`);
  }
  if (!(level > 0 && level < 1)) {
    throw new RunnerInputError(`confidence level must be between 0 and 1, got ${level}`);
  }
  const random = forkRandom(seed, 'bootstrap');
  const indices = new Int32Array(size);
  const row = new Float64Array(statistics);
  // Statistic-major, so each statistic's replicates are one contiguous run to sort.
  const replicates = new Float64Array(statistics * resamples);
  const takeTurn = turnTaker(signal);
  for (let r = 0; r < resamples; r++) {
    await takeTurn();
    for (let i = 0; i < size; i++) indices[i] = random.int(size);
    options.evaluate(indices, row);
    for (let s = 0; s < statistics; s++) {
      const value = row[s]!;
      // NaN: the statistic is undefined on this resample, which then says nothing of it.
      if (!Number.isFinite(value) && !Number.isNaN(value)) {
        throw new Error(`bootstrap statistic ${s} is ${value} on resample ${r}`);
      }
      replicates[s * resamples + r] = value;
    }
  }
  const intervals: Interval[] = [];
  for (let s = 0; s < statistics; s++) {
    const all = replicates.subarray(s * resamples, (s + 1) * resamples).sort();
    // A typed array sorts NaN last: the defined replicates are the run before them.
    let defined = all.length;
    while (defined > 0 && Number.isNaN(all[defined - 1]!)) defined--;
    const sorted = all.subarray(0, defined);
    intervals.push(
      defined === 0
        ? { lower: Number.NaN, upper: Number.NaN }
        : {
            lower: quantileOfSorted(sorted, (1 - level) / 2),
            upper: quantileOfSorted(sorted, (1 + level) / 2),
          },
    );
  }
  return intervals;
}
