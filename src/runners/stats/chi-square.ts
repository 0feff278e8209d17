// Do two datasets have the same label distribution? Pearson's chi-square test of homogeneity
// on the 2 x k table of their label counts.
import { RunnerInputError } from '../input-error.ts';
import { regularizedGammaQ } from './special-functions.ts';

export interface ChiSquareResult {
  statistic: number;
  /** Degrees of freedom: the number of labels seen in either sample, minus 1. */
  dof: number;
  pValue: number;
}

function checkCount(count: number, label: number, sample: string): void {
  if (!(Number.isFinite(count) && count >= 0)) {
    throw new RunnerInputError(`count of label ${label} in the ${sample} sample is ${count}`);
  }
}

/**
 * Chi-square test of homogeneity for two vectors of counts over the same k labels, as
 * scipy.stats.chi2_contingency([a, b], correction=False) computes it on the table with its
 * all-zero columns removed (scipy refuses those, as their expected count is 0): statistic
 * Σ (O - E)² / E with E = row total × column total / N, dof = k' - 1 for the k' labels seen,
 * p = P(χ²_dof >= statistic). No Yates correction. With a single label seen, dof is 0 and the
 * result is statistic 0, p 1, as in scipy. The chi-square approximation wants expected counts
 * of about 5 or more.
 */
export function chiSquareHomogeneity(a: ArrayLike<number>, b: ArrayLike<number>): ChiSquareResult {
  if (a.length !== b.length) {
    throw new RunnerInputError(
      `label counts must cover the same labels: ${a.length} counts against ${b.length}`,
    );
  }
  let totalA = 0;
  let totalB = 0;
  for (let i = 0; i < a.length; i++) {
    checkCount(a[i]!, i, 'first');
    checkCount(b[i]!, i, 'second');
    totalA += a[i]!;
    totalB += b[i]!;
  }
  if (!(totalA > 0 && totalB > 0)) {
    throw new RunnerInputError('the chi-square test needs both samples to have items');
  }
  const total = totalA + totalB;
  let statistic = 0;
  let seen = 0;
  for (let i = 0; i < a.length; i++) {
    const column = a[i]! + b[i]!;
    if (column === 0) continue;
    seen++;
    const expectedA = (totalA * column) / total;
    const expectedB = (totalB * column) / total;
    statistic += (a[i]! - expectedA) ** 2 / expectedA + (b[i]! - expectedB) ** 2 / expectedB;
  }
  const dof = seen - 1;
  if (dof === 0) return { statistic: 0, dof, pValue: 1 };
  return { statistic, dof, pValue: regularizedGammaQ(dof / 2, statistic / 2) };
}
