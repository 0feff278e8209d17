// The drift runner on tables and image folders built for the purpose: one feature (or the
// labels) is shifted, the rest not. KS / Cramér-von Mises statistics, p-values and their
// corrections, the label chi-square and MMD are checked against scipy 1.17.1 / numpy 2.4.6
// (snippets beside the values), or worked out by hand for fully separated samples.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedInput } from '../../src/runners/contract.ts';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { driftRunner } from '../../src/runners/drift/index.ts';
import { tempFolder } from '../support/files.ts';
import { type ImageSpec, writeImageFolder } from '../support/image-datasets.ts';
import { linearImageClassifier, onnxModel, writeModel } from '../support/onnx-models.ts';
import { type Emitted, metricOf, resolvedInput, runRunner } from '../support/runner-harness.ts';

const temp = tempFolder();
afterAll(() => temp.remove());

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const remove of cleanup) remove();
  cleanup = [];
});

/** Asserts |actual - expected| <= tolerance * |expected|. */
function expectRelative(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tolerance);
}

// Feature x of the dataset is shifted by about 1.5 standard deviations; z is not. No value
// repeats within a feature, so no test sees ties. Labels: 10 cat, 10 dog on both sides.
const xr = [
  10.0, 10.3, 9.73, 9.11, 9.55, 9.01, 10.06, 11.34, 9.51, 9.38, 10.49, 10.36, 10.11, 9.07, 9.97,
  10.7, 8.66, 9.54, 8.1, 8.71,
];
const zr = [
  -1.84, -0.24, -1.27, 0.27, 0.16, -0.19, -2.52, -0.54, -0.05, 0.11, -1.53, -0.48, -0.98, -0.81,
  1.06, -0.82, -0.03, 0.88, -0.58, -0.11,
];
const xd = [
  11.61, 11.56, 10.27, 11.58, 12.86, 9.95, 12.36, 11.62, 10.86, 13.5, 12.26, 10.33, 11.57, 12.08,
  11.31, 12.18, 11.43, 12.17, 12.94, 10.82,
];
const zd = [
  0.2, -0.46, 0.13, -1.19, -0.57, -0.2, 0.9, 1.15, -1.32, -0.79, 0.65, -1.99, -0.47, -0.1, 1.26,
  0.69, -0.33, -0.37, -0.25, 1.52,
];
const label = (i: number) => (i % 2 === 0 ? 'cat' : 'dog');

// from scipy import stats; import numpy as np   (scipy 1.17.1, numpy 2.4.6; method 'auto':
// exact KS, and exact CvM as neither sample has more than 20 values)
// ks_x, cvm_x = stats.ks_2samp(xr, xd), stats.cramervonmises_2samp(xr, xd)
// ks_z, cvm_z = stats.ks_2samp(zr, zd), stats.cramervonmises_2samp(zr, zd)
// -> ks_x 0.8, 1.3259673752008224e-06     cvm_x 2.5325000000000006, 6.336031871651158e-08
// -> ks_z 0.25, 0.571336004933722         cvm_z 0.16999999999999993, 0.3507072144930635
// p = np.array([ks_x.pvalue, cvm_x.pvalue, ks_z.pvalue, cvm_z.pvalue]); o = np.argsort(p)
// holm = np.empty(4); holm[o] = np.minimum(1, np.maximum.accumulate((4 - np.arange(4)) * p[o]))
// -> [3.977902125602467e-06, 2.5344127486604634e-07, 0.701414428986127, 0.701414428986127]
// stats.false_discovery_control(p, method='bh')
// -> [2.651934750401645e-06, 2.5344127486604634e-07, 0.571336004933722, 0.4676096193240847]
// np.median(xd) - np.median(xr) -> 11.595 - 9.64 = 1.955
const SCIPY = {
  x: {
    ks: [0.8, 1.3259673752008224e-6],
    cvm: [2.5325000000000006, 6.336031871651158e-8],
    holm: [3.977902125602467e-6, 2.5344127486604634e-7],
    bh: [2.651934750401645e-6, 2.5344127486604634e-7],
  },
  z: {
    ks: [0.25, 0.571336004933722],
    cvm: [0.16999999999999993, 0.3507072144930635],
    holm: [0.701414428986127, 0.701414428986127],
    bh: [0.571336004933722, 0.4676096193240847],
  },
} as const;

