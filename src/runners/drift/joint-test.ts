// Has the joint distribution of the features moved? Maximum mean discrepancy with a
// permutation test, on standardised features (so no feature weighs more for its units),
// on seeded subsamples (its cost grows with the square of the rows).
import { maximumMeanDiscrepancy } from '../stats/mmd.ts';
import { forkRandom } from '../stats/random.ts';
import type { FeatureSet } from './feature-set.ts';

export interface JointTest {
  mmd2: number;
  pValue: number;
  permutations: number;
  /** σ of the Gaussian kernel on the standardised features. */
  bandwidth: number;
  /** The features used: those that vary in the pooled subsample. */
  features: string[];
  /** Features left out because they are constant in the pooled subsample. */
  constantFeatures: string[];
  /** Complete rows (no missing value) per side, and how many of them were used. */
  rows: { reference: number; dataset: number; referenceUsed: number; datasetUsed: number };
}

/** Indices of the rows with a value for every feature. */
function completeRows(set: FeatureSet, features: readonly string[]): number[] {
  const columns = features.map((name) => set.columns[set.names.indexOf(name)]!);
  const rows: number[] = [];
  for (let i = 0; i < set.rows; i++) {
    if (columns.every((column) => !Number.isNaN(column[i]!))) rows.push(i);
  }
  return rows;
}

/** At most `max` of `rows`, drawn without replacement by the seeded stream, in row order. */
function subsample(rows: number[], max: number, seed: number, label: string): number[] {
  if (rows.length <= max) return rows;
  const shuffled = [...rows];
  forkRandom(seed, label).shuffle(shuffled);
  return shuffled.slice(0, max).sort((a, b) => a - b);
}

/**
 * The MMD permutation test between the complete rows of the two sets over `features`, each
 * side subsampled to `maxRows` (streams "mmd-subsample-reference" / "-dataset" of the seed),
 * each feature standardised by the mean and standard deviation of the pooled subsample.
 * Null when a side has fewer than 2 complete rows or no feature varies.
 */
export async function testJointly(
  reference: FeatureSet,
  dataset: FeatureSet,
  features: readonly string[],
  options: { permutations: number; maxRows: number; seed: number; signal?: AbortSignal },
): Promise<JointTest | null> {
  const completeRef = completeRows(reference, features);
  const completeData = completeRows(dataset, features);
  const refRows = subsample(completeRef, options.maxRows, options.seed, 'mmd-subsample-reference');
  const dataRows = subsample(completeData, options.maxRows, options.seed, 'mmd-subsample-dataset');
  if (refRows.length < 2 || dataRows.length < 2) return null;
  const used: string[] = [];
  const constant: string[] = [];
  const scaled: Array<[Float64Array, Float64Array]> = [];
  for (const name of features) {
    const x = Float64Array.from(
      refRows,
      (i) => reference.columns[reference.names.indexOf(name)]![i]!,
    );
    const y = Float64Array.from(dataRows, (i) => dataset.columns[dataset.names.indexOf(name)]![i]!);
    let sum = 0;
    for (const v of x) sum += v;
    for (const v of y) sum += v;
    const centre = sum / (x.length + y.length);
    let squares = 0;
    for (const v of x) squares += (v - centre) ** 2;
    for (const v of y) squares += (v - centre) ** 2;
    const spread = Math.sqrt(squares / (x.length + y.length));
    if (!(spread > 0)) {
      constant.push(name);
      continue;
    }
    used.push(name);
    scaled.push([x.map((v) => (v - centre) / spread), y.map((v) => (v - centre) / spread)]);
  }
  if (used.length === 0) return null;
  const d = used.length;
  const rowMajor = (side: 0 | 1, rows: number) => {
    const out = new Float64Array(rows * d);
    scaled.forEach((pair, j) => {
      pair[side].forEach((v, i) => {
        out[i * d + j] = v;
      });
    });
    return out;
  };
  const result = await maximumMeanDiscrepancy({
    x: rowMajor(0, refRows.length),
    y: rowMajor(1, dataRows.length),
    dimension: d,
    permutations: options.permutations,
    seed: options.seed,
    signal: options.signal,
  });
  return {
    mmd2: result.mmd2,
    pValue: result.pValue,
    permutations: result.permutations,
    bandwidth: result.bandwidth,
    features: used,
    constantFeatures: constant,
    rows: {
      reference: completeRef.length,
      dataset: completeData.length,
      referenceUsed: refRows.length,
      datasetUsed: dataRows.length,
    },
  };
}
