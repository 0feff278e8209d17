// Event-loop delay of a process a benchmark starts: loaded with `node --import` (see
// `loopDelayEnv`), it samples the delay over the window the benchmark marks with two SIGUSR2
// signals, and at the second writes what it saw to the file named by EVALHUB_BENCH_LOOP_DELAY
// (read back with `readLoopDelay`, once the file exists).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ELDHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** How often the delay is sampled: what a sample reads includes this period. */
const RESOLUTION_MS = 10;

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  mean: number;
  /** CPU time the process used over the window, in milliseconds. */
  cpuMs?: number;
}

/** The environment that makes an `evalhub` child process report its loop delay to `file`. */
export function loopDelayEnv(file: string): Record<string, string> {
  return {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${join(import.meta.dirname, 'loop-delay.ts')}`,
    EVALHUB_BENCH_LOOP_DELAY: file,
  };
}

/** The delay a process writes to `file` at the end of its window, in milliseconds. */
export async function readLoopDelay(file: string): Promise<LoopDelay> {
  // The process writes it as soon as it handles the signal; a busy one takes a moment.
  while (!existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 50));
  return JSON.parse(readFileSync(file, 'utf8')) as LoopDelay;
}

/** A sampler's figures in milliseconds, beyond the sampling period. */
export function monitorLoopDelay(): ELDHistogram {
  return monitorEventLoopDelay({ resolution: RESOLUTION_MS });
}

export function loopDelayOf(histogram: ELDHistogram): LoopDelay {
  const ms = (ns: number) => Number(Math.max(0, ns / 1e6 - RESOLUTION_MS).toFixed(1));
  return {
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
    mean: ms(histogram.mean),
  };
}

const file = process.env.EVALHUB_BENCH_LOOP_DELAY;
if (file) {
  // Not inherited by the processes this one starts: they would write over its figures.
  delete process.env.EVALHUB_BENCH_LOOP_DELAY;
  const histogram = monitorLoopDelay();
  let measuring = false;
  let cpuFrom = process.cpuUsage();
  process.on('SIGUSR2', () => {
    measuring = !measuring;
    if (measuring) {
      histogram.enable();
      cpuFrom = process.cpuUsage();
      return;
    }
    histogram.disable();
    const cpu = process.cpuUsage(cpuFrom);
    const delay = {
      ...loopDelayOf(histogram),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
    // Whole or not at all, for the reader polling for it.
    writeFileSync(`${file}.part`, JSON.stringify(delay));
    renameSync(`${file}.part`, file);
  });
}
