// How evenly a dataset's items spread over its classes: a class with few examples is learnt
// and measured badly, and a skewed test set lets the majority class dominate accuracy.
import type { FindingEmission } from '../contract.ts';
import { entropy, imbalanceRatio } from '../stats/descriptive.ts';

export interface ClassBalance {
  /** Items per class of the label set, in its order. */
  counts: Array<{ class: string; items: number }>;
  /** Shannon entropy of the class proportions in bits; null without labelled items. */
  entropyBits: number | null;
  /** Entropy over log2 of the number of classes (1 is even); null for fewer than 2 classes. */
  entropyNormalized: number | null;
  /** Largest class over smallest non-empty class; null without labelled items. */
  imbalanceRatio: number | null;
  /** Classes of the label set without any item. */
  emptyClasses: string[];
}

/** The balance of `labels` (one per labelled item) over the classes of `labelSet`. */
export function classBalance(labelSet: readonly string[], labels: readonly string[]): ClassBalance {
  const index = new Map(labelSet.map((label, i) => [label, i]));
  const counts = labelSet.map(() => 0);
  for (const label of labels) counts[index.get(label)!]! += 1;
  const labelled = labels.length > 0;
  const spread = labelled ? entropy(counts) : null;
  return {
    counts: labelSet.map((label, i) => ({ class: label, items: counts[i]! })),
    entropyBits: spread?.bits ?? null,
    entropyNormalized: spread?.normalized ?? null,
    imbalanceRatio: labelled ? imbalanceRatio(counts) : null,
    emptyClasses: labelSet.filter((_, i) => counts[i] === 0),
  };
}

export interface ImbalanceLimits {
  /** Largest over smallest class above this is imbalanced. */
  maxImbalanceRatio: number;
  /** Normalised entropy below this is imbalanced. */
  minNormalizedEntropy: number;
}

/**
 * A CLASS_IMBALANCE finding when the imbalance ratio is above its limit, the normalised
 * entropy below its limit, or a class has no items. HIGH for an empty class or a ratio ten
 * times the limit, else MEDIUM.
 */
export function classImbalanceFinding(
  balance: ClassBalance,
  limits: ImbalanceLimits,
): FindingEmission | null {
  const { imbalanceRatio: ratio, entropyNormalized: normalized, emptyClasses } = balance;
  const ratioHigh = ratio !== null && ratio > limits.maxImbalanceRatio;
  const entropyLow = normalized !== null && normalized < limits.minNormalizedEntropy;
  if (!ratioHigh && !entropyLow && emptyClasses.length === 0) return null;
  const sorted = balance.counts.filter((c) => c.items > 0).sort((a, b) => b.items - a.items);
  const largest = sorted[0];
  const smallest = sorted[sorted.length - 1];
  const reasons = [
    ratioHigh && largest && smallest
      ? `its largest class (${largest.class}, ${largest.items} items) has ${ratio!.toFixed(1)} times the items of its smallest (${smallest.class}, ${smallest.items})`
      : null,
    entropyLow
      ? `the class entropy is ${normalized!.toFixed(2)} of its maximum (limit ${limits.minNormalizedEntropy})`
      : null,
    emptyClasses.length
      ? `${emptyClasses.length} classes have no items (${emptyClasses.slice(0, 10).join(', ')})`
      : null,
  ].filter((reason) => reason !== null);
  const severe =
    emptyClasses.length > 0 || (ratio !== null && ratio >= 10 * limits.maxImbalanceRatio);
  return {
    kind: 'CLASS_IMBALANCE',
    severity: severe ? 'HIGH' : 'MEDIUM',
    title: emptyClasses.length
      ? `${emptyClasses.length} classes have no items`
      : `Classes are imbalanced: ratio ${ratio?.toFixed(1)}, normalised entropy ${normalized?.toFixed(2)}`,
    summary:
      `The dataset's classes are unevenly represented: ${reasons.join('; ')}. Metrics averaged ` +
      'over items are dominated by the large classes, and those of the small ones are uncertain.',
    evidence: {
      imbalanceRatio: ratio,
      maxImbalanceRatio: limits.maxImbalanceRatio,
      entropyBits: balance.entropyBits,
      entropyNormalized: normalized,
      minNormalizedEntropy: limits.minNormalizedEntropy,
      emptyClasses,
      counts: balance.counts,
      artifact: 'profile.json',
    },
    subjectRole: 'dataset',
  };
}