function writeCsv(name: string, columns: Record<string, ReadonlyArray<number | string>>): string {
  const names = Object.keys(columns);
  const rows = columns[names[0]!]!.map((_, i) => names.map((n) => columns[n]![i]).join(','));
  const path = join(temp.path, name);
  writeFileSync(path, `${names.join(',')}\n${rows.join('\n')}\n`);
  return path;
}

function writeJsonl(name: string, records: ReadonlyArray<Record<string, unknown>>): string {
  const path = join(temp.path, name);
  writeFileSync(path, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return path;
}

const labels20 = Array.from({ length: 20 }, (_, i) => label(i));
const referenceCsv = () => writeCsv('reference.csv', { x: xr, z: zr, label: labels20 });
const datasetCsv = () => writeCsv('dataset.csv', { x: xd, z: zd, label: labels20 });

function pair(referencePath: string, datasetPath: string, format: string): ResolvedInput[] {
  return [
    resolvedInput('reference', 'DATASET_VERSION', referencePath, format),
    resolvedInput('dataset', 'DATASET_VERSION', datasetPath, format),
  ];
}

async function drift(inputs: ResolvedInput[], config: unknown = {}, seed = 1) {
  const emitted = await runRunner(driftRunner, { inputs, config, seed });
  cleanup.push(emitted.cleanup);
  return emitted;
}

/** The error a run fails with. */
async function failure(inputs: ResolvedInput[], config: unknown = {}): Promise<Error> {
  try {
    await drift(inputs, config);
  } catch (error) {
    return error as Error;
  }
  throw new Error('the run did not fail');
}

interface DriftedFeature {
  feature: string;
  ksStatistic: number;
  ksPValue: number;
  ksAdjustedPValue: number;
  cvmStatistic: number;
  cvmPValue: number;
  cvmAdjustedPValue: number;
  referenceMedian: number;
  datasetMedian: number;
  medianDifference: number;
}

const driftedOf = (emitted: Emitted) =>
  emitted.findings.flatMap(
    (f) => (f.evidence?.driftedFeatures as DriftedFeature[] | undefined) ?? [],
  );

function report(emitted: Emitted) {
  const artifact = emitted.artifacts.find((a) => a.name === 'drift.json')!;
  return JSON.parse(new TextDecoder().decode(artifact.bytes));
}

/** Checks each feature's tests against scipy, with the adjusted p-values of `correction`. */
function expectScipyTests(emitted: Emitted, correction: 'holm' | 'bh'): void {
  for (const feature of ['x', 'z'] as const) {
    const slice = { feature };
    const expected = SCIPY[feature];
    expect(metricOf(emitted, 'ks_statistic', slice).value).toBe(expected.ks[0]);
    expectRelative(metricOf(emitted, 'ks_p_value', slice).value, expected.ks[1], 1e-10);
    expect(metricOf(emitted, 'cvm_statistic', slice).value).toBeCloseTo(expected.cvm[0], 13);
    expectRelative(metricOf(emitted, 'cvm_p_value', slice).value, expected.cvm[1], 1e-10);
    const adjusted = expected[correction];
    expectRelative(metricOf(emitted, 'ks_p_value_adjusted', slice).value, adjusted[0], 1e-10);
    expectRelative(metricOf(emitted, 'cvm_p_value_adjusted', slice).value, adjusted[1], 1e-10);
    expect(metricOf(emitted, 'ks_statistic', slice).sampleSize).toBe(40);
  }
}

describe('drift on tables', () => {
  it('flags the shifted column with the KS and CvM results scipy gives, and not the other', async () => {
    const emitted = await drift(pair(referenceCsv(), datasetCsv(), 'CSV'));

    expectScipyTests(emitted, 'holm');
    expect(metricOf(emitted, 'drifted_features').value).toBe(1);
    expect(metricOf(emitted, 'median_difference', { feature: 'x' }).value).toBeCloseTo(1.955, 12);

    // The labels have the same mix (10 / 10) on both sides: nothing to report.
    expect(metricOf(emitted, 'label_chi2').value).toBe(0);
    expect(metricOf(emitted, 'label_chi2_p_value').value).toBe(1);

    expect(emitted.findings).toHaveLength(1);
    const [finding] = emitted.findings;
    // KS 0.8 is past LARGE_KS_STATISTIC (0.3).
    expect(finding).toMatchObject({
      kind: 'DRIFT',
      severity: 'HIGH',
      subjectRole: 'dataset',
      title: '1 of 2 features drifted (x)',
      evidence: { alpha: 0.05, correction: 'holm', extractor: 'table', featuresTested: 2 },
    });
    const [x, ...others] = driftedOf(emitted);
    expect(others).toEqual([]);
    expect(x).toMatchObject({ feature: 'x', ksStatistic: 0.8, referenceMedian: 9.64 });
    expectRelative(x!.ksAdjustedPValue, SCIPY.x.holm[0], 1e-10);
    expectRelative(x!.cvmAdjustedPValue, SCIPY.x.holm[1], 1e-10);
    expect(x!.datasetMedian).toBeCloseTo(11.595, 12);
    expect(finding!.summary).toContain('x moved by 1.95 at the median');
  });

  it('adjusts by Benjamini-Hochberg when asked, reading JSONL as CSV', async () => {
    const records = (x: number[], z: number[]) =>
      x.map((v, i) => ({ x: v, z: z[i], label: label(i) }));
    const emitted = await drift(
      pair(
        writeJsonl('reference.jsonl', records(xr, zr)),
        writeJsonl('dataset.jsonl', records(xd, zd)),
        'JSONL',
      ),
      { correction: 'benjamini-hochberg' },
    );

    expectScipyTests(emitted, 'bh');
    expect(driftedOf(emitted).map((d) => d.feature)).toEqual(['x']);
    expect(emitted.findings[0]!.evidence).toMatchObject({ correction: 'benjamini-hochberg' });
  });

  it('finds no drift between identical data', async () => {
    const path = referenceCsv();
    const emitted = await drift(pair(path, path, 'CSV'));

    expect(emitted.findings).toEqual([]);
    expect(metricOf(emitted, 'drifted_features').value).toBe(0);
    for (const feature of ['x', 'z']) {
      expect(metricOf(emitted, 'ks_statistic', { feature }).value).toBe(0);
      expect(metricOf(emitted, 'ks_p_value_adjusted', { feature }).value).toBe(1);
    }
    expect(metricOf(emitted, 'mmd_p_value').value).toBeGreaterThan(0.5);
  });

  it('flags a shift in the label mix with the chi-square scipy gives', async () => {
    // 60 rows a side with the same feature values; labels a/b/c 20/20/20 against 35/15/10.
    const labelsOf = (counts: Record<string, number>) =>
      Object.entries(counts).flatMap(([name, count]) => new Array<string>(count).fill(name));
    const records = (labels: string[]) => labels.map((species, i) => ({ score: i, species }));
    const metadata = { labelField: 'species' };
    const inputs = [
      resolvedInput(
        'reference',
        'DATASET_VERSION',
        writeJsonl('labels-reference.jsonl', records(labelsOf({ a: 20, b: 20, c: 20 }))),
        'JSONL',
        { metadata },
      ),
      resolvedInput(
        'dataset',
        'DATASET_VERSION',
        writeJsonl('labels-dataset.jsonl', records(labelsOf({ a: 35, b: 15, c: 10 }))),
        'JSONL',
        { metadata },
      ),
    ];
    const emitted = await drift(inputs);

    // from scipy import stats   (scipy 1.17.1)
    // stats.chi2_contingency([[20, 20, 20], [35, 15, 10]], correction=False)
    // -> statistic 8.13852813852814, pvalue 0.017089960908217516, dof 2
    const chi2 = metricOf(emitted, 'label_chi2');
    expectRelative(chi2.value, 8.13852813852814, 1e-12);
    expect(chi2.sampleSize).toBe(120);
    expectRelative(metricOf(emitted, 'label_chi2_p_value').value, 0.017089960908217516, 1e-10);
    expect(metricOf(emitted, 'drifted_features').value).toBe(0);

    expect(emitted.findings).toHaveLength(1);
    const [finding] = emitted.findings;
    // Shares 1/3 each against 35/60, 15/60, 10/60: total variation (0.25 + 1/12 + 1/6) / 2 = 0.25.
    expect(finding).toMatchObject({
      kind: 'DRIFT',
      severity: 'HIGH',
      subjectRole: 'dataset',
      title: 'The label distribution drifted (chi-square p = 0.017)',
      evidence: { dof: 2, alpha: 0.05 },
    });
    expect(finding!.evidence!.totalVariation).toBeCloseTo(0.25, 14);
    expect(finding!.evidence!.labels).toEqual([
      { label: 'a', reference: 20, dataset: 35, referenceShare: 1 / 3, datasetShare: 35 / 60 },
      { label: 'b', reference: 20, dataset: 15, referenceShare: 1 / 3, datasetShare: 15 / 60 },
      { label: 'c', reference: 20, dataset: 10, referenceShare: 1 / 3, datasetShare: 10 / 60 },
    ]);
  });
});

describe('drift MMD', () => {
  // import numpy as np   (numpy 2.4.6); columns as in the table test
  // def mmd(ref_cols, data_cols, perms, seed=0):
  //     r, d = np.array(ref_cols, float).T, np.array(data_cols, float).T
  //     z = np.vstack([r, d]); z = (z - z.mean(0)) / z.std(0); n, m = len(r), len(d)
  //     d2 = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
  //     sigma = np.median(np.sqrt(d2[np.triu_indices(n + m, 1)]))
  //     k = np.exp(-d2 / (2 * sigma ** 2))
  //     def stat(i):
  //         a, b = i[:n], i[n:]; kxx, kyy = k[np.ix_(a, a)], k[np.ix_(b, b)]
  //         return ((kxx.sum() - np.trace(kxx)) / (n * (n - 1))
  //                 + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * k[np.ix_(a, b)].mean())
  //     obs = stat(np.arange(n + m)); rng = np.random.default_rng(seed)
  //     return sigma, obs, np.mean([stat(rng.permutation(n + m)) >= obs for _ in range(perms)])
  // mmd([xr, zr], [xd, zd], 2000) -> 1.817105709161606, 0.3629771755547062, 0.0
  // mmd([zr], [zd], 20000)        -> 0.9765617229144274, -0.013078869085993983, 0.5326
  it('matches numpy on standardised features, and gives a shifted sample the smallest p', async () => {
    const emitted = await drift(pair(referenceCsv(), datasetCsv(), 'CSV'));

    const mmd2 = metricOf(emitted, 'mmd2');
    expect(mmd2.value).toBeCloseTo(0.3629771755547062, 12);
    expect(mmd2.sampleSize).toBe(40);
    // No permutation of 2000 in numpy reached the observed value; with 1000 here the p-value
    // is (0 + 1) / (1000 + 1).
    expect(metricOf(emitted, 'mmd_p_value').value).toBe(1 / 1001);
    const { mmd } = report(emitted);
    expect(mmd.bandwidth).toBeCloseTo(1.817105709161606, 12);
    expect(mmd.features).toEqual(['x', 'z']);
    expect(driftedOf(emitted)).toHaveLength(1);
    expect(emitted.findings[0]!.evidence!.mmd).toMatchObject({
      pValue: 1 / 1001,
      permutations: 1000,
    });
  });

  it('gives the same p-value for the same seed, near the permutation p-value numpy estimates', async () => {
    const inputs = pair(referenceCsv(), datasetCsv(), 'CSV');
    const config = { features: ['z'], mmdPermutations: 2000 };
    const first = await drift(inputs, config, 11);
    const again = await drift(inputs, config, 11);
    const other = await drift(inputs, config, 12);

    const p = (emitted: Emitted) => metricOf(emitted, 'mmd_p_value').value;
    const mmd2 = (emitted: Emitted) => metricOf(emitted, 'mmd2').value;
    expect(mmd2(first)).toBeCloseTo(-0.013078869085993983, 12);
    expect(mmd2(again)).toBe(mmd2(first));
    expect(mmd2(other)).toBe(mmd2(first));
    expect(p(again)).toBe(p(first));
    // Another seed draws other permutations (the statistic does not depend on it).
    expect(p(other)).not.toBe(p(first));
    // numpy's 20,000 permutations give 0.5326 (sd 0.0035); 2000 here have sd about 0.011.
    for (const run of [first, other]) expect(Math.abs(p(run) - 0.5326)).toBeLessThan(0.05);
    expect(first.findings).toEqual([]);
  });

  it('subsamples each side to mmdMaxRows by the seed', async () => {
    const emitted = await drift(pair(referenceCsv(), datasetCsv(), 'CSV'), { mmdMaxRows: 10 });
    expect(report(emitted).mmd.rows).toEqual({
      reference: 20,
      dataset: 20,
      referenceUsed: 10,
      datasetUsed: 10,
    });
    expect(metricOf(emitted, 'mmd2').sampleSize).toBe(20);
    // The per-feature tests still use every row.
    expect(metricOf(emitted, 'ks_statistic', { feature: 'x' }).sampleSize).toBe(40);
  });
});

// Eight images a side, four per class: grey levels 40..110 in the reference, 150..220 in the
// dataset. Noisy folders give every image its own noise pattern and widths 8, 10, 12, 14 on
// both sides (so size varies but does not drift); flat ones are 8 x 8, the embedding model's.
const LEVELS = {
  reference: [40, 50, 60, 70, 80, 90, 100, 110],
  dataset: [150, 160, 170, 180, 190, 200, 210, 220],
};
const WIDTHS = [8, 10, 12, 14];

async function greyFolder(
  name: string,
  levels: readonly number[],
  noise: number,
  seedBase: number,
): Promise<string> {
  const root = join(temp.path, name);
  const spec = (level: number, i: number): ImageSpec => ({
    colour: [level, level, level],
    width: noise ? WIDTHS[i % 4]! : 8,
    noise,
    seed: seedBase + i,
  });
  await writeImageFolder(root, {
    cat: levels.slice(0, 4).map(spec),
    dog: levels.slice(4).map((level, i) => spec(level, i + 4)),
  });
  return root;
}

describe('drift on image folders', () => {
  const folders = { noisyReference: '', noisyDataset: '', flatReference: '', flatDataset: '' };
  let modelPath = '';
  beforeAll(async () => {
    folders.noisyReference = await greyFolder('noisy-reference', LEVELS.reference, 20, 100);
    folders.noisyDataset = await greyFolder('noisy-dataset', LEVELS.dataset, 20, 200);
    folders.flatReference = await greyFolder('flat-reference', LEVELS.reference, 0, 0);
    folders.flatDataset = await greyFolder('flat-dataset', LEVELS.dataset, 0, 0);
    // Embedding dimension 0 is the mean of the 3 x 8 x 8 values on the 0..1 scale (the grey
    // level / 255 for a flat image); dimension 1 is red minus blue at the top-left pixel,
    // exactly 0 for grey (over the whole image, float32 sums would leave traces of ~1e-8).
    modelPath = writeModel(
      join(temp.path, 'embedding.onnx'),
      linearImageClassifier({
        height: 8,
        width: 8,
        classes: 2,
        weight: (channel, y, x, dimension) => {
          if (dimension === 0) return 1 / 192;
          return y === 0 && x === 0 ? [1, 0, -1][channel]! : 0;
        },
      }),
    );
  });

  // Fully separated samples of 8 and 8: of the C(16, 8) = 12870 equally likely orders under
  // the null, only this one and its mirror image are as extreme for KS (D = 1) and CvM, so both
  // p-values are 2 / 12870, as scipy gives: stats.ks_2samp(range(8), range(8, 16)).pvalue and
  // stats.cramervonmises_2samp(range(8), range(8, 16)).pvalue -> 0.0001554001554001554.
  const separated = 2 / 12870;

  it('flags brightness between dark and bright folders, not size, contrast or sharpness', async () => {
    const emitted = await drift(pair(folders.noisyReference, folders.noisyDataset, 'IMAGE_FOLDER'));

    const brightness = { feature: 'brightness' };
    expect(metricOf(emitted, 'ks_statistic', brightness).value).toBe(1);
    expectRelative(metricOf(emitted, 'ks_p_value', brightness).value, separated, 1e-12);
    expectRelative(metricOf(emitted, 'cvm_p_value', brightness).value, separated, 1e-12);
    // The two smallest of 10 p-values (5 features x 2 tests): Holm multiplies both by 10.
    expectRelative(
      metricOf(emitted, 'ks_p_value_adjusted', brightness).value,
      10 * separated,
      1e-12,
    );
    expectRelative(
      metricOf(emitted, 'cvm_p_value_adjusted', brightness).value,
      10 * separated,
      1e-12,
    );
    // The same widths on both sides: no gap between the CDFs at all.
    expect(metricOf(emitted, 'ks_statistic', { feature: 'width' }).value).toBe(0);
    expect(metricOf(emitted, 'ks_p_value', { feature: 'width' }).value).toBe(1);

    const [finding] = emitted.findings;
    expect(emitted.findings).toHaveLength(1);
    expect(finding).toMatchObject({
      kind: 'DRIFT',
      severity: 'HIGH',
      title: '1 of 5 features drifted (brightness)',
      evidence: { extractor: 'image-statistics', featuresTested: 5 },
    });
    const [drifted] = driftedOf(emitted);
    // Medians of the grey levels: (70 + 80) / 2 and (180 + 190) / 2, over 255; the noise
    // (up to +-20 levels a value, averaging out over an image) moves them by under 0.005.
    expect(drifted!.referenceMedian).toBeCloseTo(75 / 255, 2);
    expect(drifted!.datasetMedian).toBeCloseTo(185 / 255, 2);
    // Same classes, four images each: no label drift.
    expect(metricOf(emitted, 'label_chi2').value).toBe(0);
  });

  it('compares the outputs of an ONNX embedding model when one is given', async () => {
    const emitted = await drift([
      ...pair(folders.flatReference, folders.flatDataset, 'IMAGE_FOLDER'),
      resolvedInput('embedding', 'MODEL_VERSION', modelPath, 'ONNX'),
    ]);

    expect(metricOf(emitted, 'ks_statistic', { feature: 'embedding_0' }).value).toBe(1);
    // Two of 4 p-values are 2 / 12870 (embedding_0), two are 1 (embedding_1, constant 0).
    const adjusted = metricOf(emitted, 'ks_p_value_adjusted', { feature: 'embedding_0' }).value;
    expectRelative(adjusted, 4 * separated, 1e-12);
    expect(metricOf(emitted, 'ks_statistic', { feature: 'embedding_1' }).value).toBe(0);
    expect(emitted.findings).toHaveLength(1);
    expect(emitted.findings[0]!.evidence).toMatchObject({ extractor: 'embedding' });
    const [drifted, ...others] = driftedOf(emitted);
    expect(others).toEqual([]);
    expect(drifted!.feature).toBe('embedding_0');
    // Flat images: the embedding is the grey level / 255, up to the rounding of a float32 sum
    // of 192 terms (relative error about 192 x 2^-24 at worst, ~1e-5).
    expectRelative(drifted!.referenceMedian, 75 / 255, 1e-5);
    expectRelative(drifted!.datasetMedian, 185 / 255, 1e-5);
    const { embeddingModel, mmd } = report(emitted);
    expect(embeddingModel).toBe('test/embedding@v1');
    // embedding_1 does not vary, so MMD leaves it out.
    expect(mmd).toMatchObject({ features: ['embedding_0'], constantFeatures: ['embedding_1'] });
  });

  it('gives identical emissions for the same inputs, config and seed', async () => {
    const inputs = pair(folders.noisyReference, folders.noisyDataset, 'IMAGE_FOLDER');
    const config = { mmdPermutations: 200, mmdMaxRows: 10 };
    const first = await drift(inputs, config, 7);
    const again = await drift(inputs, config, 7);
    expect(again.metrics).toEqual(first.metrics);
    expect(again.findings).toEqual(first.findings);
    expect(again.artifacts).toEqual(first.artifacts);
  });
});

describe('drift determinism on tables', () => {
  it('gives identical emissions for the same inputs, config and seed', async () => {
    const inputs = pair(referenceCsv(), datasetCsv(), 'CSV');
    const config = { mmdMaxRows: 12, mmdPermutations: 300, correction: 'benjamini-hochberg' };
    const first = await drift(inputs, config, 5);
    const again = await drift(inputs, config, 5);
    expect(again.metrics).toEqual(first.metrics);
    expect(again.findings).toEqual(first.findings);
    expect(again.artifacts).toEqual(first.artifacts);
    expect(report(first).seed).toBe(5);
  });
});

describe('drift refuses bad input with a clear message', () => {
  const expectInputError = (error: Error, message: RegExp) => {
    expect(error).toBeInstanceOf(RunnerInputError);
    expect(error.message).toMatch(message);
  };

  it('refuses a table against an image folder', async () => {
    const images = await greyFolder('mixed-formats', LEVELS.reference, 0, 0);
    expectInputError(
      await failure([
        resolvedInput('reference', 'DATASET_VERSION', referenceCsv(), 'CSV'),
        resolvedInput('dataset', 'DATASET_VERSION', images, 'IMAGE_FOLDER'),
      ]),
      /the reference test\/reference@v1 is CSV but the dataset test\/dataset@v1 is IMAGE_FOLDER/,
    );
  });

  it('refuses a corrupt image, naming it', async () => {
    const root = await greyFolder('corrupt', LEVELS.dataset, 0, 0);
    writeFileSync(join(root, 'dog', 'broken.png'), 'this is not a PNG file');
    const reference = await greyFolder('corrupt-reference', LEVELS.reference, 0, 0);
    expectInputError(
      await failure(pair(reference, root, 'IMAGE_FOLDER')),
      /cannot decode image .*dog\/broken\.png/,
    );
  });

  it("refuses a class folder outside the dataset's label set", async () => {
    const root = await greyFolder('outside-labels', LEVELS.dataset, 0, 0);
    await writeImageFolder(root, { horse: [{ colour: [90, 90, 90] }] });
    const reference = await greyFolder('outside-reference', LEVELS.reference, 0, 0);
    const labels = ['cat', 'dog'];
    expectInputError(
      await failure([
        resolvedInput('reference', 'DATASET_VERSION', reference, 'IMAGE_FOLDER', { labels }),
        resolvedInput('dataset', 'DATASET_VERSION', root, 'IMAGE_FOLDER', { labels }),
      ]),
      /label 'horse' \(folder horse\/\) is not in the dataset's label set \[cat, dog\]/,
    );
  });

  it("refuses a table row whose label is outside the dataset's label set", async () => {
    const labels = ['cat', 'dog'];
    const typo = writeCsv('typo.csv', {
      x: xd,
      z: zd,
      label: labels20.map((name, i) => (i === 6 ? 'dgo' : name)),
    });
    expectInputError(
      await failure([
        resolvedInput('reference', 'DATASET_VERSION', referenceCsv(), 'CSV', { labels }),
        resolvedInput('dataset', 'DATASET_VERSION', typo, 'CSV', { labels }),
      ]),
      /typo\.csv data row 7 has label 'dgo', which is not in the label set of test\/dataset@v1 \[cat, dog\]/,
    );
  });

  it("refuses extractor 'embedding' without a model, and a model whose input does not fit", async () => {
    const reference = await greyFolder('model-reference', LEVELS.reference, 0, 0);
    const dataset = await greyFolder('model-dataset', LEVELS.dataset, 0, 0);
    expectInputError(
      await failure(pair(reference, dataset, 'IMAGE_FOLDER'), { extractor: 'embedding' }),
      /extractor 'embedding' needs an 'embedding' model input/,
    );
    // A model for one-channel images: RGB images cannot be fed to it.
    const grey = writeModel(
      join(temp.path, 'grey.onnx'),
      onnxModel({
        nodes: [{ opType: 'Flatten', input: ['pixels'], output: ['features'] }],
        inputs: [{ name: 'pixels', shape: ['N', 1, 8, 8] }],
        outputs: [{ name: 'features', shape: ['N', 64] }],
      }),
    );
    expectInputError(
      await failure([
        ...pair(reference, dataset, 'IMAGE_FOLDER'),
        resolvedInput('embedding', 'MODEL_VERSION', grey, 'ONNX'),
      ]),
      /model input 'pixels' has shape \[N,1,8,8\]; an embedding model needs \[N,3,H,W\] or \[N,H,W,3\]/,
    );
  });

  it('refuses tables with no column in common', async () => {
    const a = writeCsv('only-a.csv', { a: [1, 2, 3] });
    const b = writeCsv('only-b.csv', { b: [1, 2, 3] });
    expectInputError(
      await failure(pair(a, b, 'CSV')),
      /no feature in common \(reference: a; dataset: b\)/,
    );
  });

  it('refuses an image extractor for tables', async () => {
    expectInputError(
      await failure(pair(referenceCsv(), datasetCsv(), 'CSV'), { extractor: 'image-statistics' }),
      /extractor 'image-statistics' does not apply to CSV datasets/,
    );
  });
});
