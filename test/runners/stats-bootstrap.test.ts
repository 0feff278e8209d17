// Bootstrap intervals and the paired bootstrap test: they cover the truth as often as they
// claim, are reproducible from the seed, and serve statistics that are not means.
import { describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import {
  bootstrapInterval,
  bootstrapIntervalAsync,
  pairedBootstrap,
} from '../../src/runners/stats/bootstrap.ts';
import { classificationReport } from '../../src/runners/stats/classification.ts';
import { createRandom } from '../../src/runners/stats/random.ts';

/** A statistic: the mean of `values` over the given item indices. */
function meanOf(values: ArrayLike<number>): (indices: Int32Array) => number {
  return (indices) => {
    let sum = 0;
    for (let i = 0; i < indices.length; i++) sum += values[indices[i]!]!;
    return sum / indices.length;
  };
}

describe('bootstrapInterval', () => {
  it('covers the true mean about 95% of the time (400 simulated Bernoulli(0.8) samples)', () => {
    const data = createRandom(2718);
    let covered = 0;
    const trials = 400;
    for (let trial = 0; trial < trials; trial++) {
      const sample = Uint8Array.from({ length: 200 }, () => (data.next() < 0.8 ? 1 : 0));
      const interval = bootstrapInterval({ size: 200, statistic: meanOf(sample), seed: trial });
      if (interval.lower <= 0.8 && 0.8 <= interval.upper) covered++;
    }
    // Binomial(400, 0.95) has sd ≈ 4.4 (1.1%); the percentile interval runs slightly short.
    expect(covered / trials).toBeGreaterThanOrEqual(0.92);
    expect(covered / trials).toBeLessThanOrEqual(0.98);
  });

  it('takes the quantiles of the replicates as np.quantile does', () => {
    // A statistic that ignores the items and counts its calls: the estimate is 0 and the
    // replicates are 1..1000, so the interval is (numpy 2.4.6)
    //   np.quantile(np.arange(1, 1001.0), [(1 - 0.95) / 2, (1 + 0.95) / 2])
    //   -> [25.975000000000023, 975.025]
    // (position 999 * 0.025 = 24.975 between the 25th and 26th value; (1 - 0.95) / 2 is
    // 0.025000000000000022 in doubles, as in scipy.stats.bootstrap.)
    let calls = 0;
    const interval = bootstrapInterval({ size: 3, statistic: () => calls++, seed: 1 });
    expect(interval).toEqual({
      estimate: 0,
      lower: 25.975000000000023,
      upper: 975.025,
      level: 0.95,
      resamples: 1000,
    });
  });

  it('resamples item indices with replacement, one array of the given size', () => {
    const seenArrays = new Set<Int32Array>();
    let sawRepeat = false;
    bootstrapInterval({
      size: 50,
      resamples: 20,
      seed: 3,
      statistic: (indices) => {
        seenArrays.add(indices);
        expect(indices.length).toBe(50);
        for (const index of indices) expect(index >= 0 && index < 50).toBe(true);
        if (new Set(indices).size < 50) sawRepeat = true;
        return 0;
      },
    });
    expect(seenArrays.size).toBe(1);
    expect(sawRepeat).toBe(true);
  });

  it('serves statistics that are not means, like macro F1 over (truth, prediction) pairs', () => {
    const random = createRandom(11);
    const truth = Int32Array.from({ length: 300 }, () => random.int(3));
    // 80% right; the rest a uniformly wrong class.
    const predicted = truth.map((t) => (random.next() < 0.8 ? t : (t + 1 + random.int(2)) % 3));
    const t = new Int32Array(300);
    const p = new Int32Array(300);
    const macroF1 = (indices: Int32Array): number => {
      for (let i = 0; i < indices.length; i++) {
        t[i] = truth[indices[i]!]!;
        p[i] = predicted[indices[i]!]!;
      }
      return classificationReport(t, p, 3).macroF1;
    };
    const interval = bootstrapInterval({ size: 300, statistic: macroF1, seed: 5 });
    expect(interval.estimate).toBe(classificationReport(truth, predicted, 3).macroF1);
    expect(interval.lower).toBeLessThan(interval.estimate);
    expect(interval.upper).toBeGreaterThan(interval.estimate);
    // The standard error of an F1 near 0.8 on 300 items is about 0.025: the interval is ~0.1 wide.
    expect(interval.upper - interval.lower).toBeGreaterThan(0.05);
    expect(interval.upper - interval.lower).toBeLessThan(0.2);
  });

  it('gives the same interval for the same seed and another for another seed', () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => Math.sin(i) * 10);
    const options = { size: 100, statistic: meanOf(values), resamples: 500, level: 0.9 };
    const first = bootstrapInterval({ ...options, seed: 8 });
    expect(bootstrapInterval({ ...options, seed: 8 })).toEqual(first);
    expect(bootstrapInterval({ ...options, seed: 9 })).not.toEqual(first);
    expect(first.level).toBe(0.9);
    expect(first.resamples).toBe(500);
  });

  it('handles 50,000 items and 1000 resamples', () => {
    const values = Float64Array.from({ length: 50_000 }, (_, i) => i % 2);
    const interval = bootstrapInterval({ size: 50_000, statistic: meanOf(values), seed: 4 });
    // sd of the mean = 0.5 / sqrt(50000) ≈ 0.00224, so the 95% interval is about ±0.0044.
    expect(interval.lower).toBeGreaterThan(0.5 - 0.006);
    expect(interval.lower).toBeLessThan(0.5 - 0.003);
    expect(interval.upper).toBeGreaterThan(0.5 + 0.003);
    expect(interval.upper).toBeLessThan(0.5 + 0.006);
  });

  it('refuses bad sizes and settings', () => {
    const statistic = (): number => 0;
    expect(() => bootstrapInterval({ size: 0, statistic, seed: 1 })).toThrow(RunnerInputError);
    expect(() => bootstrapInterval({ size: 5, statistic, seed: 1, level: 1 })).toThrow(
      /confidence level/,
    );
    expect(() => bootstrapInterval({ size: 5, statistic, seed: 1, resamples: 0 })).toThrow(
      /resamples/,
    );
    expect(() => bootstrapInterval({ size: 5, statistic: () => Number.NaN, seed: 1 })).toThrow(
      /NaN/,
    );
  });
});

