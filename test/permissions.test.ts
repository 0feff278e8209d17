// Who may do what, through every route: each root field, mutation and subscription of the
// schema (found by introspection: one without a rule here fails), and each REST route,
// called by every role in its own and in another project. Then every object of a project,
// read as that project's viewer with every field the schema has, must not show a trace of
// another project the viewer cannot see.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import {
  buildClientSchema,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getIntrospectionQuery,
  getNamedType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
} from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.ts';
import { selectRows } from '../src/db/rows.ts';
import { localOperator, type Role } from '../src/resolvers/core/actor.ts';
import { createApiToken } from '../src/resolvers/identity/tokens.ts';
import { RunnerRegistry } from '../src/runners/registry.ts';
import { emitRunner } from './support/emit-runner.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { startTestHub, type TestHub, testHubConfig } from './support/hub.ts';

type Caller = 'anonymous' | 'outsider' | 'viewer' | 'contributor' | 'maintainer' | 'admin';
const CALLERS: Caller[] = ['anonymous', 'outsider', 'viewer', 'contributor', 'maintainer', 'admin'];
type Target = 'home' | 'away';
const RANK: Record<string, number> = { viewer: 0, contributor: 1, maintainer: 2, admin: 3 };

/** The role a caller holds in a target project (the callers' roles are all in "home"). */
function roleIn(caller: Caller, target: Target): string | null {
  if (caller === 'admin') return 'admin';
  if (caller === 'anonymous' || caller === 'outsider' || target === 'away') return null;
  return caller;
}
const atLeast = (caller: Caller, target: Target, role: Role) => {
  const held = roleIn(caller, target);
  return held !== null && RANK[held]! >= RANK[role]!;
};

/** An answer to a query this file builds at run time: no generated type can describe it. */
// biome-ignore lint/suspicious/noExplicitAny: the queries are generated from introspection
type Answer = Record<string, any>;

let t: TestHub;
const files = tempFolder();
/** Content above the hub's inline hashing limit, registered in the background. */
const largeFiles = tempFolder();
const INLINE_HASH_BYTES = 64 * 1024;
const tokens = {} as Record<Caller, string | undefined>;
/** Ids and names of each project's objects. */
const fixture = {} as Record<Target, Record<string, string>>;
let schema: GraphQLSchema;
const counts = { checks: 0, leaks: 0 };
/** The last answer `ask` got, for the message of a failed expectation. */
let lastAnswer = '';

