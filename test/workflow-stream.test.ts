// A workflow run's whole stream: its own events and its steps' progress, metrics and findings,
// each marked with its step, in order; resumed from any cursor with no gap and no duplicate,
// whether the run is still going or over.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type EvalhubClient, type RunEvent } from '../src/client/index.ts';
import { emitRunner } from './support/emit-runner.ts';
import { tempFolder } from './support/files.ts';
import { gateRunner } from './support/gate-runner.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { DefineWorkflow, expectType } from './support/registry-documents.ts';

let t: TestHub;
let client: EvalhubClient;
let gates: { path: string; remove: () => void };

beforeAll(async () => {
  t = await startTestHub({ runners: [emitRunner, gateRunner] });
  client = connect({ url: t.hub.url });
  gates = tempFolder('evalhub-gates-');
});

afterAll(async () => {
  await t?.close();
  gates?.remove();
});

/** A workflow: `score` emits a metric and a finding, then `hold` emits three and waits at a gate. */
async function defineWorkflow(name: string, gate: string) {
  const defined = await t.graphql(DefineWorkflow, {
    input: {
      project: 'streams',
      name,
      spec: {
        steps: [
          {
            id: 'score',
            runner: 'emit',
            config: {
              metrics: [{ key: 'accuracy', value: 0.8 }],
              findings: [{ kind: 'DRIFT', severity: 'MEDIUM', title: 'inputs drifted' }],
            },
          },
          {
            id: 'hold',
            runner: 'gate',
            dependsOn: ['score'],
            config: { metrics: 3, gate },
          },
        ],
        requirements: [{ metric: 'accuracy', op: '>=', threshold: 0.9, severity: 'HIGH' }],
      },
    },
  });
  expectType(defined.data.defineWorkflow, 'DefineWorkflowPayload');
}

/** Events of the watch from `after` until `stop` says so (or the stream ends). */
async function collect(
  runId: string,
  after: string | null,
  stop: (events: RunEvent[]) => boolean = () => false,
): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of client.watch(runId, { after })) {
    events.push(event);
    if (stop(events)) break;
  }
  return events;
}

const key = (event: RunEvent) => `${event.runId}#${event.seq}`;
const cursorOf = (event: RunEvent) => event.cursor.split('.').map(Number);

/** What must hold of any stretch of a workflow's stream. */
function expectOrdered(events: RunEvent[], workflowRunId: string): void {
  expect(new Set(events.map(key)).size).toBe(events.length);
  // Each run's events in its own order; the cursors only grow.
  const lastSeq = new Map<string, number>();
  for (const event of events) {
    expect(event.seq).toBeGreaterThan(lastSeq.get(event.runId) ?? 0);
    lastSeq.set(event.runId, event.seq);
    expect(event.step === null).toBe(event.runId === workflowRunId);
    // A step's own status changes come as the workflow's step events instead.
    if (event.step) expect(event.__typename).not.toBe('RunStatusEvent');
  }
  for (let i = 1; i < events.length; i += 1) {
    const [before, after] = [cursorOf(events[i - 1]!), cursorOf(events[i]!)];
    expect(after.length).toBeGreaterThanOrEqual(before.length);
    expect(before.every((n, j) => after[j]! >= n)).toBe(true);
    expect(after.some((n, j) => n > (before[j] ?? 0))).toBe(true);
  }
  // A step's events come after it was queued and before the workflow says it ended.
  for (const change of events.filter((e) => e.__typename === 'RunStepEvent')) {
    const at = events.indexOf(change);
    const own = events.filter((e) => e.step === change.stepId).map((e) => events.indexOf(e));
    if (change.stepStatus === 'QUEUED') expect(own.every((i) => i > at)).toBe(true);
    else expect(own.every((i) => i < at)).toBe(true);
  }
}

it("carries the steps' metrics and findings with the workflow's events, resumed mid-run with no gap or duplicate", async () => {
  const gate = join(gates.path, 'live');
  await defineWorkflow('live', gate);
  const run = await client.startWorkflow({ workflow: 'streams/live' });

  // Until the held step has emitted its metrics: it waits at its gate now.
  const first = await collect(
    run.id,
    null,
    (events) =>
      events.filter((e) => e.step === 'hold' && e.__typename === 'RunMetricEvent').length === 3,
  );
  // Dropped there; the rest from its cursor once the gate opens.
  writeFileSync(gate, '');
  const rest = await collect(run.id, first.at(-1)!.cursor);
  const stream = [...first, ...rest];
  expectOrdered(stream, run.id);

  const metrics = stream.flatMap((e) =>
    e.__typename === 'RunMetricEvent' ? [`${e.step} ${e.metric.key} ${e.metric.value}`] : [],
  );
  expect(metrics).toEqual([
    'score accuracy 0.8',
    'hold before-gate 1',
    'hold before-gate 2',
    'hold before-gate 3',
    // The workflow's own, from its requirements.
    'null requirements_passed 0',
    'null requirements_failed 1',
  ]);
  expect(stream).toContainEqual(
    expect.objectContaining({
      __typename: 'RunFindingEvent',
      step: 'score',
      title: 'inputs drifted',
    }),
  );
  // The workflow's requirement finding is its own, and the stream ends with its status.
  expect(stream).toContainEqual(
    expect.objectContaining({ __typename: 'RunFindingEvent', step: null, severity: 'HIGH' }),
  );
  expect(stream.at(-1)).toMatchObject({
    __typename: 'RunStatusEvent',
    step: null,
    status: 'SUCCEEDED',
  });

  // Everything each step run stored but its status changes is in the stream, once.
  const stored = await client.run(run.id);
  for (const step of stored!.children) {
    const ofStep = stream.filter((e) => e.step === step.stepId).map((e) => e.seq);
    const all = await collect(step.id, null);
    expect(ofStep).toEqual(all.filter((e) => e.__typename !== 'RunStatusEvent').map((e) => e.seq));
  }

  // From scratch, the same events; from any cursor of it, exactly those after it.
  const whole = await collect(run.id, null);
  expectOrdered(whole, run.id);
  expect(new Set(whole.map(key))).toEqual(new Set(stream.map(key)));
  for (const at of [0, 3, Math.floor(whole.length / 2), whole.length - 2]) {
    const resumed = await collect(run.id, whole[at]!.cursor);
    expectOrdered(resumed, run.id);
    expect(new Set(resumed.map(key))).toEqual(new Set(whole.slice(at + 1).map(key)));
  }
  // A sequence number of the workflow's own events (as Run.events gives), here one after a
  // step ended: the workflow's events after it, and every step's, those of the ended one too.
  const scoreEnded = whole.find(
    (e) => e.__typename === 'RunStepEvent' && e.stepId === 'score' && e.stepStatus === 'SUCCEEDED',
  )!.seq;
  const resumedFromSeq = await collect(run.id, String(scoreEnded));
  expect(new Set(resumedFromSeq.map(key))).toEqual(
    new Set(whole.filter((e) => e.step !== null || e.seq > scoreEnded).map(key)),
  );
});

it('refuses a cursor this stream never gave', async () => {
  const gate = join(gates.path, 'refused');
  writeFileSync(gate, '');
  await defineWorkflow('refused', gate);
  const run = await client.startWorkflow({ workflow: 'streams/refused' });
  // More places than the workflow has steps.
  await expect(collect(run.id, '1.4.4.4')).rejects.toThrow(/cursor/);
  await expect(collect(run.id, 'x')).rejects.toThrow(/cursor/);
  await collect(run.id, null);
});
