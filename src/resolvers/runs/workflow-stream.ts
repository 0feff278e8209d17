// A workflow run's events and its steps' in one stream: the workflow's own events (step
// changes, requirement findings, its status) with every event of its steps' runs but their
// status changes (which the workflow's step events already say), each marked with its step.
//
// The runs number their events apart, so a place in this stream is a vector: the workflow's
// last sequence number, then each step run's, in the order the workflow queued them
// ("12.5.0.9"). Every event's cursor is the vector after it, so the cursors of one stream
// only grow, and resuming from any of them misses nothing and repeats nothing. A step's
// events all come before the workflow's event that it ended: the two are stored together.
import { and, asc, eq, lte } from 'drizzle-orm';
import type { Database } from '../../db/connect.ts';
import { runEvents } from '../../db/schema.ts';
import { ValidationError } from '../core/errors.ts';
import { type RunEventRow, type RunStatus, TERMINAL_STATUSES } from './events.ts';
import { isTerminalEvent, type RunEventStreams, StreamLostError } from './stream.ts';

/** An event of a workflow's stream: which step's run emitted it, and its place in the stream. */
export type StreamedRunEvent = RunEventRow & { step: string | null; cursor: string };

/** Events a step's lane reads ahead of the merge before it waits. */
const READ_AHEAD = 1000;
/** More step runs than any workflow has: a cursor naming more is not one the hub gave. */
const MAX_STEP_RUNS = 10_000;

interface StepPayload {
  stepId: string;
  runId: string;
  status: RunStatus;
}

/** A workflow cursor: the workflow's sequence number, then each step run's. */
export function parseWorkflowCursor(cursor: string | null | undefined): {
  workflow: number;
  steps: number[];
} {
  if (cursor == null || cursor === '') return { workflow: 0, steps: [] };
  const parts = cursor.split('.');
  if (
    parts.length > MAX_STEP_RUNS + 1 ||
    !parts.every((part) => /^(0|[1-9][0-9]{0,15})$/.test(part))
  ) {
    throw new ValidationError('an event cursor is the `cursor` of an event you received', [
      'after',
    ]);
  }
  const [workflow, ...steps] = parts.map(Number);
  return { workflow: workflow!, steps };
}

/** Reads a stream ahead into a buffer the merge takes from, at most READ_AHEAD events ahead. */
class Lane {
  readonly items: RunEventRow[] = [];
  done = false;
  error: unknown = null;
  #closed = false;
  #space: (() => void) | null = null;

