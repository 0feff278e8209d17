// Runs recorded from outside the hub (a notebook, a script): opened with inputs by digest,
// appended to in numbered batches (retries store nothing twice, gaps are refused), finished,
// and from then on treated like any run: streamed live, searched, traced, reported, and
// checked against the requirements of a workflow it names.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { checkRunSeals } from '../src/resolvers/runs/run-seal.ts';
import { graphql } from './gql/index.ts';
import { coreutilsFileDigest, tempFolder } from './support/files.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { Trace } from './support/lineage-documents.ts';
import {
  DefineWorkflow,
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
} from './support/registry-documents.ts';
import { CancelRun, RetryRun, runDetails } from './support/run-documents.ts';
import { subscriptionClient } from './support/ws.ts';

const OpenExternalRun = graphql(`
  mutation OpenExternalRun($input: OpenExternalRunInput!) {
    openExternalRun(input: $input) {
      __typename
      ... on RunPayload {
        run { id status source runnerId runnerVersion seed config environment
              inputs { role version { __typename ... on DatasetVersion { id digest } } } }
      }
      ... on Error { message }
      ... on ValidationError { path }
      ... on NotFoundError { entity ref }
      ... on ForbiddenError { required held }
    }
  }
`);

const AppendEvents = graphql(`
  mutation AppendEvents($input: AppendExternalRunEventsInput!) {
    appendExternalRunEvents(input: $input) {
      __typename
      ... on AppendExternalRunEventsPayload { stored nextSeq run { id } }
      ... on Error { message }
      ... on ValidationError { path }
      ... on ForbiddenError { required held }
    }
  }
`);

const FinishRun = graphql(`
  mutation FinishExternalRun($input: FinishExternalRunInput!) {
    finishExternalRun(input: $input) {
      __typename
      ... on RunPayload { run { id status error { code message } } }
      ... on Error { message }
      ... on ValidationError { path }
    }
  }
`);

const ExternalRunResults = graphql(`
  query ExternalRunResults($id: ID!) {
    node(id: $id) {
      ... on Run {
        status
        metrics(first: 500) { edges { node { key value ciLower ciUpper slice } } }
        findings { id title subject { __typename ... on DatasetVersion { id } } }
        artifacts { name mediaType sizeBytes }
        report(format: MARKDOWN)
      }
    }
  }
`);

const LiveEvents = graphql(`
  subscription LiveEvents($runId: ID!) {
    runEvents(runId: $runId) {
      __typename
      seq
      ... on RunStatusEvent { status }
      ... on RunMetricEvent { metric { key value } }
    }
  }
`);

const SearchRuns = graphql(`
  query SearchExternal($query: String) {
    search(query: $query) { edges { node { type node { __typename ... on Run { id } ... on Finding { id } } } } }
  }
`);

let t: TestHub;
let datasetVersion: { id: string; digest: string };
const files = tempFolder();

beforeAll(async () => {
  t = await startTestHub();
  const path = join(files.path, 'holdout.csv');
  writeFileSync(path, 'text,label\nhello,a\nworld,b\n');
  await t.graphql(RegisterDataset, {
    input: { project: 'nb', name: 'holdout', task: 'TABULAR_CLASSIFICATION' },
  });
  const { data } = await t.graphql(RegisterDatasetVersion, {
    input: { dataset: 'nb/holdout', version: 'v1', uri: path, format: 'CSV' },
  });
  datasetVersion = expectType(
    data.registerDatasetVersion,
    'RegisterDatasetVersionPayload',
  ).datasetVersion;
  expect(datasetVersion.digest).toBe(coreutilsFileDigest(path));
});

afterAll(async () => {
  await t.close();
  files.remove();
});