async function ask(
  query: string,
  variables: Record<string, unknown> = {},
  caller: Caller = 'admin',
): Promise<{ status: number; data?: Answer; errors?: Array<{ message: string }> }> {
  const token = tokens[caller];
  const response = await fetch(`${t.hub.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const answer = { status: response.status, ...((await response.json()) as object) };
  lastAnswer = JSON.stringify(answer).slice(0, 600);
  return answer;
}

/** Waits until no run is queued or running, nor content hashing, so that table contents hold still. */
async function quiet() {
  for (;;) {
    const [row] = await selectRows<{ n: number }>(
      t.database.db,
      // Runs recorded from outside stay open until their client finishes them.
      sql`select (select count(*)::int from runs where status in ('QUEUED', 'RUNNING') and source <> 'external')
        + (select count(*)::int from content_registrations where state in ('QUEUED', 'HASHING')) as n`,
    );
    if (row!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A mutation's result typename, or "401" when the request was refused before GraphQL. */
async function mutate(
  field: string,
  query: string,
  variables: Record<string, unknown>,
  caller: Caller,
) {
  const result = await ask(query, variables, caller);
  if (result.status === 401) return '401';
  if (result.errors) throw new Error(`${field}: ${JSON.stringify(result.errors)}`);
  return result.data![field].__typename as string;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;
/** A fresh checkmaite run_uid (64 hex digits, as checkmaite makes them). */
const runUid = () => createHash('sha256').update(unique('run')).digest('hex');
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

async function issue(caller: Caller) {
  const ctx = { db: t.database.db, actor: localOperator('ops'), runners: new RunnerRegistry([]) };
  const scope =
    caller === 'admin'
      ? { admin: true }
      : caller === 'outsider'
        ? { project: 'third', role: 'maintainer' as const }
        : { project: 'home', role: caller as Role };
  return (await createApiToken(ctx, { name: caller, ...scope })).secret;
}

async function finished(runId: string) {
  for (;;) {
    const { data } = await ask('query($id: ID!) { node(id: $id) { ... on Run { status } } }', {
      id: runId,
    });
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(data!.node.status)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Registers what each project holds, as an admin. */
async function makeProject(target: Target): Promise<Record<string, string>> {
  const ids: Record<string, string> = { slug: target };
  const modelFile = writeTree(files.path, { [`${target}/model.onnx`]: `model of ${target}` });
  writeTree(files.path, { [`${target}/data/cat/1.png`]: `cat of ${target}` });
  const reg = async (field: string, type: string, input: Record<string, unknown>, pick: string) => {
    const { data } = await ask(
      `mutation($input: ${type}!) { ${field}(input: $input) { __typename ... on Error { message } ... on ${type.replace('Input', 'Payload')} { ${pick} { id } } } }`,
      { input },
    );
    const payload = data![field];
    if (!payload[pick]) throw new Error(`${field}: ${JSON.stringify(payload)}`);
    return payload[pick].id as string;
  };
  ids.model = await reg(
    'registerModel',
    'RegisterModelInput',
    { project: target, name: `${target}-model`, task: 'OTHER' },
    'model',
  );
  ids.modelVersion = await reg(
    'registerModelVersion',
    'RegisterModelVersionInput',
    { model: ids.model, version: 'v1', uri: modelFile, format: 'OTHER' },
    'modelVersion',
  );
  ids.dataset = await reg(
    'registerDataset',
    'RegisterDatasetInput',
    { project: target, name: `${target}-data`, task: 'OTHER' },
    'dataset',
  );
  ids.datasetVersion = await reg(
    'registerDatasetVersion',
    'RegisterDatasetVersionInput',
    {
      dataset: ids.dataset,
      version: 'v1',
      uri: join(files.path, target, 'data'),
      format: 'IMAGE_FOLDER',
    },
    'datasetVersion',
  );
  const { data: defined } = await ask(
    `mutation($input: DefineWorkflowInput!) { defineWorkflow(input: $input) { ... on DefineWorkflowPayload { workflowVersion { id workflow { id } } } } }`,
    {
      input: {
        project: target,
        name: `${target}-flow`,
        spec: {
          steps: [
            { id: 'one', runner: 'emit', config: { metrics: [{ key: 'accuracy', value: 0.5 }] } },
          ],
        },
      },
    },
  );
  ids.workflowVersion = defined!.defineWorkflow.workflowVersion.id;
  writeTree(largeFiles.path, { [`${target}.bin`]: target.repeat(INLINE_HASH_BYTES) });
  const { data: queued } = await ask(
    'mutation($input: RegisterModelVersionInput!) { registerModelVersion(input: $input) { ... on ContentRegistration { id } } }',
    {
      input: {
        model: ids.model,
        version: 'large',
        uri: join(largeFiles.path, `${target}.bin`),
        format: 'OTHER',
      },
    },
  );
  ids.contentRegistration = queued!.registerModelVersion.id;
  ids.workflow = defined!.defineWorkflow.workflowVersion.workflow.id;
  const { data: started } = await ask(
    `mutation($input: StartRunInput!) { startRun(input: $input) { ... on StartRunPayload { run { id } } } }`,
    {
      input: {
        project: target,
        runner: 'emit',
        name: `${target}-run`,
        inputs: [
          { role: 'model', version: ids.modelVersion },
          { role: 'dataset', version: ids.datasetVersion },
        ],
        config: {
          metrics: [{ key: 'accuracy', value: 0.9 }],
          findings: [{ kind: 'NOTE', severity: 'LOW', title: `${target}-finding` }],
          artifacts: [{ name: `${target}-artifact.json`, json: { project: target } }],
        },
      },
    },
  );
  ids.run = started!.startRun.run.id;
  await finished(ids.run as string);
  const { data: again } = await ask(
    `mutation($id: ID!) { retryRun(id: $id) { ... on RunPayload { run { id } } } }`,
    { id: ids.run },
  );
  ids.rerun = again!.retryRun.run.id;
  await finished(ids.rerun!);
  const { data: results } = await ask(
    'query($id: ID!) { node(id: $id) { ... on Run { findings { id } artifacts { id } } } }',
    { id: ids.run },
  );
  ids.finding = results!.node.findings[0].id;
  ids.artifact = results!.node.artifacts[0].id;
  for (const key of ['externalRun', 'externalRunToFinish']) {
    const { data: opened } = await ask(
      `mutation($input: OpenExternalRunInput!) { openExternalRun(input: $input) { ... on RunPayload { run { id } } } }`,
      {
        input: {
          project: target,
          runner: 'notebook',
          runnerVersion: '1',
          name: `${target}-${key}`,
        },
      },
    );
    ids[key] = opened!.openExternalRun.run.id;
  }
  return ids;
}

beforeAll(async () => {
  t = await startTestHub({
    config: {
      auth: { mode: 'required', oidc: null },
      // The matrix is generated from the schema, which its admin token introspects.
      introspection: true,
      hostConfig: { ...testHubConfig().hostConfig, inlineHashBytes: INLINE_HASH_BYTES },
      // One document reads every field of an object, with an alias each: far over the
      // limits a hub sets for its callers.
      queryLimits: {
        ...loadConfig({}).queryLimits,
        maxAliases: 100_000,
        maxTokens: 1_000_000,
        maxExpensive: 100_000,
        maxCost: 1e9,
        expensivePerMinute: 1e9,
      },
    },
    runners: [emitRunner],
  });
  for (const caller of CALLERS)
    tokens[caller] = caller === 'anonymous' ? undefined : await issue(caller);
  fixture.away = await makeProject('away');
  await createApiToken(
    { db: t.database.db, actor: localOperator('ops'), runners: new RunnerRegistry([]) },
    { name: 'away-reader', project: 'away', role: 'viewer' },
  );
  fixture.home = await makeProject('home');
  // A run of "home" that used a dataset version of "away": its viewer sees the run, not the input.
  const { data } = await ask(
    `mutation($input: StartRunInput!) { startRun(input: $input) { ... on StartRunPayload { run { id } } } }`,
    {
      input: {
        project: 'home',
        runner: 'emit',
        inputs: [{ role: 'dataset', version: fixture.away.datasetVersion }],
        config: { metrics: [{ key: 'accuracy', value: 0.7 }] },
      },
    },
  );
  fixture.home.crossRun = data!.startRun.run.id;
  await finished(fixture.home.crossRun!);
  const introspection = await ask(getIntrospectionQuery(), {}, 'admin');
  schema = buildClientSchema(introspection.data as never);
}, 180_000);

afterAll(async () => {
  await t.close();
  files.remove();
  largeFiles.remove();
  console.log(`permission matrix: ${counts.checks} checks, ${counts.leaks} leaks`);
});

/** Reads: whether `caller` sees the target's object through the field. */
type ReadProbe = (caller: Caller, target: Target) => Promise<boolean>;
const sees = (caller: Caller, target: Target) => roleIn(caller, target) !== null;

const readRules: Record<string, { expect: (c: Caller, t: Target) => boolean; probe: ReadProbe }> = {
  node: {
    expect: sees,
    probe: async (c, target) =>
      Boolean(
        (await ask('query($id: ID!) { node(id: $id) { id } }', { id: fixture[target].run }, c)).data
          ?.node,
      ),
  },
  nodes: {
    expect: sees,
    probe: async (c, target) =>
      Boolean(
        (
          await ask(
            'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
            { ids: [fixture[target].finding] },
            c,
          )
        ).data?.nodes[0],
      ),
  },
  project: {
    expect: sees,
    probe: async (c, target) =>
      Boolean(
        (await ask('query($s: String!) { project(slug: $s) { id } }', { s: target }, c)).data
          ?.project,
      ),
  },
  projects: {
    expect: sees,
    probe: async (c, target) =>
      (
        (await ask('{ projects(first: 50) { edges { node { slug } } } }', {}, c)).data?.projects
          .edges ?? []
      ).some((e: { node: { slug: string } }) => e.node.slug === target),
  },
  models: {
    expect: sees,
    probe: async (c, target) =>
      ((
        await ask(
          'query($p: String) { models(filter: {project: $p}) { totalCount } }',
          { p: target },
          c,
        )
      ).data?.models.totalCount ?? 0) > 0,
  },
  datasets: {
    expect: sees,
    probe: async (c, target) =>
      ((
        await ask(
          'query($p: String) { datasets(filter: {project: $p}) { totalCount } }',
          { p: target },
          c,
        )
      ).data?.datasets.totalCount ?? 0) > 0,
  },
  workflows: {
    expect: sees,
    probe: async (c, target) =>
      ((
        await ask(
          'query($p: String) { workflows(filter: {project: $p}) { totalCount } }',
          { p: target },
          c,
        )
      ).data?.workflows.totalCount ?? 0) > 0,
  },
  runs: {
    expect: sees,
    probe: async (c, target) =>
      (
        (await ask('{ runs(first: 100) { edges { node { id } } } }', {}, c)).data?.runs.edges ?? []
      ).some((e: { node: { id: string } }) => e.node.id === fixture[target].run),
  },
  findings: {
    expect: sees,
    probe: async (c, target) =>
      (
        (await ask('{ findings(first: 100) { edges { node { id } } } }', {}, c)).data?.findings
          .edges ?? []
      ).some((e: { node: { id: string } }) => e.node.id === fixture[target].finding),
  },
  search: {
    expect: sees,
    probe: async (c, target) =>
      JSON.stringify(
        (
          await ask(
            'query($q: String!) { search(query: $q) { edges { node { node { ... on Model { id } } } } } }',
            { q: `${target}-model` },
            c,
          )
        ).data ?? {},
      ).includes(fixture[target].model!),
  },
  trace: {
    expect: sees,
    probe: async (c, target) =>
      Boolean(
        (
          await ask(
            'query($id: ID!) { trace(id: $id) { nodes { id } } }',
            { id: fixture[target].finding },
            c,
          )
        ).data?.trace,
      ),
  },
  impact: {
    expect: sees,
    probe: async (c, target) =>
      Boolean(
        (
          await ask(
            'query($id: ID!) { impact(id: $id) { runs { id } } }',
            { id: fixture[target].datasetVersion },
            c,
          )
        ).data?.impact,
      ),
  },
  provenanceBundle: {
    expect: sees,
    probe: async (c, target) =>
      Boolean(
        (
          await ask(
            'query($id: ID!) { provenanceBundle(id: $id) }',
            { id: fixture[target].finding },
            c,
          )
        ).data?.provenanceBundle,
      ),
  },
  lineagePath: {
    expect: sees,
    probe: async (c, target) =>
      Boolean(
        (
          await ask(
            'query($from: ID!, $to: ID!) { lineagePath(from: $from, to: $to) { nodes { id } } }',
            { from: fixture[target].finding, to: fixture[target].datasetVersion },
            c,
          )
        ).data?.lineagePath,
      ),
  },
  compareRuns: {
    expect: sees,
    probe: async (c, target) => {
      const result = await ask(
        'query($ids: [ID!]!) { compareRuns(ids: $ids) { runs { id } } }',
        { ids: [fixture[target].run, fixture[target].rerun] },
        c,
      );
      return Boolean(result.data?.compareRuns);
    },
  },
  compareModels: {
    expect: sees,
    probe: async (c, target) => {
      const result = await ask(
        'query($m: [ID!]!, $d: ID!) { compareModels(models: $m, datasetVersion: $d, metric: "accuracy") { modelVersion { id } value } }',
        { m: [fixture[target].model], d: fixture[target].datasetVersion },
        c,
      );
      return JSON.stringify(result.data ?? {}).includes(fixture[target].modelVersion!);
    },
  },
  runners: {
    // Which runners exist is not project data: any caller the hub knows may list them.
    expect: (c) => c !== 'anonymous',
    probe: async (c) => ((await ask('{ runners { id } }', {}, c)).data?.runners ?? []).length > 0,
  },
  apiTokens: {
    // Tokens are seen by those who manage them: the project's maintainers and admins.
    expect: (c, target) => atLeast(c, target, 'maintainer'),
    probe: async (c, target) =>
      (
        (await ask('query($p: String) { apiTokens(project: $p) { id } }', { p: target }, c)).data
          ?.apiTokens ?? []
      ).length > 0,
  },
  viewer: {
    // Callers see their own roles, and nothing of anyone else's (an admin's hold everywhere).
    expect: (c, target) => c !== 'admin' && roleIn(c, target) !== null,
    probe: async (c, target) =>
      (
        ((await ask('{ viewer { roles { project } } }', {}, c)).data?.viewer?.roles ??
          []) as Array<{
          project: string;
        }>
      ).some((r) => r.project === target),
  },
  contentRegistration: {
    expect: sees,
    probe: async (c, target) =>
      Boolean(
        (
          await ask(
            'query($id: ID!) { contentRegistration(id: $id) { id } }',
            { id: fixture[target].contentRegistration },
            c,
          )
        ).data?.contentRegistration,
      ),
  },
  auditChain: {
    // The audit record spans every project: hub admins only.
    expect: (c) => c === 'admin',
    probe: async (c) => Boolean((await ask('{ auditChain { ok } }', {}, c)).data?.auditChain),
  },
};

/** Changes: the role each takes, and a call making one in the target project. */
const writeRules: Record<
  string,
  {
    role: Role | 'admin';
    call: (target: Target) => [string, Record<string, unknown>];
    /** How a caller below the role is refused, when it may not see the target at all. */
    hidden?: boolean;
  }
> = {
  registerModel: {
    role: 'contributor',
    call: (target) => [
      `mutation($input: RegisterModelInput!) { registerModel(input: $input) { __typename } }`,
      { input: { project: target, name: unique('m'), task: 'OTHER' } },
    ],
  },
  registerModelVersion: {
    role: 'contributor',
    call: (target) => [
      `mutation($input: RegisterModelVersionInput!) { registerModelVersion(input: $input) { __typename } }`,
      {
        input: {
          model: fixture[target].model,
          uri: writeTree(files.path, { [`${unique('v')}.bin`]: unique('bytes') }),
          format: 'OTHER',
        },
      },
    ],
  },
  registerDataset: {
    role: 'contributor',
    call: (target) => [
      `mutation($input: RegisterDatasetInput!) { registerDataset(input: $input) { __typename } }`,
      { input: { project: target, name: unique('d'), task: 'OTHER' } },
    ],
  },
  registerDatasetVersion: {
    role: 'contributor',
    call: (target) => [
      `mutation($input: RegisterDatasetVersionInput!) { registerDatasetVersion(input: $input) { __typename } }`,
      {
        input: {
          dataset: fixture[target].dataset,
          uri: writeTree(files.path, { [`${unique('dv')}.csv`]: `label\n${unique('x')}\n` }),
          format: 'CSV',
        },
      },
    ],
  },
  defineWorkflow: {
    role: 'contributor',
    call: (target) => [
      `mutation($input: DefineWorkflowInput!) { defineWorkflow(input: $input) { __typename } }`,
      {
        input: {
          project: target,
          name: unique('w'),
          spec: { steps: [{ id: 'a', runner: 'emit' }] },
        },
      },
    ],
  },
  startRun: {
    role: 'contributor',
    call: (target) => [
      `mutation($input: StartRunInput!) { startRun(input: $input) { __typename } }`,
      { input: { project: target, runner: 'emit', config: {}, seed: ++counter } },
    ],
  },
  startWorkflow: {
    role: 'contributor',
    call: (target) => [
      `mutation($input: StartWorkflowInput!) { startWorkflow(input: $input) { __typename } }`,
      { input: { workflowVersion: fixture[target].workflowVersion, seed: ++counter } },
    ],
  },
  cancelRun: {
    // The fixture's run has ended: a caller allowed to cancel is told so (ConflictError).
    role: 'contributor',
    call: (target) => [
      `mutation($id: ID!) { cancelRun(id: $id) { __typename } }`,
      { id: fixture[target].run },
    ],
  },
  triageFinding: {
    role: 'maintainer',
    call: (target) => [
      `mutation($input: TriageFindingInput!) { triageFinding(input: $input) { __typename } }`,
      { input: { finding: fixture[target].finding, status: 'CONFIRMED', comment: 'checked' } },
    ],
  },
  retryRun: {
    role: 'contributor',
    call: (target) => [
      `mutation($id: ID!) { retryRun(id: $id) { __typename } }`,
      { id: fixture[target].run },
    ],
  },
  reproduceRun: {
    // The role that starts runs: the fixture's run succeeded, so an allowed caller queues a
    // reproduction of it.
    role: 'contributor',
    call: (target) => [
      `mutation($id: ID!) { reproduceRun(id: $id) { __typename } }`,
      { id: fixture[target].run },
    ],
  },
  openExternalRun: {
    role: 'contributor',
    call: (target) => [
      `mutation($input: OpenExternalRunInput!) { openExternalRun(input: $input) { __typename } }`,
      { input: { project: target, runner: 'notebook', runnerVersion: '1', seed: ++counter } },
    ],
  },
  appendExternalRunEvents: {
    // The same first event each time: after the first allowed caller, it is stored already.
    role: 'contributor',
    call: (target) => [
      `mutation($input: AppendExternalRunEventsInput!) { appendExternalRunEvents(input: $input) { __typename } }`,
      {
        input: {
          run: fixture[target].externalRun,
          firstSeq: 1,
          events: [{ type: 'metric', key: 'accuracy', value: 0.8 }],
        },
      },
    ],
  },
  finishExternalRun: {
    // Finishing again the same way changes nothing and answers the run.
    role: 'contributor',
    call: (target) => [
      `mutation($input: FinishExternalRunInput!) { finishExternalRun(input: $input) { __typename } }`,
      { input: { run: fixture[target].externalRunToFinish, status: 'SUCCEEDED' } },
    ],
  },
  importCheckmaiteRun: {
    role: 'contributor',
    call: (target) => [
      `mutation($input: ImportCheckmaiteRunInput!) { importCheckmaiteRun(input: $input) { __typename } }`,
      {
        input: {
          project: target,
          record: {
            ...JSON.parse(
              readFileSync(
                join(import.meta.dirname, 'fixtures/checkmaite/maite-evaluation.json'),
                'utf8',
              ),
            ),
            run_uid: runUid(),
          },
        },
      },
    ],
  },
  createApiToken: {
    role: 'maintainer',
    call: (target) => [
      `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { __typename } }`,
      { input: { name: unique('t'), project: target, role: 'VIEWER', expiresInDays: 30 } },
    ],
  },
  revokeApiToken: {
    role: 'maintainer',
    // A project's tokens are seen by its maintainers only: below that, one does not exist.
    hidden: true,
    call: () => {
      throw new Error('revokeApiToken is probed with a token made for each call');
    },
  },
  setProjectMember: {
    role: 'maintainer',
    call: (target) => [
      `mutation($input: SetProjectMemberInput!) { setProjectMember(input: $input) { __typename } }`,
      { input: { project: target, subject: `oidc:${unique('user')}`, role: 'VIEWER' } },
    ],
  },
  setProjectSettings: {
    role: 'maintainer',
    call: (target) => [
      `mutation($input: SetProjectSettingsInput!) { setProjectSettings(input: $input) { __typename } }`,
      { input: { project: target, commandRunnerEnabled: false } },
    ],
  },
};

const subscriptionRules: Record<
  string,
  {
    expect: (c: Caller, t: Target) => boolean;
    query: (t: Target) => [string, Record<string, unknown>];
  }
> = {
  runEvents: {
    expect: sees,
    query: (target) => [
      'subscription($id: ID!) { runEvents(runId: $id) { seq } }',
      { id: fixture[target].run },
    ],
  },
  contentRegistrationProgress: {
    expect: sees,
    query: (target) => [
      'subscription($id: ID!) { contentRegistrationProgress(id: $id) { state } }',
      { id: fixture[target].contentRegistration },
    ],
  },
  runUpdates: {
    expect: sees,
    query: (target) => [
      'subscription($p: String) { runUpdates(project: $p) { status } }',
      { p: target },
    ],
  },
};

describe('every root field has a rule', () => {
  it('covers each query, mutation and subscription of the schema', () => {
    const fields = (type: GraphQLNamedType | null | undefined) =>
      type && isObjectType(type) ? Object.keys(type.getFields()) : [];
    expect(fields(schema.getQueryType()).filter((f) => !readRules[f])).toEqual([]);
    expect(fields(schema.getMutationType()).filter((f) => !writeRules[f])).toEqual([]);
    expect(fields(schema.getSubscriptionType()).filter((f) => !subscriptionRules[f])).toEqual([]);
  });
});

describe('reads', () => {
  for (const [field, rule] of Object.entries(readRules)) {
    it(`${field}: each caller sees exactly the projects its role covers`, async () => {
      for (const caller of CALLERS)
        for (const target of ['home', 'away'] as const) {
          counts.checks += 1;
          const seen = await rule.probe(caller, target);
          if (seen && !rule.expect(caller, target)) counts.leaks += 1;
          expect(seen, `${field} as ${caller} in ${target}: ${lastAnswer}`).toBe(
            rule.expect(caller, target),
          );
        }
    });
  }
});

/** A digest of every table, to show that a refused change changed nothing. */
async function tablesDigest(): Promise<string> {
  const tables = await selectRows<{ name: string }>(
    t.database.db,
    sql`select tablename as name from pg_tables where schemaname = 'public' order by 1`,
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    // last_used_at moves as tokens are used: not a change a caller made.
    if (name === 'api_tokens') continue;
    const [row] = await selectRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from ${sql.identifier(name)}`,
    );
    parts.push(`${name}:${row!.n}`);
  }
  return parts.join(',');
}

