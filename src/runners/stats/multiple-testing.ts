// Adjusted p-values for families of tests (one per class, slice or perturbation), so that
// "significant" keeps its meaning when many things are tested at once. Definitions match
// statsmodels.stats.multitest.multipletests (methods 'holm' and 'fdr_bh'): reject where the
// adjusted p-value is at most alpha.
import { RunnerInputError } from '../input-error.ts';

/** Indices of `pValues` in ascending order of p, after checking each is a probability. */
function ascendingOrder(pValues: ArrayLike<number>): Int32Array {
  for (let i = 0; i < pValues.length; i++) {
    const p = pValues[i]!;
    if (!(p >= 0 && p <= 1)) throw new RunnerInputError(`p-value ${i} is ${p}, outside [0, 1]`);
  }
  const order = Int32Array.from({ length: pValues.length }, (_, i) => i);
  return order.sort((a, b) => pValues[a]! - pValues[b]!);
}

/**
 * Holm's step-down adjustment, controlling the family-wise error rate: with p sorted ascending,
 * adjusted p_(i) = min(1, max over j <= i of (m - j + 1) p_(j)) (1-based). Uniformly more
 * powerful than Bonferroni, with the same guarantee under any dependence.
 */
export function holmAdjust(pValues: ArrayLike<number>): Float64Array {
  const m = pValues.length;
  const order = ascendingOrder(pValues);
  const adjusted = new Float64Array(m);
  let running = 0;
  for (let rank = 0; rank < m; rank++) {
    const index = order[rank]!;
    running = Math.max(running, (m - rank) * pValues[index]!);
    adjusted[index] = Math.min(1, running);
  }
  return adjusted;
}

/**
 * Benjamini-Hochberg's step-up adjustment, controlling the false discovery rate (for
 * independent or positively dependent tests): with p sorted ascending, adjusted
 * p_(i) = min(1, min over j >= i of m p_(j) / j) (1-based).
 */
export function benjaminiHochbergAdjust(pValues: ArrayLike<number>): Float64Array {
  const m = pValues.length;
  const order = ascendingOrder(pValues);
  const adjusted = new Float64Array(m);
  let running = Infinity;
  for (let rank = m - 1; rank >= 0; rank--) {
    const index = order[rank]!;
    running = Math.min(running, pValues[index]! / ((rank + 1) / m));
    adjusted[index] = Math.min(1, running);
  }
  return adjusted;
}