async function open(overrides: Record<string, unknown> = {}, as = undefined) {
  const { data } = await t.graphql(
    OpenExternalRun,
    {
      input: {
        project: 'nb',
        runner: 'notebook',
        runnerVersion: '0.1.0',
        name: 'holdout drift check',
        config: { threshold: 0.1 },
        seed: 7,
        inputs: [{ role: 'dataset', digest: datasetVersion.digest }],
        environment: { python: '3.11.2' },
        ...overrides,
      },
    },
    as ? { as } : undefined,
  );
  return data.openExternalRun;
}

async function openRun() {
  return expectType(await open(), 'RunPayload').run;
}

const metric = (value: number) => ({
  type: 'metric',
  key: 'accuracy',
  value,
  ci: { lower: value - 0.02, upper: value + 0.02, level: 0.95 },
  slice: { split: 'holdout' },
});

async function append(run: string, firstSeq: number, events: unknown[]) {
  const response = await t.graphql(AppendEvents, { input: { run, firstSeq, events } });
  return { result: response.data.appendExternalRunEvents, statements: response.statements };
}

describe('openExternalRun', () => {
  it('opens a RUNNING run whose input given by digest links to the registered version', async () => {
    const run = await openRun();
    expect(run).toMatchObject({
      status: 'RUNNING',
      source: 'external',
      runnerId: 'notebook',
      runnerVersion: '0.1.0',
      seed: 7,
      config: { threshold: 0.1 },
      environment: { python: '3.11.2', recordedBy: 'local:tester' },
      inputs: [{ role: 'dataset', version: { id: datasetVersion.id } }],
    });
  });

  it('refuses a digest no visible version has, and a digest of a project the caller cannot see', async () => {
    const unknown = `sha256:${'0'.repeat(64)}`;
    const missing = await open({ inputs: [{ role: 'dataset', digest: unknown }] });
    expect(expectType(missing, 'NotFoundError').ref).toBe(unknown);
    const outsider = await open(
      { project: 'elsewhere' },
      memberOf('outsider', ['elsewhere'], 'contributor') as never,
    );
    expect(outsider.__typename).toBe('NotFoundError');
    const bad = await open({ inputs: [{ role: 'dataset', digest: 'md5:abc' }] });
    expect(expectType(bad, 'ValidationError').path).toEqual(['input', 'inputs', '0', 'digest']);
  });

  it('takes the contributor role: a viewer is refused and nothing is recorded', async () => {
    const viewer = memberOf('viewer', ['nb'], 'viewer');
    const refused = await open({}, viewer as never);
    expect(expectType(refused, 'ForbiddenError')).toMatchObject({
      required: 'contributor',
      held: 'viewer',
    });
    const run = await openRun();
    const { data } = await t.graphql(
      AppendEvents,
      { input: { run: run.id, firstSeq: 1, events: [metric(0.9)] } },
      { as: viewer },
    );
    expect(expectType(data.appendExternalRunEvents, 'ForbiddenError').held).toBe('viewer');
  });
});

