// End to end through the API: a workflow that profiles a dataset, evaluates an ONNX
// classifier on it and sweeps perturbations, with requirements. The hub runs the real
// runners; the test checks the findings, the derived dataset versions and their lineage,
// and the artifacts a T&E engineer would open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { tempFolder } from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { Impact, Trace } from './support/lineage-documents.ts';
import { DefineWorkflow, expectType } from './support/registry-documents.ts';
import { runDetails, StartWorkflow, waitForStatus } from './support/run-documents.ts';
import { registerStripes, stripesWorkflowSpec } from './support/stripes.ts';

const DerivedVersion = graphql(`
  query DerivedVersion($id: ID!) {
    node(id: $id) {
      __typename
      ... on DatasetVersion { id version digest format transform derivedFrom { id } }
    }
  }
`);

const OutputEvents = graphql(`
  query OutputEvents($id: ID!) {
    node(id: $id) {
      ... on Run {
        events(first: 1000) {
          edges { node { __typename ... on RunOutputEvent { name digest datasetVersion { id } } } }
        }
      }
    }
  }
`);

let t: TestHub;
const temp = tempFolder();
let modelVersion = '';
let datasetVersion = '';

beforeAll(async () => {
  t = await startTestHub();
  ({ modelVersion, datasetVersion } = await registerStripes(t, temp.path, 'e2e'));
}, 60_000);

afterAll(async () => {
  await t.close();
  temp.remove();
});

describe('an evaluation workflow through the API', () => {
  it('profiles, evaluates and sweeps, then reports what its requirements found', async () => {
    const defined = await t.graphql(DefineWorkflow, {
      input: { project: 'e2e', name: 'acceptance', spec: stripesWorkflowSpec },
    });
    const workflowVersion = expectType(defined.data.defineWorkflow, 'DefineWorkflowPayload')
      .workflowVersion.id;
    const started = await t.graphql(StartWorkflow, {
      input: {
        workflowVersion,
        inputs: [
          { role: 'model', version: modelVersion },
          { role: 'data', version: datasetVersion },
        ],
        seed: 7,
      },
    });
    const { run } = expectType(started.data.startWorkflow, 'RunPayload');
    const done = await waitForStatus(t, run.id, ['SUCCEEDED', 'FAILED'], 120_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('SUCCEEDED');
    const steps = Object.fromEntries(done.children.map((child) => [child.stepId, child.id]));

    // The profile saw that each class is one picture three times.
    const profile = await runDetails(t, steps.profile!);
    expect(profile.findings.map((f) => f.kind)).toContain('DUPLICATES');
    expect(profile.metrics).toContainEqual(
      expect.objectContaining({ key: 'item_count', value: 6 }),
    );

    // The clean evaluation: accuracy 1 with its interval, and the confusion matrix.
    const evaluation = await runDetails(t, steps.evaluate!);
    const accuracy = evaluation.metrics.find(
      (m) => m.key === 'accuracy' && m.slice && !Object.keys(m.slice).length,
    );
    expect(accuracy).toMatchObject({ value: 1, ciLevel: 0.95 });
    expect(evaluation.artifacts.map((a) => a.name)).toEqual(
      expect.arrayContaining(['confusion-matrix.json', 'reliability.json']),
    );

    // The sweep: a derived version per severity, and the curve as sliced metrics and a chart.
    const robustness = await runDetails(t, steps.robustness!);
    const curve = robustness.metrics
      .filter((m) => m.key === 'accuracy' && (m.slice as Record<string, string>).perturbation)
      .map((m) => [(m.slice as Record<string, string>).severity, m.value]);
    expect(curve).toEqual([
      ['0.5', 1],
      ['1', 0.5],
      ['4', 0.5],
    ]);
    expect(robustness.artifacts.map((a) => a.name)).toEqual(
      expect.arrayContaining(['robustness.svg', 'robustness.json']),
    );

    // Requirements, on the workflow run: one pass, one failure at the first failing severity.
    const findings = Object.fromEntries(
      done.findings.map((f) => [
        (f.evidence as { step?: string }).step ?? (f.evidence as { metric: string }).metric,
        f,
      ]),
    );
    expect(findings.evaluate).toMatchObject({
      kind: 'REQUIREMENT_PASSED',
      severity: 'INFO',
      subject: { __typename: 'ModelVersion', id: modelVersion },
    });
    expect(findings.robustness).toMatchObject({
      kind: 'REQUIREMENT_FAILED',
      severity: 'CRITICAL',
      title: 'Requirement failed: accuracy 0.5 for gaussian-blur at severity 1, needs >= 0.9',
      evidence: {
        step: 'robustness',
        metric: 'accuracy',
        op: '>=',
        threshold: 0.9,
        value: 0.5,
        slice: { perturbation: 'gaussian-blur', severity: '1' },
        firstFailingSeverity: '1',
        ci: { lower: expect.any(Number), upper: expect.any(Number), level: 0.95 },
        checkedValues: 3,
      },
    });
    // corrupt_count names no step: the profile, the only step reporting it, verified it.
    expect(findings.profile).toMatchObject({
      kind: 'REQUIREMENT_PASSED',
      evidence: { metric: 'corrupt_count', value: 0 },
    });
    expect(done.findings).toHaveLength(3);
    expect(done.metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'requirements_passed', value: 2 }),
        expect.objectContaining({ key: 'requirements_failed', value: 1 }),
      ]),
    );

    // The failing severity's copy is a derived version of the clean data, with its transform.
    const impact = await t.graphql(Impact, { id: datasetVersion });
    const derived = impact.data.impact!.datasetVersions;
    expect(derived).toHaveLength(3);
    const blurred = await Promise.all(
      derived.map(async (v) => {
        const { data } = await t.graphql(DerivedVersion, { id: v.id });
        return data.node;
      }),
    );
    for (const version of blurred) {
      expect(version).toMatchObject({
        __typename: 'DatasetVersion',
        format: 'IMAGE_FOLDER',
        derivedFrom: { id: datasetVersion },
        digest: expect.stringMatching(/^sha256:/),
      });
    }
    expect(new Set(blurred.map((v) => (v as { digest: string }).digest)).size).toBe(3);
    // Watchers of the sweep saw each copy recorded as it was made.
    const events = await t.graphql(OutputEvents, { id: steps.robustness! });
    const outputs = (
      events.data.node as { events: { edges: Array<{ node: Record<string, unknown> }> } }
    ).events.edges
      .map((edge) => edge.node)
      .filter((node) => node.__typename === 'RunOutputEvent');
    expect(outputs.map((o) => (o.datasetVersion as { id: string }).id).sort()).toEqual(
      derived.map((v) => v.id).sort(),
    );
    // The failed requirement is among the findings this dataset version's impact reaches.
    expect(impact.data.impact!.findings.map((f) => f.id)).toContain(findings.robustness!.id);

    // And an auditor tracing the failure upstream reaches the model and the clean data.
    const trace = await t.graphql(Trace, { id: findings.robustness!.id, depth: 10 });
    const reached = trace.data.trace!.nodes.map((n) => n.id);
    expect(reached).toEqual(expect.arrayContaining([modelVersion, datasetVersion, run.id]));
  }, 180_000);
});
