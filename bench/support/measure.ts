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
  return timingOf(samples);
}

function timingOf(samples: number[]): Timing {
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return {
    p50: at(0.5),
    p95: at(0.95),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    runs: samples.length,
  };
}

/**
 * Times several tasks in turns, one run of each per round (the round's number passed in),
 * so that load that comes and goes on the machine weighs on all of them alike and the
 * ratios between them stay fair.
 */
export async function timeInTurns<K extends string>(
  tasks: Record<K, (round: number) => Promise<unknown>>,
  runs: number,
  warmup = Math.ceil(runs / 10),
): Promise<Record<K, Timing>> {
  const names = Object.keys(tasks) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
    K,
    number[]
  >;
  for (let round = -warmup; round < runs; round += 1)
    for (const name of names) {
      const start = performance.now();
      await tasks[name](round + warmup);
      if (round >= 0) samples[name].push(performance.now() - start);
    }
  return Object.fromEntries(names.map((name) => [name, timingOf(samples[name])])) as Record<
    K,
    Timing
  >;
}

export const ms = (value: number) => `${value.toFixed(2)} ms`;

export interface BenchResult {
  name: string;
  /** One line per figure, e.g. "hub p50 3.1 ms, raw SQL p50 2.4 ms, ratio 1.29". */
  figures: Record<string, string | number>;
}

/**
 * A hub's p50 against the floor under it, measured in the same run: the p50 of the raw SQL
 * that answers the same question plus that of a bare HTTP round trip (bare-http.ts).
 */
export const overFloor = (hub: Timing, raw: Timing, bare: Timing): number =>
  Number((hub.p50 / (raw.p50 + bare.p50)).toFixed(2));
