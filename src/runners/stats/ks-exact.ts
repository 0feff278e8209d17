// The exact null distribution of the two-sample Kolmogorov-Smirnov statistic, two-sided.
// Under the null hypothesis every interleaving of the two sorted samples is equally likely;
// an interleaving is a lattice path from (0, 0) to (m, n), and D >= h / lcm(m, n) exactly when
// the path leaves the band |x/m - y/n| < h / lcm. Hodges (1958), "The significance probability
// of the Smirnov two-sample test", Ark. Mat. 3, 469-486; the same methods as scipy's ks_2samp.

/**
 * P(D >= h/n) for two samples of the same size n, by the reflection formula
 * 2 Σ_k (-1)^(k+1) C(2n, n - kh) / C(2n, n), evaluated in nested (Horner) form: each ratio
 * C(2n, n - kh) / C(2n, n - (k-1)h) is a product of h simple factors, and nesting avoids the
 * cancellation of the alternating sum.
 */
function equalSizesSf(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = ((n - k * h - j) * ratio) / (n + k * h + j + 1);
    p = ratio * (1 - p);
  }
  return 2 * p;
}

/**
 * P(D >= h / lcm(m, n)) by counting paths that stay strictly inside the band, column by column,
 * as probabilities (Hodges' inside method in the form of Viehmann (2021), arXiv:2102.08037,
 * which carries 1 - p so small p-values keep their precision). Only the band's window of a
 * column is stored; cells outside it count as "has left the band" (1). O(m * window).
 */
function unequalSizesSf(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let low = 0;
  let high = Math.min(Math.ceil(h / mg), n + 1);
  let width = high - low;
  const column = new Float64Array(Math.min(2 * high + 2, n + 1)).fill(1);
  column.fill(0, low, high);
  for (let i = 1; i <= m; i++) {
    const previousLow = low;
    const previousWidth = width;
    low = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    high = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (high <= low) return 1;
    let value = low === 0 ? 0 : 1;
    for (let jj = 0; jj < high - low; jj++) {
      const j = jj + low;
      value = (column[jj + low - previousLow]! * i + value * j) / (i + j);
      column[jj] = value;
    }
    width = high - low;
    // Cells the window no longer covers have left the band.
    if (previousWidth > width) column.fill(1, width, previousWidth);
  }
  return column[high - low - 1]!;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The exact two-sided p-value P(D >= gap / (m n)) for sample sizes m and n, where
 * gap = max |c_x n - c_y m| is the statistic in integer form (c = counts at or below a value).
 * NaN when the computation broke down (the result left [0, 1]).
 */
export function ksTwoSampleExactSf(m: number, n: number, gap: number): number {
  if (gap === 0) return 1;
  const g = gcd(m, n);
  // In units of 1 / lcm(m, n); g divides the gap as it divides both m and n.
  const h = gap / g;
  const p = m === n ? equalSizesSf(m, h) : unequalSizesSf(m, n, g, h);
  return p >= 0 && p <= 1 ? p : Number.NaN;
}
