// The seeded random streams: reproducible per seed, stable across versions (a stored run must
// give the same numbers when re-run), independent per fork label, and uniform where promised.
import { describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { createRandom, forkRandom, type Random } from '../../src/runners/stats/random.ts';

function draws(random: Random, count: number): number[] {
  return Array.from({ length: count }, () => random.next());
}

describe('createRandom', () => {
  it('gives the same sequence for the same seed, of every kind of draw', () => {
    const a = createRandom(12345);
    const b = createRandom(12345);
    for (let i = 0; i < 100; i++) {
      expect(a.next()).toBe(b.next());
      expect(a.int(1000)).toBe(b.int(1000));
      expect(a.normal()).toBe(b.normal());
    }
    const left = [1, 2, 3, 4, 5, 6, 7, 8];
    const right = [...left];
    a.shuffle(left);
    b.shuffle(right);
    expect(left).toEqual(right);
  });

  it('gives different sequences for neighbouring seeds', () => {
    expect(draws(createRandom(1), 5)).not.toEqual(draws(createRandom(2), 5));
  });

  it('keeps the xoshiro128** stream of a seed fixed', () => {
    // An independent Python implementation of splitmix32 seeding and xoshiro128**:
    //   M = 0xFFFFFFFF
    //   def splitmix32(state):
    //       nxt = (state + 0x9E3779B9) & M; z = nxt
    //       z = ((z ^ (z >> 16)) * 0x21F0AAAD) & M
    //       z = ((z ^ (z >> 15)) * 0x735A2D97) & M
    //       return nxt, z ^ (z >> 15)
    //   def rotl(x, k): return ((x << k) | (x >> (32 - k))) & M
    //   def xoshiro(seed):
    //       s = []; st = seed
    //       for _ in range(4): st, o = splitmix32(st); s.append(o)
    //       while True:
    //           result = (rotl((s[1] * 5) & M, 7) * 9) & M; t = (s[1] << 9) & M
    //           s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
    //           s[3] = rotl(s[3], 11)
    //           yield result
    //   g = xoshiro(42); [next(g) for _ in range(6)]
    //   g = xoshiro(42); [((next(g) >> 5) * 67108864 + (next(g) >> 6)) / 2**53 for _ in range(3)]
    const words = createRandom(42);
    expect(Array.from({ length: 6 }, () => words.int(2 ** 32))).toEqual([
      660444221, 3652823732, 77672526, 910233633, 2297337756, 3786072677,
    ]);
    expect(draws(createRandom(42), 3)).toEqual([
      0.15377165265745885, 0.018084542542176507, 0.5348906284683476,
    ]);
  });

  it('draws uniform numbers in [0, 1)', () => {
    const values = draws(createRandom(7), 20_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    // Ten equal bins of 2000 expected each; sd = sqrt(20000 * 0.1 * 0.9) ≈ 42.
    const bins = new Array<number>(10).fill(0);
    for (const v of values) bins[Math.floor(v * 10)]!++;
    for (const count of bins) expect(Math.abs(count - 2000)).toBeLessThan(5 * 42);
  });

  it('draws integers in [0, n) with equal chances, even for n not a power of 2', () => {
    const random = createRandom(99);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[random.int(7)]!++;
    // 10,000 expected each; sd = sqrt(70000 * (1/7) * (6/7)) ≈ 92.6.
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(5 * 92.6);
    expect(random.int(1)).toBe(0);
    expect(() => random.int(0)).toThrow(RangeError);
    expect(() => random.int(2.5)).toThrow(RangeError);
    expect(() => random.int(2 ** 32 + 1)).toThrow(RangeError);
  });

  it('draws standard normal numbers', () => {
    const random = createRandom(2024);
    const values = Array.from({ length: 100_000 }, () => random.normal());
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    // Standard errors: 1/sqrt(1e5) ≈ 0.0032 for the mean, sqrt(2/1e5) ≈ 0.0045 for the variance.
    expect(Math.abs(mean)).toBeLessThan(0.016);
    expect(Math.abs(variance - 1)).toBeLessThan(0.023);
    // About 4.55% of a normal lies beyond ±2 (sd of the fraction ≈ 0.00066).
    const tails = values.filter((v) => Math.abs(v) > 2).length / values.length;
    expect(Math.abs(tails - 0.0455)).toBeLessThan(0.0033);
  });

  it('shuffles into every order equally often, keeping the items', () => {
    const random = createRandom(5);
    const seen = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const items = Int32Array.of(0, 1, 2);
      random.shuffle(items);
      const key = items.join('');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['012', '021', '102', '120', '201', '210']);
    // 1000 expected each; sd = sqrt(6000 * (1/6) * (5/6)) ≈ 28.9.
    for (const count of seen.values()) expect(Math.abs(count - 1000)).toBeLessThan(5 * 28.9);
  });

  it('takes only integer seeds from 0 to 2^31 - 1', () => {
    expect(() => createRandom(2 ** 31 - 1)).not.toThrow();
    for (const seed of [-1, 2 ** 31, 1.5, Number.NaN]) {
      expect(() => createRandom(seed)).toThrow(RunnerInputError);
    }
  });
});

describe('forkRandom', () => {
  it('gives the same stream for the same seed and label', () => {
    expect(draws(forkRandom(3, 'bootstrap'), 10)).toEqual(draws(forkRandom(3, 'bootstrap'), 10));
  });

  it('gives unrelated streams for different labels, seeds, and the unforked seed', () => {
    const streams = [
      draws(forkRandom(3, 'bootstrap'), 10),
      draws(forkRandom(3, 'permutation'), 10),
      draws(forkRandom(3, 'bootstrapp'), 10),
      draws(forkRandom(4, 'bootstrap'), 10),
      draws(createRandom(3), 10),
    ];
    for (let i = 0; i < streams.length; i++) {
      for (let j = i + 1; j < streams.length; j++) {
        // Not shifted copies either: no value of one stream appears in another.
        expect(streams[i]!.filter((v) => streams[j]!.includes(v))).toEqual([]);
      }
    }
  });

  it('checks the seed', () => {
    expect(() => forkRandom(-5, 'x')).toThrow(RunnerInputError);
  });
});