describe('appendExternalRunEvents', () => {
  it('stores a retried batch once, refuses a gap, and closes the run when it finishes', async () => {
    const run = await openRun();
    const first = await append(run.id, 1, [metric(0.9), { type: 'log', message: 'hello' }]);
    expect(expectType(first.result, 'AppendExternalRunEventsPayload')).toMatchObject({
      stored: 2,
      nextSeq: 3,
    });
    // The same batch again (the answer was lost on the way back): nothing new.
    const retry = await append(run.id, 1, [metric(0.9), { type: 'log', message: 'hello' }]);
    expect(expectType(retry.result, 'AppendExternalRunEventsPayload')).toMatchObject({
      stored: 0,
      nextSeq: 3,
    });
    // A batch overlapping what is stored: only its new tail is stored.
    const overlap = await append(run.id, 2, [{ type: 'log', message: 'hello' }, metric(0.8)]);
    expect(expectType(overlap.result, 'AppendExternalRunEventsPayload').stored).toBe(1);
    const gap = await append(run.id, 6, [metric(0.7)]);
    expect(expectType(gap.result, 'ConflictError').message).toContain('events 4 to 5 are missing');

    const early = await t.graphql(FinishRun, {
      input: { run: run.id, status: 'SUCCEEDED', eventCount: 5 },
    });
    expect(early.data.finishExternalRun.__typename).toBe('ConflictError');
    const finished = await t.graphql(FinishRun, {
      input: { run: run.id, status: 'SUCCEEDED', eventCount: 3 },
    });
    expect(expectType(finished.data.finishExternalRun, 'RunPayload').run.status).toBe('SUCCEEDED');
    const again = await t.graphql(FinishRun, { input: { run: run.id, status: 'SUCCEEDED' } });
    expect(again.data.finishExternalRun.__typename).toBe('RunPayload');
    const late = await append(run.id, 4, [metric(0.7)]);
    expect(expectType(late.result, 'ConflictError').message).toContain('takes no more events');

    const { data } = await t.graphql(ExternalRunResults, { id: run.id });
    expect(data.node).toMatchObject({
      status: 'SUCCEEDED',
      metrics: {
        edges: [
          {
            node: {
              key: 'accuracy',
              value: 0.9,
              ciLower: 0.88,
              ciUpper: 0.92,
              slice: { split: 'holdout' },
            },
          },
          { node: { key: 'accuracy', value: 0.8 } },
        ],
      },
    });
  });

  it('refuses a bad event, naming it, and stores nothing of its batch', async () => {
    const run = await openRun();
    const bad = await append(run.id, 1, [metric(0.9), { type: 'metric', key: 'x' }]);
    expect(expectType(bad.result, 'ValidationError').path).toEqual([
      'input',
      'events',
      '1',
      'value',
    ]);
    const path = await append(run.id, 1, [
      { type: 'artifact', name: 'a', mediaType: 'text/plain', path: '/etc/passwd' },
    ]);
    expect(expectType(path.result, 'ValidationError').path).toEqual([
      'input',
      'events',
      '0',
      'path',
    ]);
    // Served back as a content-type header: a line break in it would be a 500 on every GET.
    const header = await append(run.id, 1, [
      { type: 'artifact', name: 'h', mediaType: 'text/plain\r\nset-cookie: a=b', text: 'x' },
    ]);
    expect(expectType(header.result, 'ValidationError').path).toEqual([
      'input',
      'events',
      '0',
      'mediaType',
    ]);
    const subject = await append(run.id, 1, [
      { type: 'finding', kind: 'x', severity: 'LOW', title: 't', subjectRole: 'model' },
    ]);
    expect(expectType(subject.result, 'ValidationError').path).toEqual([
      'input',
      'events',
      '0',
      'subjectRole',
    ]);
    const next = await append(run.id, 1, [metric(0.5)]);
    expect(expectType(next.result, 'AppendExternalRunEventsPayload').nextSeq).toBe(2);
  });

  it('costs the same statements for a batch of 5 events as for one of 500', async () => {
    const run = await openRun();
    const small = await append(
      run.id,
      1,
      Array.from({ length: 5 }, (_, i) => metric(i / 10)),
    );
    const large = await append(
      run.id,
      6,
      Array.from({ length: 500 }, (_, i) => metric(i / 1000)),
    );
    expect(expectType(large.result, 'AppendExternalRunEventsPayload').stored).toBe(500);
    expect(large.statements.length).toBe(small.statements.length);
    const withFindings = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        type: 'finding',
        kind: 'drift',
        severity: 'LOW',
        title: `finding ${i}`,
        subjectRole: 'dataset',
      }));
    const few = await append(run.id, 506, withFindings(2));
    const many = await append(run.id, 508, withFindings(200));
    expect(many.statements.length).toBe(few.statements.length);
  });

  it('is cancelled at once (no worker holds it), and cannot be retried by the hub', async () => {
    const run = await openRun();
    const { data } = await t.graphql(CancelRun, { id: run.id });
    expect(data.cancelRun).toMatchObject({ run: { status: 'CANCELLED' } });
    const retry = await t.graphql(RetryRun, { id: run.id });
    expect(retry.data.retryRun.__typename).toBe('ValidationError');
  });
});

