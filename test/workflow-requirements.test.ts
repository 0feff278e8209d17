// Requirements in a workflow spec, checked after each step: what is recorded on the workflow
// run when a requirement passes, fails, or is never reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { emitRunner } from './support/emit-runner.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { DefineWorkflow, expectType } from './support/registry-documents.ts';
import { StartWorkflow, waitForStatus } from './support/run-documents.ts';

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub({ runners: [emitRunner] });
});

afterAll(async () => {
  await t.close();
});

const emitting = (
  id: string,
  config: z.input<typeof emitRunner.config>,
  dependsOn: string[] = [],
) => ({
  id,
  runner: 'emit',
  config,
  dependsOn,
});

async function runWorkflow(name: string, spec: unknown) {
  const defined = await t.graphql(DefineWorkflow, { input: { project: 'reqs', name, spec } });
  const version = expectType(defined.data.defineWorkflow, 'DefineWorkflowPayload').workflowVersion;
  const started = await t.graphql(StartWorkflow, { input: { workflowVersion: version.id } });
  const { run } = expectType(started.data.startWorkflow, 'RunPayload');
  return waitForStatus(t, run.id, ['SUCCEEDED', 'FAILED']);
}

describe('workflow requirements', () => {
  it('records each check on the workflow run, with value, interval and slice', async () => {
    const done = await runWorkflow('checked', {
      steps: [
        emitting('train', {
          metrics: [
            { key: 'loss', value: 0.9, step: 1 },
            { key: 'loss', value: 0.2, step: 2 },
          ],
        }),
        emitting(
          'evaluate',
          {
            metrics: [
              {
                key: 'recall',
                value: 0.62,
                slice: { class: 'truck' },
                ci: { lower: 0.55, upper: 0.69, level: 0.95 },
              },
              { key: 'recall', value: 0.91, slice: { class: 'car' } },
            ],
          },
          ['train'],
        ),
      ],
      requirements: [
        { id: 'converged', metric: 'loss', op: '<', threshold: 0.3 },
        {
          step: 'evaluate',
          metric: 'recall',
          op: '>=',
          threshold: 0.7,
          slice: { class: 'truck' },
          severity: 'MEDIUM',
        },
        { step: 'evaluate', metric: 'precision', op: '>=', threshold: 0.7 },
        { metric: 'map50', op: '>=', threshold: 0.5, severity: 'LOW' },
      ],
    });
    expect(done.status).toBe('SUCCEEDED');
    const byTitle = done.findings
      .map((f) => ({ kind: f.kind, severity: f.severity, title: f.title, evidence: f.evidence }))
      .sort((a, b) => a.title.localeCompare(b.title));
    expect(byTitle).toEqual([
      {
        kind: 'REQUIREMENT_FAILED',
        severity: 'MEDIUM',
        title: 'Requirement failed: recall 0.62 for class=truck, needs >= 0.7',
        evidence: expect.objectContaining({
          step: 'evaluate',
          value: 0.62,
          ci: { lower: 0.55, upper: 0.69, level: 0.95 },
          slice: { class: 'truck' },
          certain: true,
          checkedValues: 1,
        }),
      },
      {
        // Only the last step of the loss curve counts.
        kind: 'REQUIREMENT_PASSED',
        severity: 'INFO',
        title: 'Requirement met: loss < 0.3 (step train)',
        evidence: expect.objectContaining({ step: 'train', value: 0.2, ci: null }),
      },
      {
        kind: 'REQUIREMENT_FAILED',
        severity: 'LOW',
        title: 'Requirement not verified: no step reported map50',
        evidence: expect.objectContaining({ reason: 'NOT_REPORTED', metric: 'map50' }),
      },
      {
        kind: 'REQUIREMENT_FAILED',
        severity: 'HIGH',
        title: 'Requirement not verified: step evaluate reported no precision',
        evidence: expect.objectContaining({ reason: 'NOT_REPORTED', step: 'evaluate' }),
      },
    ]);
    const summary = Object.fromEntries(
      done.metrics.filter((m) => m.key.startsWith('requirements_')).map((m) => [m.key, m.value]),
    );
    expect(summary).toEqual({ requirements_passed: 1, requirements_failed: 3 });
  });

  it('checks nothing after a failed step, and the workflow fails for the step', async () => {
    const done = await runWorkflow('broken', {
      steps: [
        emitting('evaluate', { metrics: [{ key: 'accuracy', value: 0.2 }], fail: 'out of memory' }),
      ],
      requirements: [{ metric: 'accuracy', op: '>=', threshold: 0.9 }],
    });
    expect(done.status).toBe('FAILED');
    expect(done.findings).toEqual([]);
  });
});
