// How a watched run looks: on a terminal, a progress bar for the run and one per workflow step,
// metrics as they arrive and findings highlighted; otherwise one line per event (JSON with
// --json). Ctrl-C on a terminal asks whether to cancel the run.
import { createInterface } from 'node:readline/promises';
import type { EvalhubClient, RunEvent } from '../client/index.ts';
import { colour } from './output.ts';

type Bar = { update(value: number, payload?: object): void; stop(): void };
type MultiBar = {
  create(total: number, start: number, payload?: object): Bar;
  log(text: string): void;
  stop(): void;
};

interface Verdict {
  id: string;
  status: string;
  error?: { code: string; message: string } | null;
}

const SEVERITY_COLOUR: Record<string, number> = { CRITICAL: 31, HIGH: 31, MEDIUM: 33 };

function describe(event: RunEvent): string | null {
  switch (event.__typename) {
    case 'RunStatusEvent':
      return `status ${event.status.toLowerCase()}${event.reason ? `: ${event.reason}` : ''}`;
    case 'RunStepEvent':
      return `step ${event.stepId} ${event.stepStatus.toLowerCase()}${event.reason ? `: ${event.reason}` : ''}`;
    case 'RunMetricEvent': {
      const { key, value, ciLower, ciUpper, slice } = event.metric;
      const where = slice && Object.keys(slice as object).length ? ` ${JSON.stringify(slice)}` : '';
      const interval = ciLower != null && ciUpper != null ? ` [${ciLower}, ${ciUpper}]` : '';
      return `metric ${key}${where} = ${value}${interval}`;
    }
    case 'RunFindingEvent':
      return colour(
        SEVERITY_COLOUR[event.severity] ?? 36,
        `finding ${event.severity.toLowerCase()}: ${event.title}`,
      );
    case 'RunLogEvent':
      return `${event.level.toLowerCase()}: ${event.message}`;
    case 'RunArtifactEvent':
      return `artifact ${event.name} ${event.digest}`;
    case 'RunOutputEvent':
      return `output ${event.name} ${event.digest}`;
    default:
      return null;
  }
}

export function watchDisplay(client: EvalhubClient, runId: string, json: boolean | undefined) {
  const live = !json && process.stderr.isTTY;
  let bars: MultiBar | null = null;
  let runBar: Bar | null = null;
  const steps = new Map<string, Bar>();
  const print = (text: string) => (bars ? bars.log(`${text}\n`) : console.log(text));

  const onInterrupt = async () => {
    if (!process.stdin.isTTY) process.exit(130);
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await prompt.question(`\ncancel run ${runId}? [y/N] `);
    prompt.close();
    if (/^y(es)?$/i.test(answer.trim())) await client.cancel(runId);
  };
  const interrupt = () => void onInterrupt();
  process.on('SIGINT', interrupt);

  const ready = live
    ? import('cli-progress').then(({ default: progress }) => {
        bars = new progress.MultiBar(
          {
            stream: process.stderr,
            format: '{bar} {percentage}% {label}',
            hideCursor: true,
            clearOnComplete: false,
          },
          progress.Presets.shades_classic,
        ) as MultiBar;
        runBar = bars.create(100, 0, { label: runId });
      })
    : Promise.resolve();

  return {
    async event(event: RunEvent) {
      await ready;
      if (json) return console.log(JSON.stringify(event));
      if (event.__typename === 'RunProgressEvent') {
        const label = [event.stage, event.message].filter(Boolean).join(': ');
        if (runBar && event.fraction != null)
          runBar.update(Math.round(event.fraction * 100), { label: label || runId });
        else if (!bars) console.log(`progress ${event.fraction ?? ''} ${label}`.trim());
        return;
      }
      if (event.__typename === 'RunStepEvent' && bars) {
        let bar = steps.get(event.stepId);
        if (!bar) {
          bar = bars.create(1, 0, { label: `  step ${event.stepId}` });
          steps.set(event.stepId, bar);
        }
        const done = ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(event.stepStatus);
        bar.update(done ? 1 : 0, {
          label: `  step ${event.stepId} ${event.stepStatus.toLowerCase()}`,
        });
      }
      if (event.__typename === 'RunStatusEvent' && event.status === 'SUCCEEDED')
        runBar?.update(100, { label: runId });
      const line = describe(event);
      if (line) print(line);
    },
    stop() {
      process.off('SIGINT', interrupt);
      bars?.stop();
    },
    verdict(run: Verdict, failed: Array<{ title: string }>, code: number) {
      if (json) return;
      for (const finding of failed) console.log(colour(31, `✗ ${finding.title}`));
      const text =
        code === 0
          ? colour(32, `✓ ${run.status.toLowerCase()}, every requirement passed`)
          : code === 1
            ? colour(31, `✗ succeeded, ${failed.length} requirement(s) failed`)
            : colour(
                31,
                `✗ ${run.status.toLowerCase()}${run.error ? `: ${run.error.code} ${run.error.message}` : ''}`,
              );
      console.log(text);
    },
  };
}
