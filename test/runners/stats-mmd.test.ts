// Maximum mean discrepancy: the statistic and bandwidth against numpy, the permutation p-value
// against the exact permutation distribution, and its behaviour on same / shifted samples.
import { describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { MAX_MMD_ROWS, maximumMeanDiscrepancy } from '../../src/runners/stats/mmd.ts';
import { createRandom } from '../../src/runners/stats/random.ts';

function normalRows(rows: number, dimension: number, shift: number, seed: number): Float64Array {
  const random = createRandom(seed);
  return Float64Array.from({ length: rows * dimension }, () => random.normal() + shift);
}

// Four and three rows of two features.
const x = Float64Array.of(0.0, 1.0, 1.0, 0.5, 0.3, -0.2, 1.5, 2.0);
const y = Float64Array.of(2.0, 2.5, 3.1, 1.9, 2.2, 0.8);

describe('maximumMeanDiscrepancy', () => {
  it('matches a numpy computation of the unbiased MMD² with the median-heuristic bandwidth', async () => {
    // import numpy as np   (numpy 2.4.6)
    // x = np.array([[0.0, 1.0], [1.0, 0.5], [0.3, -0.2], [1.5, 2.0]])
    // y = np.array([[2.0, 2.5], [3.1, 1.9], [2.2, 0.8]])
    // z = np.vstack([x, y]); n, m = len(x), len(y)
    // d2 = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
    // sigma = np.median(np.sqrt(d2[np.triu_indices(n + m, 1)]))
    // k = np.exp(-d2 / (2 * sigma ** 2))
    // kxx, kyy, kxy = k[:n, :n], k[n:, n:], k[:n, n:]
    // mmd2 = ((kxx.sum() - np.trace(kxx)) / (n * (n - 1))
    //         + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean())
    // -> sigma 1.7117242768623688, mmd2 0.43906810427742593
    const result = await maximumMeanDiscrepancy({ x, y, dimension: 2, seed: 1 });
    expect(result.bandwidth).toBeCloseTo(1.7117242768623688, 14);
    expect(result.mmd2).toBeCloseTo(0.43906810427742593, 14);
    const swapped = await maximumMeanDiscrepancy({ x: y, y: x, dimension: 2, seed: 1 });
    expect(swapped.mmd2).toBeCloseTo(result.mmd2, 14);
  });

  it('estimates the exact permutation p-value', async () => {
    // Enumerating all C(7, 4) = 35 splits of the pooled rows with the numpy code above, 3 have
    // MMD² >= the observed one (the observed split included): exact p = 3/35 ≈ 0.0857.
    // With 20,000 random permutations the count has sd ≈ sqrt(20000 * 0.0857 * 0.914) ≈ 39.6,
    // tight enough to tell 3/35 from 2/35 (ties with the observed split not counted).
    const result = await maximumMeanDiscrepancy({
      x,
      y,
      dimension: 2,
      permutations: 20_000,
      seed: 9,
    });
    expect(result.permutations).toBe(20_000);
    expect(Math.abs(result.pValue - 3 / 35)).toBeLessThan((4 * 39.6) / 20_000);
  });

  it('gives a large p-value for two samples from the same distribution', async () => {
    const result = await maximumMeanDiscrepancy({
      x: normalRows(100, 5, 0, 1),
      y: normalRows(120, 5, 0, 2),
      dimension: 5,
      seed: 3,
    });
    expect(result.pValue).toBeGreaterThan(0.1);
    expect(Math.abs(result.mmd2)).toBeLessThan(0.02);
  });

  it('gives the smallest possible p-value when the means differ', async () => {
    const result = await maximumMeanDiscrepancy({
      x: normalRows(100, 5, 0, 1),
      y: normalRows(80, 5, 0.8, 2),
      dimension: 5,
      permutations: 500,
      seed: 3,
    });
    expect(result.pValue).toBe(1 / 501);
    expect(result.mmd2).toBeGreaterThan(0.05);
  });

  it('is deterministic for a seed', async () => {
    const options = { x: normalRows(30, 3, 0, 5), y: normalRows(30, 3, 0.2, 6), dimension: 3 };
    const first = await maximumMeanDiscrepancy({ ...options, seed: 12 });
    expect(await maximumMeanDiscrepancy({ ...options, seed: 12 })).toEqual(first);
    expect((await maximumMeanDiscrepancy({ ...options, seed: 13 })).mmd2).toBe(first.mmd2);
  });

  it('finds no discrepancy when every row is the same point', async () => {
    const same = Float64Array.of(1, 2, 1, 2, 1, 2);
    expect(await maximumMeanDiscrepancy({ x: same, y: same, dimension: 2, seed: 1 })).toEqual({
      mmd2: 0,
      bandwidth: 0,
      pValue: 1,
      permutations: 1000,
    });
  });

  it('lets timers run while it permutes, and stops when cancelled', async () => {
    // 300 + 300 rows: 5000 permutations of the kernel's 300 x 300 blocks take about half a
    // second, several turns of 50 ms, between which the 10 ms timer fires.
    const options = {
      x: normalRows(300, 2, 0, 1),
      y: normalRows(300, 2, 0, 2),
      dimension: 2,
      permutations: 5000,
      seed: 3,
    };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    await maximumMeanDiscrepancy(options);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled')), 20);
    await expect(maximumMeanDiscrepancy({ ...options, signal: controller.signal })).rejects.toThrow(
      'cancelled',
    );
  });

  it('refuses rows of the wrong length, too few or too many rows, and NaN', async () => {
    await expect(
      maximumMeanDiscrepancy({ x, y: y.subarray(1), dimension: 2, seed: 1 }),
    ).rejects.toThrow(/sample y has 5 numbers, not a whole number of 2-feature rows/);
    await expect(
      maximumMeanDiscrepancy({ x: x.subarray(0, 2), y, dimension: 2, seed: 1 }),
    ).rejects.toThrow(/at least 2 rows/);
    const broken = x.slice();
    broken[3] = Number.NaN;
    await expect(maximumMeanDiscrepancy({ x: broken, y, dimension: 2, seed: 1 })).rejects.toThrow(
      /feature 1 of row 1 is NaN/,
    );
    await expect(
      maximumMeanDiscrepancy({
        x: new Float64Array(MAX_MMD_ROWS),
        y: new Float64Array(2),
        dimension: 1,
        seed: 1,
      }),
    ).rejects.toThrow(RunnerInputError);
  });
});
