// Maximum mean discrepancy (Gretton et al. 2012, "A Kernel Two-Sample Test"): do two sets of
// feature vectors (e.g. embeddings of a reference and a production dataset) come from the same
// distribution? Sensitive to any difference, not just of means, in any number of dimensions.
import { RunnerInputError } from '../input-error.ts';
import { forkRandom } from './random.ts';
import { turnTaker } from './turns.ts';

/**
 * The most rows both samples may have together. The kernel matrix is (n+m)² doubles and the
 * bandwidth needs half as many again: about 300 MB here, and 1000 permutations of two samples
 * of 2500 take some 10 s. Subsample larger sets first (with forkRandom, to stay reproducible).
 */
export const MAX_MMD_ROWS = 5000;

export interface MmdOptions {
  /** The first sample: n rows of `dimension` features, row-major. */
  x: Float64Array;
  /** The second sample: m rows of `dimension` features, row-major. */
  y: Float64Array;
  dimension: number;
  permutations?: number;
  /** The run's seed; the stream is forked under the label "mmd-permutations". */
  seed: number;
  /** Checked between permutations, which give the event loop a turn every 50 ms. */
  signal?: AbortSignal;
}

export interface MmdResult {
  /** The unbiased estimate of MMD² (may be slightly negative when the samples agree). */
  mmd2: number;
  /** σ of the Gaussian kernel exp(-|a-b|² / (2σ²)). */
  bandwidth: number;
  /** Permutation p-value, (1 + #{permuted MMD² >= observed}) / (permutations + 1). */
  pValue: number;
  permutations: number;
}

/** The number of rows of a sample, after checking its shape and that its values are finite. */
function checkSample(values: Float64Array, dimension: number, name: string): number {
  if (values.length % dimension !== 0) {
    throw new RunnerInputError(
      `sample ${name} has ${values.length} numbers, not a whole number of ${dimension}-feature rows`,
    );
  }
  const rows = values.length / dimension;
  if (rows < 2) throw new RunnerInputError(`sample ${name} needs at least 2 rows, got ${rows}`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RunnerInputError(
        `sample ${name}: feature ${i % dimension} of row ${Math.floor(i / dimension)} is ${values[i]}`,
      );
    }
  }
  return rows;
}

/** Squared Euclidean distances between all rows of the pooled sample, as an N x N matrix. */
function squaredDistances(pooled: Float64Array, rows: number, dimension: number): Float64Array {
  const distances = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = i + 1; j < rows; j++) {
      let sum = 0;
      for (let f = 0; f < dimension; f++) {
        const difference = pooled[i * dimension + f]! - pooled[j * dimension + f]!;
        sum += difference * difference;
      }
      distances[i * rows + j] = sum;
      distances[j * rows + i] = sum;
    }
  }
  return distances;
}

/**
 * The median heuristic: σ = the median of the Euclidean distances between distinct rows of the
 * pooled sample (np.median: the mean of the two middle ones for an even count). When that is 0
 * (over half the pairs coincide), the median of the non-zero distances; 0 if all rows coincide.
 */
function medianBandwidth(distances: Float64Array, rows: number): number {
  const pairs = new Float64Array((rows * (rows - 1)) / 2);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = i + 1; j < rows; j++) pairs[k++] = Math.sqrt(distances[i * rows + j]!);
  }
  pairs.sort();
  const middle = (from: number): number => {
    const count = pairs.length - from;
    const half = from + (count >> 1);
    return count % 2 === 1 ? pairs[half]! : (pairs[half - 1]! + pairs[half]!) / 2;
  };
  const median = middle(0);
  if (median > 0) return median;
  const firstPositive = pairs.findIndex((d) => d > 0);
  return firstPositive < 0 ? 0 : middle(firstPositive);
}

/**
 * Σ K[i][j] over ordered pairs i ≠ j of `members` (ascending indices). Summing in index order
 * makes equal sets give bitwise-equal sums, so a permutation equal to the observed split ties
 * with it exactly.
 */
function withinSum(kernel: Float64Array, rows: number, members: Int32Array): number {
  let sum = 0;
  for (let a = 0; a < members.length; a++) {
    const row = members[a]! * rows;
    for (let b = a + 1; b < members.length; b++) sum += kernel[row + members[b]!]!;
  }
  return 2 * sum;
}

/**
 * MMD² (unbiased, U-statistic) between samples x and y with a Gaussian RBF kernel
 * k(a, b) = exp(-|a-b|² / (2σ²)), σ by the median heuristic on the pooled sample, and a
 * permutation test: the pooled rows are split at random into groups of the original sizes
 * `permutations` times. The kernel matrix is computed once (O((n+m)² d)); each permutation
 * costs O(min(n, m)²) because all the sums it needs follow from the within-group sum of the
 * smaller group, the kernel's row sums and its total.
 */
export async function maximumMeanDiscrepancy(options: MmdOptions): Promise<MmdResult> {
  const { x, y, dimension, permutations = 1000, seed, signal } = options;
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw new RunnerInputError(`feature dimension must be a positive integer, got ${dimension}`);
  }
  if (!Number.isInteger(permutations) || permutations < 1) {
    throw new RunnerInputError(`permutations must be a positive integer, got ${permutations}`);
  }
  const n = checkSample(x, dimension, 'x');
  const m = checkSample(y, dimension, 'y');
  const rows = n + m;
  if (rows > MAX_MMD_ROWS) {
    throw new RunnerInputError(
      `MMD takes at most ${MAX_MMD_ROWS} rows in both samples together, got ${rows}; subsample first`,
    );
  }
  const pooled = new Float64Array(rows * dimension);
  pooled.set(x);
  pooled.set(y, x.length);
  const kernel = squaredDistances(pooled, rows, dimension);
  const bandwidth = medianBandwidth(kernel, rows);
  if (bandwidth === 0) return { mmd2: 0, bandwidth, pValue: 1, permutations };

  const scale = -1 / (2 * bandwidth * bandwidth);
  const rowSums = new Float64Array(rows);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rows; j++) {
      const value = i === j ? 1 : Math.exp(kernel[i * rows + j]! * scale);
      kernel[i * rows + j] = value;
      if (i !== j) rowSums[i]! += value;
    }
    total += rowSums[i]!;
  }

  // The statistic is symmetric in the two samples, so the smaller one is group A.
  const small = Math.min(n, m);
  const large = rows - small;
  const statistic = (members: Int32Array): number => {
    const within = withinSum(kernel, rows, members);
    let rowTotal = 0;
    for (let a = 0; a < members.length; a++) rowTotal += rowSums[members[a]!]!;
    const cross = rowTotal - within;
    const otherWithin = total - within - 2 * cross;
    return (
      within / (small * (small - 1)) +
      otherWithin / (large * (large - 1)) -
      (2 * cross) / (small * large)
    );
  };

  const observedMembers = new Int32Array(small);
  const offset = small === n ? 0 : n;
  for (let a = 0; a < small; a++) observedMembers[a] = offset + a;
  const mmd2 = statistic(observedMembers);

  const random = forkRandom(seed, 'mmd-permutations');
  const labels = new Uint8Array(rows);
  labels.fill(1, 0, small);
  const members = new Int32Array(small);
  let extreme = 0;
  const takeTurn = turnTaker(signal);
  for (let p = 0; p < permutations; p++) {
    await takeTurn();
    random.shuffle(labels);
    let k = 0;
    for (let i = 0; i < rows; i++) if (labels[i] === 1) members[k++] = i;
    if (statistic(members) >= mmd2) extreme++;
  }
  return { mmd2, bandwidth, pValue: (extreme + 1) / (permutations + 1), permutations };
}
