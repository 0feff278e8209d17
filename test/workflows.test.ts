// Workflow specs are content-addressed versions: the digest of their canonical JSON.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { DefineWorkflow, expectType } from './support/registry-documents.ts';
import { countRows } from './support/rows.ts';

const WorkflowVersions = graphql(`
  query WorkflowVersions {
    workflows(filter: { project: "evals" }) {
      edges { node { name latestVersion { number } versions { totalCount edges { node { number digest } } } } }
    }
  }
`);

const spec = {
  inputs: [
    { name: 'model', kind: 'MODEL_VERSION' },
    { name: 'data', kind: 'DATASET_VERSION' },
  ],
  steps: [
    { id: 'profile', runner: 'profile-dataset', inputs: { dataset: 'data' } },
    {
      id: 'evaluate',
      runner: 'evaluate-classification',
      inputs: { model: 'model', dataset: 'data' },
      config: { batchSize: 16 },
      dependsOn: ['profile'],
    },
  ],
  requirements: [{ metric: 'accuracy', op: '>=', threshold: 0.85, step: 'evaluate' }],
};

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});

afterAll(() => t.close());

async function define(specValue: unknown, name = 'classify') {
  const { data } = await t.graphql(DefineWorkflow, {
    input: { project: 'evals', name, spec: specValue },
  });
  return data.defineWorkflow;
}

describe('defineWorkflow', () => {
  it('returns version 1 identified by the sha256 of the canonical JSON of the spec', async () => {
    const payload = expectType(await define(spec), 'DefineWorkflowPayload');
    expect(payload.created).toBe(true);
    expect(payload.workflowVersion.number).toBe(1);
    const stored = payload.workflowVersion.spec as typeof spec;
    // Defaults are applied, so the stored spec is what the digest covers.
    expect(stored.steps[0]).toEqual({ ...spec.steps[0], config: {}, dependsOn: [] });
    expect(stored.requirements[0]).toEqual({ ...spec.requirements[0], severity: 'HIGH' });
    const canonical = canonicalise(stored);
    expect(payload.workflowVersion.digest).toBe(
      `sha256:${createHash('sha256').update(canonical).digest('hex')}`,
    );
  });

  it('returns the same version for the same spec written differently', async () => {
    const first = expectType(await define(spec), 'DefineWorkflowPayload');
    const reordered = Object.fromEntries(Object.entries(spec).reverse());
    const withDefaults = {
      ...reordered,
      steps: spec.steps.map((step) => ({ dependsOn: [], config: {}, ...step })),
    };
    const again = expectType(await define(withDefaults), 'DefineWorkflowPayload');
    expect(again.created).toBe(false);
    expect(again.workflowVersion.id).toBe(first.workflowVersion.id);
  });

  it('numbers a changed spec as the next version', async () => {
    const changed = { ...spec, requirements: [{ ...spec.requirements[0], threshold: 0.9 }] };
    const payload = expectType(await define(changed), 'DefineWorkflowPayload');
    expect(payload.workflowVersion.number).toBe(2);
    const { data } = await t.graphql(WorkflowVersions, {});
    const workflow = data.workflows.edges[0]!.node;
    expect(workflow.latestVersion?.number).toBe(2);
    expect(workflow.versions.edges.map((e) => e.node.number)).toEqual([2, 1]);
  });

  it.each([
    ['no steps', { steps: [] }, ['input', 'spec', 'steps'], 'at least one step'],
    ['an unknown key', { ...spec, extra: 1 }, ['input', 'spec'], 'extra'],
    [
      'duplicate step ids',
      { ...spec, steps: [spec.steps[0], spec.steps[0]] },
      ['input', 'spec', 'steps'],
      'unique',
    ],
    [
      'a dependency on a missing step',
      { ...spec, steps: [{ ...spec.steps[1], dependsOn: ['nope'] }] },
      ['input', 'spec', 'steps', '0', 'dependsOn'],
      'unknown step nope',
    ],
    [
      'a cycle',
      {
        ...spec,
        steps: [
          { ...spec.steps[0], dependsOn: ['evaluate'] },
          { ...spec.steps[1], dependsOn: ['profile'] },
        ],
      },
      ['input', 'spec', 'steps'],
      'cycle: profile -> evaluate -> profile',
    ],
    [
      'an input bound to nothing',
      { ...spec, steps: [{ ...spec.steps[0], inputs: { dataset: 'other' } }] },
      ['input', 'spec', 'steps', '0', 'inputs', 'dataset'],
      'unknown workflow input other',
    ],
    [
      'a bad requirement operator',
      { ...spec, requirements: [{ metric: 'accuracy', op: '=>', threshold: 1 }] },
      ['input', 'spec', 'requirements', '0', 'op'],
      'op',
    ],
  ])('rejects %s, and writes nothing', async (_case, badSpec, path, text) => {
    const before = await countRows(t, 'workflow_versions');
    const error = expectType(await define(badSpec, 'broken'), 'ValidationError');
    expect(error.path).toEqual(path);
    expect(error.message).toContain(text);
    expect(await countRows(t, 'workflow_versions')).toBe(before);
    expect(await countRows(t, 'workflows')).toBe(1);
  });
});

/** RFC 8785 canonical JSON, written again here so the test does not trust the hub's. */
function canonicalise(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalise).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalise((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
