// One-command reproduction: every built-in runner is run, then reproduced through
// reproduceRun, and comes out bit for bit the same; an input whose content changed (before
// the reproduction is asked for, or while it waits in the queue) is refused by name and
// digests; a program whose output depends on more than its config and seed is judged
// NOT_REPRODUCED, naming the metrics that differ; and `evalhub reproduce --watch` exits
// with the verdict.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { selectRows } from '../src/db/rows.ts';
import { decodeGlobalId, encodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { checkRunSeals } from '../src/resolvers/runs/run-seal.ts';
import { graphql } from './gql/index.ts';
import { runEvalhub } from './support/cli.ts';
import { coreutilsFileDigest, tempFolder, writeTree } from './support/files.ts';
import { gateRunner } from './support/gate-runner.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { CreateApiToken } from './support/identity-documents.ts';
import { Trace, TraceProv } from './support/lineage-documents.ts';
import {
  DefineWorkflow,
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
  RegisterModel,
  RegisterModelVersion,
  SetProjectSettings,
} from './support/registry-documents.ts';
import { runDetails, StartRun, StartWorkflow, waitForStatus } from './support/run-documents.ts';
import { registerStripes, stripesWorkflowSpec } from './support/stripes.ts';

const ReproduceRun = graphql(`
  mutation ReproduceRun($id: ID!) {
    reproduceRun(id: $id) {
      __typename
      ... on RunPayload { run { id status } }
      ... on Error { message }
      ... on InputContentError { role kind version uri state recordedDigest actualDigest }
      ... on RunnerUnavailableError { runner version installedVersion }
      ... on RunNotReproducibleError { reason status }
    }
  }
`);

const Reproduction = graphql(`
  query Reproduction($id: ID!) {
    node(id: $id) {
      ... on Run {
        id status runKey
        reproduces { id }
        reproductions { id }
        findings { kind severity title summary evidence }
        artifacts { name digest }
        children { id stepId runKey reproduces { id } findings { kind evidence } artifacts { name digest } }
      }
    }
  }
`);

const ReproOpenExternalRun = graphql(`
  mutation ReproOpenExternalRun($input: OpenExternalRunInput!) {
    openExternalRun(input: $input) { __typename ... on RunPayload { run { id } } }
  }
`);

const ReproReport = graphql(`
  query ReproReport($id: ID!) { node(id: $id) { ... on Run { report(format: MARKDOWN) } } }
`);

const PROJECT = 'repro';

let t: TestHub;
const files = tempFolder();
const versions: Record<string, string> = {};

async function register(
  kind: 'dataset' | 'model',
  name: string,
  uri: string,
  format: string,
): Promise<string> {
  if (kind === 'dataset') {
    await t.graphql(RegisterDataset, { input: { project: PROJECT, name, task: 'OTHER' } });
    const { data } = await t.graphql(RegisterDatasetVersion, {
      input: { dataset: `${PROJECT}/${name}`, version: 'v1', uri, format: format as never },
    });
    return expectType(data.registerDatasetVersion, 'RegisterDatasetVersionPayload').datasetVersion
      .id;
  }
  await t.graphql(RegisterModel, { input: { project: PROJECT, name, task: 'OTHER' } });
  const { data } = await t.graphql(RegisterModelVersion, {
    input: { model: `${PROJECT}/${name}`, version: 'v1', uri, format: format as never },
  });
  return expectType(data.registerModelVersion, 'RegisterModelVersionPayload').modelVersion.id;
}

async function start(
  runner: string,
  config: Record<string, unknown>,
  inputs: Array<{ role: string; version: string; kind?: 'DATASET_VERSION' | 'MODEL_VERSION' }> = [],
) {
  const { data } = await t.graphql(StartRun, {
    input: { project: PROJECT, runner, config, inputs, seed: 17 },
  });
  return expectType(data.startRun, 'StartRunPayload').run.id;
}

async function succeeded(id: string) {
  const run = await waitForStatus(t, id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 240_000);
  expect(run.error, `run ${id}`).toBeNull();
  expect(run.status).toBe('SUCCEEDED');
  return run;
}

async function reproduction(id: string) {
  const { data } = await t.graphql(Reproduction, { id });
  if (!data.node || !('status' in data.node)) throw new Error(`no run ${id}`);
  return data.node;
}

async function reproduce(id: string) {
  return (await t.graphql(ReproduceRun, { id })).data.reproduceRun;
}

/** Reproduces the run and waits for the reproduction to end; both runs as Reproduction shows them. */
async function reproduceToEnd(id: string) {
  const started = expectType(await reproduce(id), 'RunPayload');
  await waitForStatus(t, started.run.id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 240_000);
  return { original: await reproduction(id), again: await reproduction(started.run.id) };
}

/** What the database holds that a refused reproduction must not have changed. */
async function recordCounts() {
  const [row] = await selectRows<{ runs: number; audit: number; events: number }>(
    t.database.db,
    sql`select (select count(*)::int from runs) as runs, (select count(*)::int from audit_log) as audit,
               (select count(*)::int from run_events) as events`,
  );
  return row;
}

/** A program whose metrics depend on a file it keeps between runs, outside config and seed. */
const counterProgram = `
import json, sys
run = json.load(sys.stdin)
params = run["config"]
try:
    with open(params["counter"]) as f:
        n = int(f.read())
except FileNotFoundError:
    n = 0
n += 1
with open(params["counter"], "w") as f:
    f.write(str(n))
if n > params.get("succeedTimes", 1000):
    print("ran once too often", file=sys.stderr)
    sys.exit(3)
def metric(key, value):
    print(json.dumps({"type": "metric", "key": key, "value": value}), flush=True)
metric("seeded", run["seed"] * 0.5)
metric("draws", n)
if n == 1:
    metric("first_time", 1)
`;

/** The Python example of docs/runner-protocol.md, as test/command-runner.test.ts runs it. */
function documentedExample(): string {
  const page = readFileSync(join(import.meta.dirname, '..', 'docs', 'runner-protocol.md'), 'utf8');
  const code = /```python\n([\s\S]*?)```/.exec(page)![1]!;
  return join(writeTree(files.path, { 'class_balance.py': code }), 'class_balance.py');
}

beforeAll(async () => {
  t = await startTestHub({
    runners: [gateRunner],
    config: {
      workers: 2,
      hostConfig: {
        ...loadConfig({}).hostConfig,
        dataRoots: [tmpdir()],
        commandAllow: [{ path: '/usr/bin/python3', sha256: null }],
      },
    },
  });
  const stripes = await registerStripes(t, files.path, PROJECT);
  const { data: settings } = await t.graphql(SetProjectSettings, {
    input: { project: PROJECT, commandRunnerEnabled: true },
  });
  expect(settings.setProjectSettings.__typename).not.toMatch(/Error/);
  versions.stripesModel = stripes.modelVersion;
  versions.stripes = stripes.datasetVersion;
  const csv = (rows: number[]) =>
    `x,label\n${rows.map((x, i) => `${x},${i % 2 ? 'cat' : 'dog'}`).join('\n')}\n`;
  writeTree(files.path, {
    'reference.csv': csv([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    'shifted.csv': csv([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
    'counter.py': counterProgram,
  });
  versions.reference = await register(
    'dataset',
    'reference',
    join(files.path, 'reference.csv'),
    'CSV',
  );
  versions.shifted = await register('dataset', 'shifted', join(files.path, 'shifted.csv'), 'CSV');
  // The COCO fixture, copied where the hub may read.
  const coco = join(files.path, 'coco');
  cpSync(join(import.meta.dirname, 'fixtures', 'coco'), coco, { recursive: true });
  versions.coco = await register('dataset', 'coco', join(coco, 'ground-truth.json'), 'COCO');
  versions.detections = await register(
    'model',
    'detections',
    join(coco, 'results.json'),
    'PREDICTIONS',
  );
}, 120_000);

afterAll(async () => {
  await t.close();
  files.remove();
});

describe('every built-in runner, reproduced', () => {
  it('gives REPRODUCED, bit for bit, for each runner and for a workflow of the others', async () => {
    const { data: defined } = await t.graphql(DefineWorkflow, {
      input: { project: PROJECT, name: 'stripes', spec: stripesWorkflowSpec },
    });
    const workflowVersion = expectType(defined.defineWorkflow, 'DefineWorkflowPayload')
      .workflowVersion.id;
    const { data: flow } = await t.graphql(StartWorkflow, {
      input: {
        workflowVersion,
        inputs: [
          { role: 'model', version: versions.stripesModel! },
          { role: 'data', version: versions.stripes! },
        ],
        seed: 5,
      },
    });
    const originals: Record<string, string> = {
      workflow: expectType(flow.startWorkflow, 'RunPayload').run.id,
      drift: await start('drift', {}, [
        { role: 'reference', version: versions.reference! },
        { role: 'dataset', version: versions.shifted! },
      ]),
      'evaluate-detection': await start('evaluate-detection', { bootstrapResamples: 50 }, [
        { role: 'dataset', version: versions.coco! },
        { role: 'model', version: versions.detections! },
      ]),
      'event-generator': await start('event-generator', { events: 30 }),
      command: await start(
        'command',
        { argv: ['python3', documentedExample()], params: { maxImbalance: 3 } },
        [{ role: 'dataset', version: versions.stripes!, kind: 'DATASET_VERSION' }],
      ),
    };
    // Every runner the hub has, but the test's own gate: each is reproduced here.
    const reproduced = t.hub.runners
      .list()
      .map((r) => r.id)
      .filter((id) => id !== 'gate');
    const workflowRunners = stripesWorkflowSpec.steps.map((step) => step.runner);
    expect([...Object.keys(originals), ...workflowRunners].sort()).toEqual(
      [...reproduced, 'workflow'].sort(),
    );

    const judged = await Promise.all(
      Object.entries(originals).map(async ([what, id]) => {
        await succeeded(id);
        return [what, await reproduceToEnd(id)] as const;
      }),
    );
    for (const [what, { original, again }] of judged) {
      expect(again.status, what).toBe('SUCCEEDED');
      expect(again.reproduces, what).toEqual({ id: original.id });
      expect(original.reproductions, what).toEqual([{ id: again.id }]);
      expect(again.runKey, what).toBe(original.runKey);
      const verdict = again.findings.find((f) => f.kind.includes('REPRODUCED'));
      expect(verdict, `${what}: ${JSON.stringify(again.findings)}`).toMatchObject({
        kind: 'REPRODUCED',
        severity: 'INFO',
        evidence: {
          reproduces: original.id,
          differingCount: 0,
          missingCount: 0,
          addedCount: 0,
        },
      });
      // Independently of the verdict: the same metrics and the same artifact bytes.
      const [before, after] = [await runDetails(t, original.id), await runDetails(t, again.id)];
      expect(after.metrics.length, what).toBeGreaterThan(0);
      expect(after.metrics, what).toEqual(before.metrics);
      expect(again.artifacts, what).toEqual(original.artifacts);
      expect((verdict!.evidence as { compared: number }).compared).toBe(
        before.metrics.length +
          (await Promise.all(original.children.map((child) => runDetails(t, child.id)))).reduce(
            (sum, child) => sum + child.metrics.length,
            0,
          ),
      );
    }
    // A workflow's steps each reproduce the original's step, with a verdict of their own.
    const { original, again } = Object.fromEntries(judged).workflow!;
    expect(again.children.map((c) => c.stepId).sort()).toEqual([
      'evaluate',
      'profile',
      'robustness',
    ]);
    for (const step of again.children) {
      const before = original.children.find((c) => c.stepId === step.stepId)!;
      expect(step.reproduces, step.stepId!).toEqual({ id: before.id });
      expect(step.runKey).toBe(before.runKey);
      expect(step.artifacts).toEqual(before.artifacts);
      expect(step.findings.filter((f) => f.kind.includes('REPRODUCED')).map((f) => f.kind)).toEqual(
        ['REPRODUCED'],
      );
    }
  }, 600_000);
});

describe('a reproduction refused', () => {
  it('names an input whose content changed, or is gone, with both digests, and changes nothing', async () => {
    const path = join(files.path, 'refused.csv');
    writeFileSync(path, 'x,label\n1,cat\n2,dog\n');
    const version = await register('dataset', 'refused', path, 'CSV');
    const id = await start('command', { argv: ['python3', documentedExample()] }, [
      { role: 'table', version, kind: 'DATASET_VERSION' },
    ]);
    // The documented example wants an image folder: it fails, and a failed run is refused.
    await waitForStatus(t, id, ['FAILED']);
    expect(await reproduce(id)).toMatchObject({
      __typename: 'RunNotReproducibleError',
      reason: 'NOT_SUCCEEDED',
      status: 'FAILED',
    });
    const counter = join(files.path, 'refused-counter');
    const original = await start(
      'command',
      { argv: ['python3', join(files.path, 'counter.py')], params: { counter } },
      [{ role: 'table', version, kind: 'DATASET_VERSION' }],
    );
    await succeeded(original);
    const recorded = (await runDetails(t, original)).inputs[0]!.version as { digest: string };

    writeFileSync(path, 'x,label\n1,cat\n3,dog\n');
    const before = await recordCounts();
    const changed = await reproduce(original);
    expect(changed).toMatchObject({
      __typename: 'InputContentError',
      role: 'table',
      kind: 'DATASET_VERSION',
      version: `${PROJECT}/refused@v1`,
      uri: expect.stringContaining('refused.csv'),
      state: 'CHANGED',
      recordedDigest: recorded.digest,
      actualDigest: coreutilsFileDigest(path),
    });
    expect((changed as { message: string }).message).toContain(recorded.digest);
    rmSync(path);
    expect(await reproduce(original)).toMatchObject({
      __typename: 'InputContentError',
      state: 'GONE',
      recordedDigest: recorded.digest,
      actualDigest: null,
    });
    expect(await recordCounts()).toEqual(before);
    expect((await reproduction(original)).reproductions).toEqual([]);
    // The program never ran again.
    expect(readFileSync(counter, 'utf8')).toBe('1');
  });

  it('fails a reproduction whose input changed while it waited in the queue', async () => {
    const path = join(files.path, 'queued.csv');
    writeFileSync(path, 'x,label\n1,cat\n');
    const version = await register('dataset', 'queued', path, 'CSV');
    const counter = join(files.path, 'queued-counter');
    const original = await start(
      'command',
      { argv: ['python3', join(files.path, 'counter.py')], params: { counter } },
      [{ role: 'table', version, kind: 'DATASET_VERSION' }],
    );
    await succeeded(original);
    // Both workers held by gate runs: the reproduction waits in the queue.
    const gate = join(files.path, 'gate-open');
    const gates = [
      await start('gate', { metrics: 0, gate }),
      await start('gate', { metrics: 0, gate }),
    ];
    for (const id of gates) await waitForStatus(t, id, ['RUNNING']);
    const queued = expectType(await reproduce(original), 'RunPayload').run;
    expect(queued.status).toBe('QUEUED');
    writeFileSync(path, 'x,label\n2,cat\n');
    writeFileSync(gate, '');
    const failed = await waitForStatus(t, queued.id, ['SUCCEEDED', 'FAILED'], 60_000);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({
      code: 'INPUT_CHANGED',
      message: expect.stringContaining('changed'),
    });
    expect(failed.findings).toEqual([
      expect.objectContaining({
        kind: 'NOT_REPRODUCED',
        evidence: expect.objectContaining({ reason: 'RUN_FAILED' }),
      }),
    ]);
    expect(readFileSync(counter, 'utf8')).toBe('1');
  });

  it('refuses runs the hub did not execute, runs not finished, inputs the caller may not see or the hub cannot read, and runners not installed', async () => {
    const { data } = await t.graphql(ReproOpenExternalRun, {
      input: { project: PROJECT, runner: 'notebook', runnerVersion: '1' },
    });
    const external = expectType(data.openExternalRun, 'RunPayload').run.id;
    expect(await reproduce(external)).toMatchObject({
      __typename: 'RunNotReproducibleError',
      reason: 'EXTERNAL',
      message: expect.stringContaining('did not execute it'),
    });

    const gate = join(files.path, 'gate-late');
    const running = await start('gate', { metrics: 0, gate });
    expect(await reproduce(running)).toMatchObject({
      __typename: 'RunNotReproducibleError',
      reason: 'NOT_FINISHED',
    });
    writeFileSync(gate, '');
    await succeeded(running);

    // A run on a version of a project the caller may not see: as if it did not exist.
    await t.graphql(RegisterDataset, {
      input: { project: 'elsewhere', name: 'hidden', task: 'OTHER' },
    });
    writeFileSync(join(files.path, 'hidden.csv'), 'x,label\n1,cat\n');
    const { data: registered } = await t.graphql(RegisterDatasetVersion, {
      input: {
        dataset: 'elsewhere/hidden',
        version: 'v1',
        uri: join(files.path, 'hidden.csv'),
        format: 'CSV',
      },
    });
    const hidden = expectType(registered.registerDatasetVersion, 'RegisterDatasetVersionPayload')
      .datasetVersion.id;
    const across = await start('event-generator', { events: 3 });
    const crossing = await start(
      'command',
      {
        argv: ['python3', join(files.path, 'counter.py')],
        params: { counter: join(files.path, 'crossing-counter') },
      },
      [{ role: 'table', version: hidden, kind: 'DATASET_VERSION' }],
    );
    await succeeded(across);
    await succeeded(crossing);
    const member = memberOf('member', [PROJECT], 'contributor');
    const refused = (await t.graphql(ReproduceRun, { id: crossing }, { as: member })).data
      .reproduceRun;
    expect(refused).toMatchObject({ __typename: 'NotFoundError' });
    expect(JSON.stringify(refused)).not.toContain('hidden');
    expect(
      (await t.graphql(ReproduceRun, { id: across }, { as: member })).data.reproduceRun,
    ).toMatchObject({ __typename: 'RunPayload' });

    // A remote input: the hub cannot hash it again, so it cannot vouch for it.
    await t.graphql(RegisterDataset, {
      input: { project: PROJECT, name: 'remote', task: 'OTHER' },
    });
    const { data: remote } = await t.graphql(RegisterDatasetVersion, {
      input: {
        dataset: `${PROJECT}/remote`,
        version: 'v1',
        uri: 'https://data.example/remote.csv',
        digest: `sha256:${'ab'.repeat(32)}`,
        format: 'OTHER',
      },
    });
    const remoteRun = await start(
      'command',
      {
        argv: ['python3', join(files.path, 'counter.py')],
        params: { counter: join(files.path, 'remote-counter') },
      },
      [
        {
          role: 'table',
          version: expectType(remote.registerDatasetVersion, 'RegisterDatasetVersionPayload')
            .datasetVersion.id,
          kind: 'DATASET_VERSION',
        },
      ],
    );
    await succeeded(remoteRun);
    expect(await reproduce(remoteRun)).toMatchObject({
      __typename: 'InputContentError',
      state: 'UNREADABLE',
      uri: 'https://data.example/remote.csv',
      actualDigest: null,
    });

    // A run of a runner version this hub no longer has, as an older hub recorded it.
    const [project] = await selectRows<{ id: string }>(
      t.database.db,
      sql`select id from projects where slug = ${PROJECT}`,
    );
    const [old] = await selectRows<{ id: string }>(
      t.database.db,
      sql`insert into runs (id, project_id, runner_id, runner_version, status, run_key, seed, created_by, finished_at)
          values (gen_random_uuid(), ${project!.id}, 'event-generator', '0.9.0', 'SUCCEEDED', 'old', 0, 'tester', now())
          returning id`,
    );
    expect(await reproduce(encodeGlobalId('Run', old!.id))).toMatchObject({
      __typename: 'RunnerUnavailableError',
      runner: 'event-generator',
      version: '0.9.0',
      installedVersion: '1.0.0',
    });
  });
});

describe('a run that does not reproduce', () => {
  let counter = '';
  let original = '';

  beforeAll(async () => {
    counter = join(files.path, 'drifting-counter');
    original = await start('command', {
      argv: ['python3', join(files.path, 'counter.py')],
      params: { counter, succeedTimes: 2 },
    });
    await succeeded(original);
  });

  it('is NOT_REPRODUCED, listing the metrics that differ, by how much, and those missing', async () => {
    const { again } = await reproduceToEnd(original);
    expect(again.status).toBe('SUCCEEDED');
    const verdict = again.findings.find((f) => f.kind.includes('REPRODUCED'))!;
    expect(verdict).toMatchObject({
      kind: 'NOT_REPRODUCED',
      severity: 'HIGH',
      title: 'Not reproduced: of 3 metrics, 1 differ, 1 missing',
      evidence: {
        reproduces: original,
        compared: 2,
        differing: [
          {
            metric: 'draws',
            fields: ['value'],
            original: { value: 1 },
            reproduced: { value: 2 },
            difference: 1,
          },
        ],
        missing: [{ metric: 'first_time', step: 0, slice: {} }],
        added: [],
      },
    });
    expect(verdict.summary).toContain('draws: 1 → 2 (+1)');
    expect(verdict.summary).toContain('first_time: not reported this time');
    // In the lineage graph: upstream of the verdict, through the reproduction, the original.
    const verdictId = (await runDetails(t, again.id)).findings.find(
      (f) => f.kind === 'NOT_REPRODUCED',
    )!.id;
    const { data: traced } = await t.graphql(Trace, { id: verdictId, direction: 'UPSTREAM' });
    expect(traced.trace!.edges).toContainEqual({
      from: again.id,
      to: original,
      relation: 'REPRODUCES',
      role: null,
    });
    const { data: prov } = await t.graphql(TraceProv, { id: again.id, direction: 'UPSTREAM' });
    expect(
      Object.values((prov.trace!.prov as { wasInformedBy: object }).wasInformedBy),
    ).toContainEqual({
      'prov:informed': expect.stringContaining(decodeGlobalId(again.id)!.id),
      'prov:informant': expect.stringContaining(decodeGlobalId(original)!.id),
      'prov:type': 'evalhub:Reproduces',
    });
    // Recorded before the run was sealed: its run.end record covers the verdict.
    expect((await checkRunSeals(t.database.db)).broken).toBeNull();
  });

  it('makes `evalhub reproduce --watch` exit 1 when not reproduced, 2 when the reproduction fails, 0 when reproduced', async () => {
    const { data } = await t.graphql(CreateApiToken, {
      input: { name: 'cli', project: PROJECT, role: 'CONTRIBUTOR' },
    });
    const { secret } = expectType(data.createApiToken, 'CreateApiTokenPayload');
    const home = tempFolder('evalhub-cli-home-');
    const evalhub = (...args: string[]) =>
      runEvalhub([...args, '--hub', t.hub.url], {
        home: home.path,
        env: { EVALHUB_TOKEN: secret, NO_COLOR: '1' },
      });
    try {
      // Run twice (the original, a reproduction) and allowed twice: reset to once, it
      // succeeds once more with other metrics, then fails.
      writeFileSync(counter, '1');
      const notReproduced = await evalhub('reproduce', original, '--watch');
      expect(notReproduced.code, notReproduced.stderr).toBe(1);
      // The verdict is streamed before the run's last status event, then summed up.
      expect(notReproduced.stdout).toMatch(/finding high: Not reproduced[\s\S]*status succeeded/);
      expect(notReproduced.stdout).toContain('✗ Not reproduced');
      expect(notReproduced.stdout).toContain('first_time');
      const failed = await evalhub('reproduce', original, '--watch');
      expect(failed.code, failed.stderr).toBe(2);
      expect(failed.stdout).toContain('✗ the reproduction failed');

      // The command the run's report gives.
      const steady = await start('event-generator', { events: 5 });
      await succeeded(steady);
      const { data: reported } = await t.graphql(ReproReport, { id: steady });
      const report = (reported.node as { report: string }).report;
      const command = report.split('\n').find((line) => line.startsWith('evalhub reproduce'))!;
      expect(command).toBe(`evalhub reproduce ${steady} --watch`);
      const reproduced = await evalhub(...command.split(' ').slice(1));
      expect(reproduced.code, reproduced.stderr).toBe(0);
      expect(reproduced.stdout).toContain('✓ Reproduced: all 2 metrics identical');
      const [run] = await selectRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from runs where reproduces_id = ${decodeGlobalId(steady)!.id}`,
      );
      expect(run!.n).toBe(1);
    } finally {
      home.remove();
    }
  }, 120_000);
});
