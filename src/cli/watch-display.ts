// How a watched run looks. On a terminal: a progress bar for the run and, for a workflow, one
// nested bar per step, fed by the one stream of the workflow and its steps; metrics printed
// as they arrive, findings highlighted, then the verdict. Otherwise one line per event, with
// no colours nor bars (JSON with --json). Ctrl-C on a terminal asks whether to cancel the run.
import { createInterface } from 'node:readline/promises';
import type { EvalhubClient, RunEvent } from '../client/index.ts';
import { colour } from './output.ts';

type Bar = { update(value: number | object, payload?: object): void; stop(): void };
type MultiBar = {
  create(total: number, start: number, payload?: object, options?: object): Bar;
  log(text: string): void;
  stop(): void;
};

interface Verdict {
  id: string;
  status: string;
  error?: { code: string; message: string } | null;
}

const SEVERITY_COLOUR: Record<string, number> = { CRITICAL: 31, HIGH: 31, MEDIUM: 33 };
const DONE = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/** One line saying what the event says; null for none (progress has bars, or its own line). */
export function describeEvent(event: RunEvent): string | null {
  const line = ((): string | null => {
    switch (event.__typename) {
      case 'RunStatusEvent':
        return `status ${event.status.toLowerCase()}${event.reason ? `: ${event.reason}` : ''}`;
      case 'RunStepEvent':
        return `step ${event.stepId} ${event.stepStatus.toLowerCase()}${event.reason ? `: ${event.reason}` : ''}`;
      case 'RunProgressEvent': {
        const percent = event.fraction != null ? `${Math.round(event.fraction * 100)}%` : '';
        return ['progress', percent, event.stage, event.message].filter(Boolean).join(' ');
      }
      case 'RunMetricEvent': {
        const { key, value, ciLower, ciUpper, slice } = event.metric;
        const where =
          slice && Object.keys(slice as object).length ? ` ${JSON.stringify(slice)}` : '';
        const interval = ciLower != null && ciUpper != null ? ` [${ciLower}, ${ciUpper}]` : '';
        return `metric ${key}${where} = ${value}${interval}`;
      }
      case 'RunFindingEvent':
        return colour(
          SEVERITY_COLOUR[event.severity] ?? 36,
          `finding ${event.severity.toLowerCase()}: ${event.title}`,
        );
      case 'RunLogEvent':
        return `${event.level.toLowerCase()}: ${event.message ?? ''}`;
      case 'RunArtifactEvent':
        return `artifact ${event.name} ${event.digest}`;
      case 'RunOutputEvent':
        return `output ${event.name} ${event.digest}`;
      default:
        return null;
    }
  })();
  return line && event.step ? `[${event.step}] ${line}` : line;
}

/** Asks on the terminal whether to cancel the run; without one, Ctrl-C just stops watching. */
function onInterrupt(client: EvalhubClient, runId: string) {
  let asking = false;
  return async () => {
    if (!process.stdin.isTTY) process.exit(130);
    // A second Ctrl-C while asking: stop watching, leave the run be.
    if (asking) process.exit(130);
    asking = true;
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await prompt.question(`\ncancel run ${runId}? [y/N] `);
    prompt.close();
    asking = false;
    if (/^y(es)?$/i.test(answer.trim())) await client.cancel(runId);
  };
}

export function watchDisplay(client: EvalhubClient, runId: string, json: boolean | undefined) {
  const live = !json && process.stderr.isTTY;
  let bars: MultiBar | null = null;
  let runBar: Bar | null = null;
  const steps = new Map<string, Bar>();
  const running = new Set<string>();
  const print = (text: string) => (bars ? bars.log(`${text}\n`) : console.log(text));

  const stepBar = (step: string): Bar => {
    let bar = steps.get(step);
    if (!bar) {
      bar = bars!.create(
        100,
        0,
        { label: `${step} queued` },
        { format: '  {bar} {percentage}% {label}' },
      );
      steps.set(step, bar);
    }
    return bar;
  };

  const interrupt = onInterrupt(client, runId);
  const handler = () => void interrupt();
  process.on('SIGINT', handler);

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
      if (bars) {
        // A step that emits is running, whatever its last step event said.
        if (event.step && !running.has(event.step)) {
          running.add(event.step);
          stepBar(event.step).update({ label: `${event.step} running` });
        }
        // Progress moves the bars and says nothing more.
        if (event.__typename === 'RunProgressEvent') {
          const label = [event.stage, event.message].filter(Boolean).join(': ');
          const percent = event.fraction == null ? null : Math.round(event.fraction * 100);
          if (event.step) {
            const bar = stepBar(event.step);
            if (percent != null) bar.update(percent, { label: `${event.step} ${label}`.trim() });
          } else if (percent != null) runBar!.update(percent, { label: label || runId });
          return;
        }
        if (event.__typename === 'RunStepEvent') {
          const done = DONE.includes(event.stepStatus);
          const bar = stepBar(event.stepId);
          const label = `${event.stepId} ${event.stepStatus.toLowerCase()}`;
          if (event.stepStatus === 'SUCCEEDED') bar.update(100, { label });
          else bar.update({ label });
          if (!done) return;
        }
        if (event.__typename === 'RunStatusEvent' && event.status === 'SUCCEEDED')
          runBar!.update(100, { label: runId });
      }
      const line = describeEvent(event);
      if (line) print(line);
    },
    stop() {
      process.off('SIGINT', handler);
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