describe('bootstrapIntervalAsync', () => {
  it('gives the interval bootstrapInterval gives, and lets timers run while it works', async () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => Math.cos(i) * 3);
    const slowMean = (indices: Int32Array) => {
      const until = performance.now() + 2;
      while (performance.now() < until);
      return meanOf(values)(indices);
    };
    const options = { size: 100, statistic: slowMean, resamples: 100, level: 0.9, seed: 8 };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    let done = 0;
    const interval = await bootstrapIntervalAsync({ ...options, onResample: (n) => (done = n) });
    clearInterval(timer);
    expect(interval).toEqual(bootstrapInterval(options));
    expect(done).toBe(100);
    // 100 resamples of 2 ms each with a turn every 50 ms: the 10 ms timer fired in between.
    expect(ticks).toBeGreaterThan(0);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const statistic = (indices: Int32Array) => {
      if (indices[0] === -1) return 0;
      controller.abort(new Error('cancelled'));
      return 1;
    };
    await expect(
      bootstrapIntervalAsync({ size: 5, statistic, seed: 1, signal: controller.signal }),
    ).rejects.toThrow('cancelled');
  });
});

describe('pairedBootstrap', () => {
  it('finds no difference between a system and itself', () => {
    const scores = Float64Array.from({ length: 40 }, (_, i) => (i % 3) / 2);
    const result = pairedBootstrap({ a: scores, b: scores, seed: 1 });
    expect(result).toEqual({
      meanDifference: 0,
      lower: 0,
      upper: 0,
      pValue: 1,
      level: 0.95,
      resamples: 1000,
    });
  });

  it('finds a clear improvement with the smallest possible p-value', () => {
    const random = createRandom(21);
    const b = Float64Array.from({ length: 200 }, () => (random.next() < 0.7 ? 1 : 0));
    // A gets right every item B gets right, and a quarter of the others.
    const a = b.map((v) => (v === 1 || random.next() < 0.25 ? 1 : 0));
    const result = pairedBootstrap({ a, b, resamples: 999, seed: 2 });
    let gained = 0;
    for (let i = 0; i < 200; i++) gained += a[i]! - b[i]!;
    expect(result.meanDifference).toBe(gained / 200);
    expect(result.lower).toBeGreaterThan(0);
    expect(result.upper).toBeGreaterThan(result.meanDifference);
    // (0 + 1) / (999 + 1): no replicate is as far from the mean as the mean is from 0.
    expect(result.pValue).toBe(0.001);
  });

  it('rejects at 5% about 5% of the time when the systems are equally good', () => {
    const random = createRandom(77);
    let rejections = 0;
    const trials = 200;
    for (let trial = 0; trial < trials; trial++) {
      const a = Float64Array.from({ length: 100 }, () => (random.next() < 0.6 ? 1 : 0));
      const b = Float64Array.from({ length: 100 }, () => (random.next() < 0.6 ? 1 : 0));
      if (pairedBootstrap({ a, b, resamples: 500, seed: trial }).pValue < 0.05) rejections++;
    }
    // Binomial(200, 0.05) has sd ≈ 3.1 (1.5%).
    expect(rejections / trials).toBeGreaterThanOrEqual(0.01);
    expect(rejections / trials).toBeLessThanOrEqual(0.1);
  });

  it('is reproducible from the seed', () => {
    const a = Float64Array.from({ length: 60 }, (_, i) => Math.cos(i));
    const b = Float64Array.from({ length: 60 }, (_, i) => Math.cos(i + 0.3));
    expect(pairedBootstrap({ a, b, seed: 6 })).toEqual(pairedBootstrap({ a, b, seed: 6 }));
    expect(pairedBootstrap({ a, b, seed: 6 })).not.toEqual(pairedBootstrap({ a, b, seed: 7 }));
  });

  it('needs the same items scored by both systems', () => {
    expect(() =>
      pairedBootstrap({ a: new Float64Array(3), b: new Float64Array(4), seed: 1 }),
    ).toThrow(/3 scores for A, 4 for B/);
    expect(() =>
      pairedBootstrap({ a: Float64Array.of(1, Number.NaN), b: new Float64Array(2), seed: 1 }),
    ).toThrow(/item 1/);
  });
});