describe('changes', () => {
  for (const [field, rule] of Object.entries(writeRules)) {
    it(`${field}: allowed from the ${rule.role} role up, refused (changing nothing) below it`, async () => {
      for (const caller of CALLERS)
        for (const target of ['home', 'away'] as const) {
          counts.checks += 1;
          let query: string;
          let variables: Record<string, unknown>;
          if (field === 'revokeApiToken') {
            const made = await ask(
              'mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { ... on CreateApiTokenPayload { apiToken { id } } } }',
              { i: { name: unique('victim'), project: target, role: 'VIEWER', expiresInDays: 30 } },
            );
            query = 'mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }';
            variables = { id: made.data!.createApiToken.apiToken.id };
          } else [query, variables] = rule.call(target);
          await quiet();
          const before = await tablesDigest();
          const outcome = await mutate(field, query, variables, caller);
          const allowed =
            rule.role === 'admin' ? caller === 'admin' : atLeast(caller, target, rule.role);
          const where = `${field} as ${caller} in ${target}: ${outcome}`;
          if (allowed)
            expect(['401', 'ForbiddenError', 'NotFoundError'], where).not.toContain(outcome);
          else {
            if (!['401', 'ForbiddenError', 'NotFoundError'].includes(outcome)) counts.leaks += 1;
            // Refused: 401 without a token; Forbidden where the caller sees the project; NotFound where it does not.
            const expected =
              caller === 'anonymous'
                ? '401'
                : roleIn(caller, target) && !rule.hidden
                  ? 'ForbiddenError'
                  : 'NotFoundError';
            expect(outcome, where).toBe(expected);
            expect(await tablesDigest(), where).toBe(before);
          }
        }
    });
  }
});

