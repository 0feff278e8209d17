// Has the mix of labels changed? Pearson's chi-square test of homogeneity on the label counts
// of the two datasets.
import { chiSquareHomogeneity } from '../stats/chi-square.ts';

export interface LabelShift {
  /** Every label of either side, sorted, with its count and share on each side. */
  labels: Array<{
    label: string;
    reference: number;
    dataset: number;
    referenceShare: number;
    datasetShare: number;
  }>;
  statistic: number;
  dof: number;
  pValue: number;
  /** Half the sum of |share difference|: the largest difference in probability of any label set. */
  totalVariation: number;
}

/** The chi-square test of the two label lists (one label per labelled item). */
export function testLabels(reference: readonly string[], dataset: readonly string[]): LabelShift {
  const all = [...new Set([...reference, ...dataset])].sort();
  const count = (labels: readonly string[]) => {
    const counts = new Map(all.map((label) => [label, 0]));
    for (const label of labels) counts.set(label, counts.get(label)! + 1);
    return all.map((label) => counts.get(label)!);
  };
  const a = count(reference);
  const b = count(dataset);
  const result = chiSquareHomogeneity(a, b);
  const rows = all.map((label, i) => ({
    label,
    reference: a[i]!,
    dataset: b[i]!,
    referenceShare: a[i]! / reference.length,
    datasetShare: b[i]! / dataset.length,
  }));
  return {
    labels: rows,
    ...result,
    totalVariation:
      rows.reduce((sum, r) => sum + Math.abs(r.datasetShare - r.referenceShare), 0) / 2,
  };
}
