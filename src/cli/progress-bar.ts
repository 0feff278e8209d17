// A progress bar of bytes on stderr when it is a terminal; nothing otherwise (scripts, pipes).
import type { SingleBar } from 'cli-progress';

export interface ProgressBar {
  update(done: number, total: number): void;
  stop(): Promise<void>;
}

export function progressBar(label: string): ProgressBar {
  if (!process.stderr.isTTY) return { update: () => {}, stop: async () => {} };
  let bar: SingleBar | null = null;
  let latest: [number, number] | null = null;
  const loading = import('cli-progress').then(({ default: progress }) => {
    bar = new progress.SingleBar(
      {
        stream: process.stderr,
        format: `${label} {bar} {percentage}% {value_mb}/{total_mb} MB`,
        hideCursor: true,
        clearOnComplete: true,
      },
      progress.Presets.shades_classic,
    );
    bar.start(latest?.[1] ?? 0, latest?.[0] ?? 0, mb(latest ?? [0, 0]));
  });
  const mb = ([done, total]: [number, number]) => ({
    value_mb: (done / 2 ** 20).toFixed(1),
    total_mb: (total / 2 ** 20).toFixed(1),
  });
  return {
    update(done, total) {
      latest = [done, total];
      if (!bar) return;
      bar.setTotal(total);
      bar.update(done, mb(latest));
    },
    async stop() {
      await loading;
      (bar as SingleBar | null)?.stop();
    },
  };
}
