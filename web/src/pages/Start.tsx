// Start a run: pick a runner (its config form is generated from the JSON Schema it
// publishes, defaults filled in) or a workflow, choose the versions it reads, and land on
// the live run page.
import Form from '@rjsf/core';
import type { RJSFSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { useLocation } from 'wouter';
import type { InputKind, RunInputInput } from '../gql/graphql.ts';
import { graphql } from '../gql/index.ts';
import { Failure, useFilters } from '../parts/common.tsx';

const StartChoices = graphql(`
  query UiStartChoices {
    runners { id version description configSchema inputs { role kind optional multiple description } }
    workflows(first: 100) { edges { node { id name project { slug } latestVersion { id number spec } } } }
    models(first: 100) { edges { node { name project { slug } versions(first: 20) { edges { node { id version } } } } } }
    datasets(first: 100) { edges { node { name project { slug } versions(first: 20) { edges { node { id version } } } } } }
  }
`);

const StartRun = graphql(`
  mutation UiStartRun($input: StartRunInput!) {
    startRun(input: $input) {
      __typename
      ... on StartRunPayload { run { id } }
      ... on Error { message }
    }
  }
`);

const StartWorkflow = graphql(`
  mutation UiStartWorkflow($input: StartWorkflowInput!) {
    startWorkflow(input: $input) {
      __typename
      ... on RunPayload { run { id } }
      ... on Error { message }
    }
  }
`);

interface Slot {
  role: string;
  kind: InputKind;
  optional: boolean;
}

export default function Start() {
  const [params, change] = useFilters();
  const [{ data, error }] = useQuery({ query: StartChoices });
  if (error) return <Failure error={error} />;
  if (!data) return <p>Loading…</p>;
  const choices = (kind: InputKind) =>
    (kind === 'MODEL_VERSION' ? data.models.edges : data.datasets.edges).flatMap(({ node }) =>
      node.versions.edges.map(({ node: v }) => ({
        id: v.id,
        label: `${node.project.slug}/${node.name}@${v.version}`,
      })),
    );
  const workflowId = params.get('workflow');
  const runnerId = params.get('runner') ?? '';
  const workflow = data.workflows.edges.find(
    ({ node }) => node.latestVersion?.id === workflowId,
  )?.node;
  const runner = data.runners.find((r) => r.id === runnerId);
  return (
    <>
      <h1>Start a run</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Runner{' '}
          <select
            value={runnerId}
            onChange={(e) => change({ runner: e.target.value, workflow: null })}
          >
            <option value="">choose…</option>
            {data.runners.map((r) => (
              <option key={r.id} value={r.id}>
                {r.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          or workflow{' '}
          <select
            value={workflowId ?? ''}
            onChange={(e) => change({ workflow: e.target.value, runner: null })}
          >
            <option value="">choose…</option>
            {data.workflows.edges.map(({ node: w }) =>
              w.latestVersion ? (
                <option key={w.id} value={w.latestVersion.id}>
                  {w.project.slug}/{w.name} v{w.latestVersion.number}
                </option>
              ) : null,
            )}
          </select>
        </label>
      </form>
      {runner && (
        <RunnerForm
          key={runner.id}
          runner={runner}
          slots={runner.inputs.map((i) => ({ role: i.role, kind: i.kind, optional: i.optional }))}
          choices={choices}
        />
      )}
      {workflow?.latestVersion && (
        <WorkflowForm
          key={workflow.latestVersion.id}
          versionId={workflow.latestVersion.id}
          slots={(
            (workflow.latestVersion.spec as { inputs?: { name: string; kind: InputKind }[] })
              .inputs ?? []
          ).map((i) => ({ role: i.name, kind: i.kind, optional: false }))}
          choices={choices}
        />
      )}
    </>
  );
}

/** The runner's schema for the form; its `$schema` names a draft the form's validator need not load. */
function formSchema(published: unknown): RJSFSchema {
  const { $schema: _draft, ...schema } = published as RJSFSchema;
  return schema;
}

type Choices = (kind: InputKind) => { id: string; label: string }[];

function InputPicker({
  slots,
  choices,
  value,
  onChange,
}: {
  slots: Slot[];
  choices: Choices;
  value: Record<string, string>;
  onChange: (v: Record<string, string>) => void;
}) {
  if (slots.length === 0) return null;
  return (
    <fieldset>
      <legend>Inputs</legend>
      {slots.map((slot) => (
        <label key={slot.role} className="row">
          {slot.role} ({slot.kind === 'MODEL_VERSION' ? 'model' : 'dataset'} version
          {slot.optional ? ', optional' : ''}){' '}
          <select
            required={!slot.optional}
            value={value[slot.role] ?? ''}
            onChange={(e) => onChange({ ...value, [slot.role]: e.target.value })}
          >
            <option value="">{slot.optional ? 'none' : 'choose…'}</option>
            {choices(slot.kind).map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
      ))}
    </fieldset>
  );
}

const bound = (inputs: Record<string, string>): RunInputInput[] =>
  Object.entries(inputs)
    .filter(([, version]) => version)
    .map(([role, version]) => ({ role, version }));

function RunnerForm({
  runner,
  slots,
  choices,
}: {
  runner: { id: string; description: string; configSchema: unknown };
  slots: Slot[];
  choices: Choices;
}) {
  const [, navigate] = useLocation();
  const [project, setProject] = useState('default');
  const [inputs, setInputs] = useState<Record<string, string>>({});
  const [result, start] = useMutation(StartRun);
  const outcome = result.data?.startRun;
  return (
    <section aria-label={`start ${runner.id}`}>
      <p>{runner.description}</p>
      <label className="row">
        Project <input value={project} onChange={(e) => setProject(e.target.value)} required />
      </label>
      <InputPicker slots={slots} choices={choices} value={inputs} onChange={setInputs} />
      <Form
        schema={formSchema(runner.configSchema)}
        validator={validator}
        onSubmit={async ({ formData }) => {
          const done = await start({
            input: { project, runner: runner.id, config: formData ?? {}, inputs: bound(inputs) },
          });
          const payload = done.data?.startRun;
          if (payload?.__typename === 'StartRunPayload') navigate(`/runs/${payload.run.id}`);
        }}
      >
        <button type="submit" disabled={result.fetching}>
          Start
        </button>
      </Form>
      <Failure error={result.error} />
      {outcome && 'message' in outcome && (
        <p role="alert" className="error">
          {outcome.message}
        </p>
      )}
    </section>
  );
}

function WorkflowForm({
  versionId,
  slots,
  choices,
}: {
  versionId: string;
  slots: Slot[];
  choices: Choices;
}) {
  const [, navigate] = useLocation();
  const [inputs, setInputs] = useState<Record<string, string>>({});
  const [name, setName] = useState('');
  const [seed, setSeed] = useState('');
  const [result, start] = useMutation(StartWorkflow);
  const outcome = result.data?.startWorkflow;
  return (
    <form
      aria-label="start workflow"
      onSubmit={async (e) => {
        e.preventDefault();
        const done = await start({
          input: {
            workflowVersion: versionId,
            inputs: bound(inputs),
            ...(name.trim() ? { name: name.trim() } : {}),
            ...(seed ? { seed: Number(seed) } : {}),
          },
        });
        const payload = done.data?.startWorkflow;
        if (payload?.__typename === 'RunPayload') navigate(`/runs/${payload.run.id}`);
      }}
    >
      <InputPicker slots={slots} choices={choices} value={inputs} onChange={setInputs} />
      <label className="row">
        Name (optional) <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="row">
        Seed (optional){' '}
        <input inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value)} />
      </label>
      <button type="submit" disabled={result.fetching}>
        Start workflow
      </button>
      <Failure error={result.error} />
      {outcome && 'message' in outcome && (
        <p role="alert" className="error">
          {outcome.message}
        </p>
      )}
    </form>
  );
}
