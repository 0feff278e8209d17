// np.mean of a 1-D float64 array, summed the way numpy sums (pairwise, in blocks of 8
// accumulators: pairwise_sum in numpy/_core/src/umath/loops_utils.h.src), so that averages of
// thousands of precisions come out as the very doubles pycocotools prints, not merely close.

function pairwiseSum(values: ArrayLike<number>, from: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i += 1) sum += values[from + i]!;
    return sum;
  }
  if (n <= 128) {
    const r = Array.from({ length: 8 }, (_, j) => values[from + j]!);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j += 1) r[j]! += values[from + i + j]!;
    let sum = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i += 1) sum += values[from + i]!;
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, from, half) + pairwiseSum(values, from + half, n - half);
}

/** The mean of `values` exactly as `np.mean` computes it for a float64 array; NaN when empty. */
export function numpyMean(values: ArrayLike<number>): number {
  return pairwiseSum(values, 0, values.length) / values.length;
}
