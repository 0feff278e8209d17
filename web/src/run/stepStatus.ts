// What is known of each step of a workflow run, gathered from three places that each tell
// part of it, in their own time: the run's query (its step runs, as they were when asked),
// the workflow's event stream (a step queued or ended; a step that emits is running) and the
// project's run updates (a step started, with the id of its run). A step's status only moves
// forward (queued, running, ended), so the furthest any place has seen is its status.

export const ENDED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export interface StepState {
  status: string;
  /** Its run, when known. */
  runId?: string;
}

export type StepStates = ReadonlyMap<string, StepState>;

const stage = (status: string) => (ENDED.has(status) ? 2 : status === 'RUNNING' ? 1 : 0);

/** `states` with `step` moved to `status` when that is further on; the same map otherwise. */
export function advanceStep(
  states: StepStates,
  step: string,
  status: string,
  runId?: string,
): StepStates {
  const known = states.get(step);
  const further = !known || stage(status) > stage(known.status);
  const id = known?.runId ?? runId;
  if (!further && id === known?.runId) return states;
  const next = new Map(states);
  next.set(step, { status: further ? status : known!.status, ...(id ? { runId: id } : {}) });
  return next;
}

/** Each source's states folded into one, the furthest status of each step winning. */
export function mergeSteps(...sources: StepStates[]): StepStates {
  let merged: StepStates = new Map();
  for (const source of sources)
    for (const [step, { status, runId }] of source)
      merged = advanceStep(merged, step, status, runId);
  return merged;
}