describe('subscriptions', () => {
  /** Whether subscribing yields anything before the server refuses (or the run's events end). */
  async function subscribes(caller: Caller, query: string, variables: Record<string, unknown>) {
    const client = createClient({
      url: `${t.hub.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: tokens[caller] ? { authorization: `Bearer ${tokens[caller]}` } : {},
    });
    try {
      const iterator = client.iterate({ query, variables });
      const first = await Promise.race([
        iterator.next().then(
          (r) => ({ ok: !r.done && !(r.value as { errors?: unknown }).errors }),
          () => ({ ok: false }),
        ),
        // runUpdates waits for a change: a subscription still open after a status change counts.
        new Promise<{ ok: boolean }>((resolve) => setTimeout(() => resolve({ ok: true }), 1500)),
      ]);
      await iterator.return?.();
      return first.ok;
    } finally {
      await client.dispose();
    }
  }

  for (const [field, rule] of Object.entries(subscriptionRules)) {
    it(`${field}: only for callers who see the project`, async () => {
      for (const caller of CALLERS)
        for (const target of ['home', 'away'] as const) {
          counts.checks += 1;
          const [query, variables] = rule.query(target);
          const ok = await subscribes(caller, query, variables);
          if (ok && !rule.expect(caller, target)) counts.leaks += 1;
          expect(ok, `${field} as ${caller} in ${target}`).toBe(rule.expect(caller, target));
        }
    });
  }
});

/** REST routes: each with the role it takes, and a request naming the target's object. */
const restRules: Array<{
  route: string;
  /** The least role in the target project; `public` for what anyone may read. */
  role: Role | 'public';
  /** `bytes`: a body of raw bytes (application/octet-stream) rather than JSON. */
  request: (target: Target) => { path: string; method?: string; body?: unknown; bytes?: string };
  allowedStatus: number[];
}> = [
  {
    route: 'GET /api/v1/runs/{id}/openlineage',
    role: 'viewer',
    request: (target) => ({ path: `/api/v1/runs/${fixture[target].run}/openlineage` }),
    allowedStatus: [200],
  },
  {
    route: 'GET /api/v1/lineage/{id}/prov',
    role: 'viewer',
    request: (target) => ({ path: `/api/v1/lineage/${fixture[target].finding}/prov` }),
    allowedStatus: [200],
  },
  {
    route: 'GET /api/v1/lineage/{id}/bundle',
    role: 'viewer',
    request: (target) => ({ path: `/api/v1/lineage/${fixture[target].finding}/bundle` }),
    allowedStatus: [200],
  },
  {
    // Public keys: whoever checks the evidence needs them, signed in or not.
    route: 'GET /api/v1/keys',
    role: 'public',
    request: () => ({ path: '/api/v1/keys' }),
    allowedStatus: [200],
  },
  {
    route: 'GET /api/v1/runs/{id}/report',
    role: 'viewer',
    request: (target) => ({ path: `/api/v1/runs/${fixture[target].run}/report?format=md` }),
    allowedStatus: [200],
  },
  {
    route: 'GET /artifacts/{id}',
    role: 'viewer',
    request: (target) => ({ path: `/artifacts/${fixture[target].artifact}` }),
    allowedStatus: [200],
  },
  {
    route: 'POST /api/v1/lineage',
    role: 'contributor',
    request: (target) => ({
      path: `/api/v1/lineage?project=${target}`,
      method: 'POST',
      body: {
        eventType: 'COMPLETE',
        eventTime: new Date().toISOString(),
        producer: 'https://example.test/producer',
        schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        run: { runId: crypto.randomUUID() },
        job: { namespace: target, name: unique('job') },
      },
    }),
    allowedStatus: [201],
  },
  {
    route: 'POST /api/v1/checkmaite/runs',
    role: 'contributor',
    request: (target) => ({
      path: `/api/v1/checkmaite/runs?project=${target}`,
      method: 'POST',
      body: {
        ...JSON.parse(
          readFileSync(
            join(import.meta.dirname, 'fixtures/checkmaite/maite-evaluation.json'),
            'utf8',
          ),
        ),
        run_uid: runUid(),
      },
    }),
    allowedStatus: [200, 201],
  },
  {
    route: 'PUT /api/v1/content/sha256/{hex}',
    role: 'contributor',
    request: (target) => ({
      path: `/api/v1/content/sha256/${sha256Hex(`content of ${target}`)}?project=${target}`,
      method: 'PUT',
      bytes: `content of ${target}`,
    }),
    allowedStatus: [200, 201],
  },
  {
    route: 'HEAD /api/v1/content/sha256/{hex}',
    role: 'contributor',
    // The rule before uploaded it to both projects.
    request: (target) => ({
      path: `/api/v1/content/sha256/${sha256Hex(`content of ${target}`)}?project=${target}`,
      method: 'HEAD',
    }),
    allowedStatus: [200],
  },
];

describe('REST routes', () => {
  it('lists every route the HTTP layer serves', () => {
    const served = readdirSync(join(import.meta.dirname, '../src/http'))
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        [
          ...readFileSync(join(import.meta.dirname, '../src/http', file), 'utf8').matchAll(
            /^\/\/\s+(GET|POST|PUT|HEAD|DELETE)\s+(\/(?:api\/v1|artifacts)\/\S*)/gm,
          ),
        ].map((m) => `${m[1]} ${m[2]!.replace(/[?:].*$/, '').replaceAll('<id>', '{id}')}`),
      );
    const known = new Set(restRules.map((r) => r.route));
    expect(served.filter((route) => !known.has(route))).toEqual([]);
  });

  for (const rule of restRules) {
    it(`${rule.route}: allowed from the ${rule.role} role up`, async () => {
      for (const caller of CALLERS)
        for (const target of ['home', 'away'] as const) {
          counts.checks += 1;
          const { path, method = 'GET', body, bytes } = rule.request(target);
          const token = tokens[caller];
          if (method !== 'GET') await quiet();
          const before = method === 'GET' ? null : await tablesDigest();
          const response = await fetch(`${t.hub.url}${path}`, {
            method,
            headers: {
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              ...(body ? { 'content-type': 'application/json' } : {}),
              ...(bytes ? { 'content-type': 'application/octet-stream' } : {}),
            },
            body: body ? JSON.stringify(body) : bytes,
          });
          const allowed = rule.role === 'public' || atLeast(caller, target, rule.role);
          const where = `${rule.route} as ${caller} in ${target}: ${response.status}`;
          if (allowed) expect(rule.allowedStatus, where).toContain(response.status);
          else {
            if (rule.allowedStatus.includes(response.status)) counts.leaks += 1;
            expect([401, 403, 404], where).toContain(response.status);
            if (before) expect(await tablesDigest(), where).toBe(before);
          }
        }
    });
  }
});

/** A selection of every field of `type` (to `depth`), skipping fields that need arguments. */
function selectionOf(type: GraphQLNamedType, depth: number): string {
  if (isLeafType(type)) return '';
  if (isUnionType(type) || isInterfaceType(type)) {
    const fragments = schema
      .getPossibleTypes(type)
      .map((p) => [p.name, selectionOf(p, depth)])
      .filter(([, selection]) => selection)
      .map(([name, selection]) => `... on ${name} ${selection}`);
    return `{ __typename ${fragments.join(' ')} }`;
  }
  if (!isObjectType(type) || depth === 0) return '';
  const fields = Object.values(type.getFields()).flatMap(
    (field: GraphQLField<unknown, unknown>) => {
      if (field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined))
        return [];
      // Aliased by type: the same field name means other types on other members of a union.
      const aliased = `${type.name}_${field.name}: ${field.name}`;
      const named = getNamedType(field.type);
      if (isLeafType(named)) return [aliased];
      const inner = selectionOf(named, depth - 1);
      return inner ? [`${aliased} ${inner}`] : [];
    },
  );
  return fields.length ? `{ __typename ${fields.join(' ')} }` : '';
}

describe('no trace of another project', () => {
  it("a viewer reading every field of every object of its project finds nothing of another's", async () => {
    const [secrets] = [
      [
        'away-model',
        'away-data',
        'away-flow',
        'away-run',
        'away-finding',
        'away-artifact',
        ...Object.values(fixture.away).filter((v) => v !== 'away'),
      ],
    ];
    const digests = await selectRows<{ digest: string; id: string }>(
      t.database.db,
      sql`select dv.digest, dv.id::text from dataset_versions dv join datasets d on d.id = dv.dataset_id
          join projects p on p.id = d.project_id where p.slug = 'away'
          union all select mv.digest, mv.id::text from model_versions mv join models m on m.id = mv.model_id
          join projects p on p.id = m.project_id where p.slug = 'away'`,
    );
    const markers = [...secrets, ...digests.flatMap((d) => [d.digest, d.id])];
    for (const [name, id] of Object.entries(fixture.home)) {
      if (name === 'slug') continue;
      // A background registration is not a node: it has a root field of its own.
      const root = name === 'contentRegistration' ? name : 'node';
      const type = name === 'contentRegistration' ? 'ContentRegistration' : 'Node';
      const query = `query($id: ID!) { ${root}(id: $id) ${selectionOf(schema.getType(type)!, 3)} }`;
      const result = await ask(query, { id }, 'viewer');
      counts.checks += 1;
      expect(result.errors, `${name}: ${JSON.stringify(result.errors)}`).toBeUndefined();
      expect(result.data![root], name).not.toBeNull();
      const text = JSON.stringify(result.data);
      const found = markers.filter((marker) => text.includes(marker));
      if (found.length) counts.leaks += 1;
      expect(found, `${name} shows ${found.join(', ')}`).toEqual([]);
    }
  });
});
