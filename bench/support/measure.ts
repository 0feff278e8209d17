// Timing helpers: run a task many times, report percentiles, compare with a baseline.
export interface Timing {
  p50: number;
  p95: number;
  mean: number;
  runs: number;
}

export async function time(
  task: () => Promise<unknown>,
  runs: number,
  warmup = Math.ceil(runs / 10),
): Promise<Timing> {
  for (let i = 0; i < warmup; i += 1) await task();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await task();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return {
    p50: at(0.5),
    p95: at(0.95),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    runs,
  };
}

export const ms = (value: number) => `${value.toFixed(2)} ms`;

export interface BenchResult {
  name: string;
  /** One line per figure, e.g. "hub p50 3.1 ms, raw SQL p50 2.4 ms, ratio 1.29". */
  figures: Record<string, string | number>;
}
