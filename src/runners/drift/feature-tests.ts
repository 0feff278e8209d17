// Has each feature's distribution moved? Two-sample Kolmogorov-Smirnov (largest gap between
// the CDFs) and Cramér-von Mises (mean squared gap) tests per feature, their p-values adjusted
// together as one family, since testing many features finds "drift" by chance otherwise.
import { RunnerInputError } from '../contract.ts';
import { mean, median, standardDeviation } from '../stats/descriptive.ts';
import { benjaminiHochbergAdjust, holmAdjust } from '../stats/multiple-testing.ts';
import { turnTaker } from '../stats/turns.ts';
import { cramerVonMisesTwoSample, kolmogorovSmirnovTwoSample } from '../stats/two-sample.ts';
import { type FeatureSet, presentValues } from './feature-set.ts';

export interface SampleSummary {
  count: number;
  median: number;
  mean: number;
  /** Population standard deviation (ddof 0). */
  std: number;
}

export interface AdjustedTest {
  statistic: number;
  pValue: number;
  adjustedPValue: number;
  method: 'exact' | 'asymptotic';
}

export interface FeatureDrift {
  feature: string;
  reference: SampleSummary;
  dataset: SampleSummary;
  ks: AdjustedTest;
  cvm: AdjustedTest;
  /** Median of the dataset minus median of the reference, in the feature's units. */
  medianDifference: number;
  /** Either test's adjusted p-value is at most alpha (as statsmodels rejects). */
  drifted: boolean;
}

export interface FeatureTests {
  tested: FeatureDrift[];
  /** Features left out, with why (too few values on a side). */
  skipped: Array<{ feature: string; reason: string }>;
}

function summary(values: Float64Array): SampleSummary {
  return {
    count: values.length,
    median: median(values),
    mean: mean(values),
    std: standardDeviation(values),
  };
}

function checkFinite(values: Float64Array, feature: string, side: string): void {
  const bad = values.find((value) => !Number.isFinite(value));
  if (bad !== undefined) {
    throw new RunnerInputError(`feature '${feature}' of the ${side} has the value ${bad}`);
  }
}

/**
 * KS and CvM tests of each of `features` between the two sets (missing values left out), the
 * 2 x features p-values adjusted as one family by Holm or Benjamini-Hochberg. A feature with
 * fewer than 2 values on a side is skipped (CvM needs 2).
 */
export async function testFeatures(
  reference: FeatureSet,
  dataset: FeatureSet,
  features: readonly string[],
  options: { alpha: number; correction: 'holm' | 'benjamini-hochberg'; signal?: AbortSignal },
): Promise<FeatureTests> {
  // Hundreds of embedding dimensions of thousands of rows take minutes: take turns.
  const takeTurn = turnTaker(options.signal);
  const skipped: FeatureTests['skipped'] = [];
  const runs: Array<
    Omit<FeatureDrift, 'ks' | 'cvm' | 'drifted'> & {
      ks: ReturnType<typeof kolmogorovSmirnovTwoSample>;
      cvm: ReturnType<typeof cramerVonMisesTwoSample>;
    }
  > = [];
  for (const feature of features) {
    await takeTurn();
    const x = presentValues(reference, feature);
    const y = presentValues(dataset, feature);
    if (x.length < 2 || y.length < 2) {
      skipped.push({
        feature,
        reason: `${x.length} values in the reference, ${y.length} in the dataset; the tests need 2 on each side`,
      });
      continue;
    }
    checkFinite(x, feature, 'reference');
    checkFinite(y, feature, 'dataset');
    const ref = summary(x);
    const data = summary(y);
    runs.push({
      feature,
      reference: ref,
      dataset: data,
      ks: kolmogorovSmirnovTwoSample(x, y),
      cvm: cramerVonMisesTwoSample(x, y),
      medianDifference: data.median - ref.median,
    });
  }
  const adjust = options.correction === 'holm' ? holmAdjust : benjaminiHochbergAdjust;
  const adjusted = adjust(runs.flatMap((run) => [run.ks.pValue, run.cvm.pValue]));
  const tested = runs.map((run, i): FeatureDrift => {
    const ks = { ...run.ks, adjustedPValue: adjusted[2 * i]! };
    const cvm = { ...run.cvm, adjustedPValue: adjusted[2 * i + 1]! };
    return {
      ...run,
      ks,
      cvm,
      drifted: ks.adjustedPValue <= options.alpha || cvm.adjustedPValue <= options.alpha,
    };
  });
  return { tested, skipped };
}
