// Event-loop delay of a process a benchmark starts: loaded with `node --import` (see
// `loopDelayEnv`), it samples the delay from start-up and, when the process exits, writes
// what it saw to the file named by EVALHUB_BENCH_LOOP_DELAY (read back with `readLoopDelay`).
// A sample covers the whole life of the process, start-up included: the figures a bench
// reports are those of the window it asked for, by resetting on SIGUSR2.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** The environment that makes an `evalhub` child process report its loop delay to `file`. */
export function loopDelayEnv(file: string): Record<string, string> {
  return {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${join(import.meta.dirname, 'loop-delay.ts')}`,
    EVALHUB_BENCH_LOOP_DELAY: file,
  };
}

/** The delay a process wrote to `file` when it exited, in milliseconds. */
export function readLoopDelay(file: string): LoopDelay {
  return JSON.parse(readFileSync(file, 'utf8')) as LoopDelay;
}

const file = process.env.EVALHUB_BENCH_LOOP_DELAY;
if (file) {
  // Not inherited by the processes this one starts: they would write over its figures.
  delete process.env.EVALHUB_BENCH_LOOP_DELAY;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // The bench says when its measured window starts.
  process.on('SIGUSR2', () => histogram.reset());
  process.once('exit', () => {
    histogram.disable();
    const ms = (ns: number) => Number((ns / 1e6).toFixed(1));
    const delay: LoopDelay = {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      mean: ms(histogram.mean),
    };
    writeFileSync(file, JSON.stringify(delay));
  });
}