describe('an external run among the others', () => {
  it('streams live to a subscriber, is found by search, and its finding traces to the dataset', async () => {
    const run = await openRun();
    const ws = subscriptionClient(t.hub.url);
    const seen: string[] = [];
    const stream = ws.iterate(LiveEvents, { runId: run.id });
    const next = async () => {
      const { value } = await stream.next();
      const event = value!.data!.runEvents;
      seen.push(
        event.__typename === 'RunStatusEvent'
          ? event.status
          : event.__typename === 'RunMetricEvent'
            ? `${event.metric.key}=${event.metric.value}`
            : event.__typename,
      );
    };
    // The stored history (QUEUED, RUNNING), then each batch as it is appended.
    await next();
    await next();
    expect(seen).toEqual(['QUEUED', 'RUNNING']);
    await append(run.id, 1, [metric(0.91)]);
    await next();
    expect(seen.at(-1)).toBe('accuracy=0.91');
    await append(run.id, 2, [
      {
        type: 'finding',
        kind: 'drift',
        severity: 'HIGH',
        title: 'Holdout drifted from training',
        subjectRole: 'dataset',
      },
      { type: 'artifact', name: 'notes.txt', mediaType: 'text/plain', text: 'by hand' },
      { type: 'progress', fraction: 1, stage: 'done' },
    ]);
    await t.graphql(FinishRun, { input: { run: run.id, status: 'SUCCEEDED', eventCount: 4 } });
    for await (const result of { [Symbol.asyncIterator]: () => stream }) {
      const event = result.data!.runEvents;
      seen.push(event.__typename === 'RunStatusEvent' ? event.status : event.__typename);
    }
    await ws.close();
    expect(seen).toEqual([
      'QUEUED',
      'RUNNING',
      'accuracy=0.91',
      'RunFindingEvent',
      'RunArtifactEvent',
      'RunProgressEvent',
      'SUCCEEDED',
    ]);

    const { data } = await t.graphql(ExternalRunResults, { id: run.id });
    const finding = data.node!.findings![0]!;
    expect(finding.subject).toMatchObject({ id: datasetVersion.id });
    expect(data.node!.artifacts).toEqual([
      { name: 'notes.txt', mediaType: 'text/plain', sizeBytes: 7 },
    ]);
    expect(data.node!.report).toContain(datasetVersion.digest);

    const found = await t.graphql(SearchRuns, { query: 'holdout drifted' });
    expect(found.data.search.edges.map((e) => e.node.node)).toContainEqual({
      __typename: 'Finding',
      id: finding.id,
    });
    const traced = await t.graphql(Trace, { id: finding.id });
    expect(traced.data.trace!.nodes.map((n) => n.id)).toEqual(
      expect.arrayContaining([finding.id, run.id, datasetVersion.id]),
    );
    expect((await runDetails(t, run.id)).status).toBe('SUCCEEDED');
  });

  it('fails with the error the client reports', async () => {
    const run = await openRun();
    const { data } = await t.graphql(FinishRun, {
      input: {
        run: run.id,
        status: 'FAILED',
        error: { code: 'ZeroDivisionError', message: 'division by zero' },
      },
    });
    expect(expectType(data.finishExternalRun, 'RunPayload').run).toMatchObject({
      status: 'FAILED',
      error: { code: 'ZeroDivisionError', message: 'division by zero' },
    });
  });
});

const CheckedRun = graphql(`
  query CheckedExternalRun($id: ID!) {
    node(id: $id) {
      ... on Run {
        status
        workflowVersion { id }
        metrics(first: 500) { edges { node { key value } } }
        findings { kind severity title requirement subject { __typename ... on DatasetVersion { id } } }
        report(format: MARKDOWN)
      }
    }
  }
`);