  constructor(source: AsyncGenerator<RunEventRow>, wake: () => void) {
    void (async () => {
      try {
        for await (const event of source) {
          this.items.push(event);
          wake();
          if (this.items.length >= READ_AHEAD && !this.#closed)
            await new Promise<void>((resolve) => {
              this.#space = resolve;
            });
          if (this.#closed) break;
        }
      } catch (error) {
        this.error = error;
      } finally {
        this.done = true;
        wake();
      }
    })();
  }

  take(): RunEventRow | undefined {
    const event = this.items.shift();
    if (this.#space && this.items.length < READ_AHEAD) this.#release();
    return event;
  }

  #release(): void {
    const resolve = this.#space;
    this.#space = null;
    resolve?.();
  }

  /** Stops reading: at once when waiting for space, else once the next event arrives. */
  close(): void {
    this.#closed = true;
    this.#release();
  }
}

interface StepRun {
  stepId: string;
  runId: string;
  /** The last of its events this stream has passed. */
  seq: number;
  lane: Lane | null;
}

/** The step runs the workflow queued up to its event `upTo`, and which of them it saw end. */
async function stepRunsUpTo(db: Database, workflowRunId: string, upTo: number) {
  const rows = await db
    .select({ payload: runEvents.payload })
    .from(runEvents)
    .where(
      and(eq(runEvents.runId, workflowRunId), eq(runEvents.type, 'step'), lte(runEvents.seq, upTo)),
    )
    .orderBy(asc(runEvents.seq));
  const order: Array<{ stepId: string; runId: string }> = [];
  const ended = new Set<string>();
  for (const { payload } of rows) {
    const step = payload as StepPayload;
    if (!order.some((known) => known.runId === step.runId))
      order.push({ stepId: step.stepId, runId: step.runId });
    if (TERMINAL_STATUSES.includes(step.status)) ended.add(step.runId);
  }
  return { order, ended };
}

/**
 * The stream of a workflow run after `after` (a cursor of this stream; or a plain sequence
 * number of the workflow's own events, which resumes its steps' from their start), then live,
 * until the workflow's terminal status event. Checks the cursor before streaming; the caller checks that the actor may see the run.
 */
export async function workflowEvents(
  db: Database,
  streams: RunEventStreams,
  workflowRunId: string,
  after: string | null | undefined,
): Promise<AsyncGenerator<StreamedRunEvent>> {
  const from = parseWorkflowCursor(after);
  const { order, ended } = await stepRunsUpTo(db, workflowRunId, from.workflow);
  if (from.steps.length > order.length) {
    throw new ValidationError('an event cursor is the `cursor` of an event you received', [
      'after',
    ]);
  }
  return merge(streams, workflowRunId, from.workflow, order, ended, from.steps);
}

async function* merge(
  streams: RunEventStreams,
  workflowRunId: string,
  workflowSeq: number,
  order: Array<{ stepId: string; runId: string }>,
  ended: Set<string>,
  stepSeqs: number[],
): AsyncGenerator<StreamedRunEvent> {
  let woken = false;
  let wakeWaiter: (() => void) | null = null;
  const wake = () => {
    woken = true;
    wakeWaiter?.();
  };
  const nextWake = async () => {
    if (!woken) await new Promise<void>((resolve) => (wakeWaiter = resolve));
    woken = false;
    wakeWaiter = null;
  };

  let last = workflowSeq;
  const steps: StepRun[] = [];
  const open = (stepId: string, runId: string, seq: number, done: boolean) => {
    const lane = done ? null : new Lane(streams.events(runId, seq), wake);
    steps.push({ stepId, runId, seq, lane });
  };
  // A step the cursor has a place for and that ended by then was passed whole; one it has none
  // for (a plain sequence number of the workflow's own events) is read from its start.
  order.forEach((step, i) => {
    open(step.stepId, step.runId, stepSeqs[i] ?? 0, i < stepSeqs.length && ended.has(step.runId));
  });
  const workflow = new Lane(streams.events(workflowRunId, workflowSeq), wake);
  const cursor = () => [last, ...steps.map((step) => step.seq)].join('.');
  const failure = (lane: Lane) =>
    lane.error instanceof StreamLostError
      ? new StreamLostError(lane.error.reason, cursor())
      : lane.error;
  /** A step run's event: passed (a status change), or as this stream carries it. */
  const pass = (step: StepRun, event: RunEventRow): StreamedRunEvent | null => {
    step.seq = event.seq;
    return event.type === 'status' ? null : { ...event, step: step.stepId, cursor: cursor() };
  };

  try {
    for (;;) {
      for (const step of steps) {
        if (!step.lane) continue;
        for (let event = step.lane.take(); event; event = step.lane.take()) {
          const streamed = pass(step, event);
          if (streamed) yield streamed;
        }
        if (step.lane.error) throw failure(step.lane);
      }
      const event = workflow.take();
      if (!event) {
        if (workflow.error) throw failure(workflow);
        // The workflow's stream ends only after its terminal event, or when it is gone.
        if (workflow.done) return;
        await nextWake();
        continue;
      }
      if (event.type === 'step') {
        const change = event.payload as StepPayload;
        let step = steps.find((known) => known.runId === change.runId);
        if (!step) {
          open(change.stepId, change.runId, 0, false);
          step = steps.at(-1)!;
        }
        if (TERMINAL_STATUSES.includes(change.status) && step.lane) {
          // Everything the step emitted comes first: it is stored by now.
          const lane = step.lane;
          while (!lane.done || lane.items.length) {
            const stepEvent = lane.take();
            if (!stepEvent) {
              await nextWake();
              continue;
            }
            const streamed = pass(step, stepEvent);
            if (streamed) yield streamed;
          }
          if (lane.error) throw failure(lane);
          step.lane = null;
        }
      }
      last = event.seq;
      yield { ...event, step: null, cursor: cursor() };
      if (isTerminalEvent(event)) return;
    }
  } finally {
    workflow.close();
    for (const step of steps) step.lane?.close();
  }
}
