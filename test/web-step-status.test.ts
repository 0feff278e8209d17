// How the run page gathers a workflow's step statuses from its query, its event stream and
// its project's run updates, which each arrive in their own time (web/src/run/stepStatus.ts).
import { describe, expect, it } from 'vitest';
import { advanceStep, mergeSteps, type StepStates } from '../web/src/run/stepStatus.ts';

describe("a workflow run's step statuses", () => {
  it('only move forward: queued, running, ended', () => {
    let steps: StepStates = new Map();
    steps = advanceStep(steps, 'measure', 'QUEUED');
    steps = advanceStep(steps, 'measure', 'RUNNING', 'run-1');
    expect(steps.get('measure')).toEqual({ status: 'RUNNING', runId: 'run-1' });
    steps = advanceStep(steps, 'measure', 'FAILED');
    // A late update of an earlier status changes nothing, and keeps the run it named.
    const ended = steps;
    expect(advanceStep(ended, 'measure', 'RUNNING', 'run-1')).toBe(ended);
    expect(advanceStep(ended, 'measure', 'QUEUED')).toBe(ended);
    expect(ended.get('measure')).toEqual({ status: 'FAILED', runId: 'run-1' });
  });

  it('learn the run of a step from whichever source names it', () => {
    const fromStream = advanceStep(new Map(), 'hold', 'RUNNING');
    const fromUpdates = advanceStep(new Map(), 'hold', 'QUEUED', 'run-2');
    expect(mergeSteps(fromStream, fromUpdates).get('hold')).toEqual({
      status: 'RUNNING',
      runId: 'run-2',
    });
  });

  it('take the furthest status any source has seen', () => {
    const query: StepStates = new Map([
      ['a', { status: 'RUNNING', runId: 'ra' }],
      ['b', { status: 'QUEUED', runId: 'rb' }],
    ]);
    const stream: StepStates = new Map([
      ['a', { status: 'SUCCEEDED' }],
      ['c', { status: 'QUEUED' }],
    ]);
    const updates: StepStates = new Map([['b', { status: 'RUNNING', runId: 'rb' }]]);
    expect(Object.fromEntries(mergeSteps(query, stream, updates))).toEqual({
      a: { status: 'SUCCEEDED', runId: 'ra' },
      b: { status: 'RUNNING', runId: 'rb' },
      c: { status: 'QUEUED' },
    });
  });
});