describe('a workflow named by an external run', () => {
  const requirements = [
    { metric: 'accuracy', op: '>=', threshold: 0.8, slice: { split: 'holdout' } },
    { metric: 'ece', op: '<=', threshold: 0.05, severity: 'MEDIUM' },
    { step: 'evaluate', metric: 'f1', op: '>=', threshold: 0.5 },
  ];
  let workflowVersion: string;

  beforeAll(async () => {
    const { data } = await t.graphql(DefineWorkflow, {
      input: {
        project: 'nb',
        name: 'acceptance',
        spec: {
          inputs: [{ name: 'data', kind: 'DATASET_VERSION' }],
          steps: [{ id: 'evaluate', runner: 'event-generator', config: { events: 3 } }],
          requirements,
        },
      },
    });
    workflowVersion = expectType(data.defineWorkflow, 'DefineWorkflowPayload').workflowVersion.id;
  });

  async function checkedRun(status: 'SUCCEEDED' | 'FAILED') {
    const run = expectType(await open({ workflowVersion }), 'RunPayload').run;
    const events = [metric(0.9), { type: 'metric', key: 'ece', value: 0.1 }];
    expect((await append(run.id, 1, events)).result).toMatchObject({ stored: 2 });
    const { data } = await t.graphql(FinishRun, { input: { run: run.id, status } });
    expect(expectType(data.finishExternalRun, 'RunPayload').run.status).toBe(status);
    const { data: checked } = await t.graphql(CheckedRun, { id: run.id });
    return checked.node as Extract<typeof checked.node, { status: unknown }>;
  }

  it('checks every requirement when it succeeds, with findings on the run, before its seal', async () => {
    const run = await checkedRun('SUCCEEDED');
    expect(run.workflowVersion).toEqual({ id: workflowVersion });
    const verdicts = run.findings.map((f) => ({
      kind: f.kind,
      severity: f.severity,
      title: f.title,
      index: (f.requirement as { index: number }).index,
      subject: f.subject,
    }));
    const subject = { __typename: 'DatasetVersion', id: datasetVersion.id };
    expect(verdicts).toEqual([
      {
        kind: 'REQUIREMENT_PASSED',
        severity: 'INFO',
        title: 'Requirement met: accuracy [split=holdout] >= 0.8',
        index: 0,
        subject,
      },
      {
        kind: 'REQUIREMENT_FAILED',
        severity: 'MEDIUM',
        title: 'Requirement failed: ece 0.1, needs <= 0.05',
        index: 1,
        subject,
      },
      {
        kind: 'REQUIREMENT_FAILED',
        severity: 'HIGH',
        title: 'Requirement not verified: the run reported no f1',
        index: 2,
        subject,
      },
    ]);
    expect(run.metrics.edges.map((e) => e.node)).toEqual(
      expect.arrayContaining([
        { key: 'requirements_passed', value: 1 },
        { key: 'requirements_failed', value: 2 },
      ]),
    );
    expect(run.report).toContain('ece');
    expect(run.report).toContain('Requirement');
    expect((await checkRunSeals(t.database.db)).broken).toBeNull();
  });

  it('checks nothing when the run fails', async () => {
    const run = await checkedRun('FAILED');
    expect(run.findings).toEqual([]);
    expect(run.metrics.edges.map((e) => e.node.key)).toEqual(['accuracy', 'ece']);
  });

  it('refuses a workflow version the caller cannot see, and opens nothing', async () => {
    const unknown = encodeGlobalId('WorkflowVersion', '00000000-0000-4000-8000-000000000000');
    expect(await open({ workflowVersion: unknown })).toMatchObject({
      __typename: 'NotFoundError',
      ref: unknown,
    });
    const outsider = memberOf('outsider', ['elsewhere'], 'contributor') as never;
    expect(
      await open({ project: 'elsewhere', inputs: [], workflowVersion }, outsider),
    ).toMatchObject({ __typename: 'NotFoundError', ref: workflowVersion });
  });
});
