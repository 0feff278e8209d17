// Runs: starting, watching, cancelling and retrying them.

import type { GraphQLResolveInfo } from 'graphql';
import type { MetricPageArgs } from '../resolvers/loaders.ts';
import { cancelRun } from '../resolvers/runs/cancel.ts';
import { readRunEvents } from '../resolvers/runs/events.ts';
import { listRuns, type RunOrderField, runOrdering } from '../resolvers/runs/queries.ts';
import { retryRun, startRun } from '../resolvers/runs/start.ts';
import type { RunError } from '../resolvers/runs/status.ts';
import { startWorkflow } from '../resolvers/workflows/runs.ts';
import { builder } from './builder.ts';
import { OrderDirectionEnum } from './catalogue.ts';
import { resultUnion } from './errors.ts';
import { asksTotalCount, connectionsAskedAt, fieldsAskedAt } from './lookahead.ts';
import {
  ArtifactRef,
  FindingRef,
  ProjectRef,
  RunRef,
  VersionRef,
  WorkflowVersionRef,
} from './refs.ts';
import { MetricRef, metricFromRow } from './results.ts';
import { eventCursor, parseEventCursor, RunEventRef } from './run-events.ts';
import { RunStatusEnum } from './run-status.ts';
import { InputKindEnum } from './runner.ts';
import { SearchFilterInput } from './search.ts';

const RunErrorRef = builder.objectRef<RunError>('RunError').implement({
  description: 'Why a run failed.',
  fields: (t) => ({
    code: t.exposeString('code', {
      description:
        "RUNNER_ERROR, LEASE_EXPIRED (its worker died), STEP_FAILED, STORE_FAILED, INPUT_CHANGED (a reproduction's input changed before it ran)...",
    }),
    message: t.exposeString('message', { description: 'What happened, for a person to read.' }),
  }),
});

interface Progress {
  fraction?: number;
  stage?: string;
  message?: string;
}

const RunProgressRef = builder.objectRef<Progress>('RunProgress').implement({
  description: 'The last progress a run reported.',
  fields: (t) => ({
    fraction: t.float({
      nullable: true,
      description: 'From 0 to 1.',
      resolve: (p) => p.fraction ?? null,
    }),
    stage: t.string({
      nullable: true,
      description: 'What it is doing, e.g. "inference".',
      resolve: (p) => p.stage ?? null,
    }),
    message: t.string({
      nullable: true,
      description: 'A line for a person.',
      resolve: (p) => p.message ?? null,
    }),
  }),
});

interface RunInputShape {
  role: string;
  position: number;
  modelVersionId: string | null;
  datasetVersionId: string | null;
}

const RunInputRef = builder.objectRef<RunInputShape>('RunInput').implement({
  description: 'USED: a version a run took, under a role.',
  fields: (t) => ({
    role: t.exposeString('role', { description: 'The role, e.g. "model" or "dataset".' }),
    position: t.exposeInt('position', {
      description: 'Its place among inputs of the same role (0, 1...).',
    }),
    version: t.field({
      type: VersionRef,
      nullable: true,
      description: 'The version; null if it is in a project you may not see.',
      resolve: (input, _args, ctx) =>
        input.modelVersionId
          ? ctx.loaders.modelVersion.load(input.modelVersionId)
          : ctx.loaders.datasetVersion.load(input.datasetVersionId!),
    }),
  }),
});

builder.node(RunRef, {
  description: 'One execution of a runner, or of a workflow (whose steps are its children).',
  id: { resolve: (run) => run.id },
  fields: (t) => ({
    project: t.field({
      type: ProjectRef,
      description: 'The project it belongs to.',
      resolve: async (run, _args, ctx) => (await ctx.loaders.project.load(run.projectId))!,
    }),
    name: t.exposeString('name', {
      nullable: true,
      description: 'A name given when it was started.',
    }),
    runnerId: t.exposeString('runnerId', {
      description: 'The runner it executes ("workflow" for a workflow run).',
    }),
    runnerVersion: t.exposeString('runnerVersion', {
      description: 'The runner version (for a workflow run, the workflow version digest).',
    }),
    status: t.field({
      type: RunStatusEnum,
      description: 'Where it is.',
      resolve: (run) => run.status,
    }),
    runKey: t.exposeString('runKey', {
      description:
        'sha256 of the canonical JSON of {runner and version, config, input digests, seed}: the same key, the same work.',
    }),
    source: t.exposeString('source', {
      description:
        'Where the run was recorded from: "hub" (run here), "external" (logged by a client, e.g. a notebook), "openlineage" or "checkmaite" (imported).',
    }),
    externalId: t.exposeString('externalId', {
      nullable: true,
      description:
        'Its id in the tool it was imported from (OpenLineage runId, checkmaite run_uid).',
    }),
    config: t.expose('config', {
      type: 'JSON',
      description: 'Its config, with the runner defaults applied.',
    }),
    seed: t.exposeInt('seed', { description: 'The seed of every random choice it makes.' }),
    priority: t.exposeInt('priority', { description: 'Higher runs first.' }),
    attempt: t.exposeInt('attempt', {
      description: 'Which attempt is (or was last) executing: 1, 2...',
    }),
    maxAttempts: t.exposeInt('maxAttempts', {
      description: 'Attempts allowed when workers die mid-run.',
    }),
    environment: t.expose('environment', {
      type: 'JSON',
      description:
        'Where it ran: runner id and version, hub version, Node version, host, worker id.',
    }),
    progress: t.field({
      type: RunProgressRef,
      nullable: true,
      description: 'The last progress it reported.',
      resolve: (run) => run.progress as Progress | null,
    }),
    error: t.field({
      type: RunErrorRef,
      nullable: true,
      description: 'Why it failed.',
      resolve: (run) => run.error as RunError | null,
    }),
    tags: t.exposeStringList('tags', { description: 'Labels for finding it.' }),
    createdBy: t.exposeString('createdBy', { description: 'Who started it.' }),
    createdByName: t.string({
      description: "Who started it, for people to read: a token's owner and name, or the user.",
      resolve: (row, _args, ctx) => ctx.loaders.actorName.load(row.createdBy),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was queued.' }),
    startedAt: t.expose('startedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When a worker first took it.',
    }),
    finishedAt: t.expose('finishedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it ended.',
    }),
    durationMs: t.float({
      nullable: true,
      description: 'From start to end, in milliseconds.',
      resolve: (run) =>
        run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
    }),
    inputs: t.field({
      type: [RunInputRef],
      description: 'USED: the versions it took, by role.',
      resolve: (run, _args, ctx) => ctx.loaders.runInputs.load(run.id),
    }),
    metrics: t.connection(
      {
        type: MetricRef,
        description:
          'Its metrics, by key, slice and step, a page at a time: page on with `after` to read them all.',
        args: {
          key: t.arg.string({ description: 'Only this key, e.g. "accuracy".' }),
          slice: t.arg({
            type: 'JSON',
            description:
              'Only slices with these labels, e.g. {"class": "cat"} ({} for every slice).',
          }),
        },
        resolve: async (run, args, ctx, info) => {
          const page = await ctx.loaders
            .runMetrics({ ...args, withTotal: asksTotalCount(info) } as MetricPageArgs)
            .load(run.id);
          return {
            ...page,
            edges: page.edges.map((edge) => ({
              cursor: edge.cursor,
              node: metricFromRow(edge.node),
            })),
          };
        },
      },
      { name: 'MetricConnection' },
      { name: 'MetricEdge' },
    ),
    findings: t.field({
      type: [FindingRef],
      description: 'GENERATED: what it concluded.',
      resolve: (run, _args, ctx) => ctx.loaders.runFindings.load(run.id),
    }),
    artifacts: t.field({
      type: [ArtifactRef],
      description: 'GENERATED: the files it produced.',
      resolve: (run, _args, ctx) => ctx.loaders.runArtifacts.load(run.id),
    }),
    events: t.connection(
      {
        type: RunEventRef,
        description:
          'Everything it emitted, in order (the stored form of the runEvents subscription).',
        resolve: async (run, args, ctx) => {
          const after = parseEventCursor(args.after);
          const first = Math.min(args.first ?? 100, 1000);
          const rows = await readRunEvents(ctx.db, run.id, after, first + 1);
          const page = rows.slice(0, first);
          return {
            edges: page.map((event) => ({ cursor: eventCursor(event), node: event })),
            pageInfo: {
              hasNextPage: rows.length > first,
              hasPreviousPage: after > 0,
              startCursor: page[0] ? eventCursor(page[0]) : null,
              endCursor: page.at(-1) ? eventCursor(page.at(-1)!) : null,
            },
            totalCount: run.lastEventSeq,
          };
        },
      },
      { name: 'RunEventConnection' },
      { name: 'RunEventEdge' },
    ),
    parent: t.field({
      type: RunRef,
      nullable: true,
      description: 'PART_OF: the workflow run it is a step of.',
      resolve: (run, _args, ctx) =>
        run.parentRunId ? ctx.loaders.run.load(run.parentRunId) : null,
    }),
    stepId: t.exposeString('stepId', {
      nullable: true,
      description: 'Its step in the workflow spec.',
    }),
    children: t.field({
      type: [RunRef],
      description: 'The runs of its steps, for a workflow run.',
      resolve: (run, _args, ctx) => ctx.loaders.runChildren.load(run.id),
    }),
    workflowVersion: t.field({
      type: WorkflowVersionRef,
      nullable: true,
      description: 'EXECUTED: the workflow version it (or its parent) executes.',
      resolve: (run, _args, ctx) =>
        run.workflowVersionId ? ctx.loaders.workflowVersion.load(run.workflowVersionId) : null,
    }),
    retryOf: t.field({
      type: RunRef,
      nullable: true,
      description: 'The run this one retries.',
      resolve: (run, _args, ctx) => (run.retryOfId ? ctx.loaders.run.load(run.retryOfId) : null),
    }),
  }),
});

/** The pages of metrics the runs of a page are asked for. */
const metricPages = (info: GraphQLResolveInfo) =>
  connectionsAskedAt(info, ['edges', 'node'], 'Run', 'metrics') as MetricPageArgs[];

const onlyOne = <T>(list: T[]): T | null => (list.length === 1 ? list[0]! : null);

const RunOrderFieldEnum = builder.enumType('RunOrderField', {
  description: 'What a list of runs is ordered by.',
  values: {
    CREATED_AT: { description: 'When it was queued.' },
    UPDATED_AT: { description: 'When it last changed.' },
    FINISHED_AT: { description: 'When it ended (runs not ended are left out).' },
  },
});

const RunOrder = builder.inputType('RunOrder', {
  description: 'An ordering of runs.',
  fields: (t) => ({
    field: t.field({ type: RunOrderFieldEnum, required: true, description: 'What to order by.' }),
    direction: t.field({ type: OrderDirectionEnum, required: true, description: 'Which way.' }),
  }),
});

builder.queryField('runs', (t) =>
  t.connection(
    {
      type: RunRef,
      description: 'Runs you may see.',
      args: {
        filter: t.arg({ type: SearchFilterInput, description: 'Conditions the runs meet.' }),
        orderBy: t.arg({ type: RunOrder, description: 'Defaults to newest first.' }),
      },
      resolve: (_root, args, ctx, info) => {
        const order = args.orderBy ?? { field: 'CREATED_AT', direction: 'DESC' };
        return listRuns(
          ctx,
          args.filter ?? {},
          runOrdering(order.field as RunOrderField, order.direction),
          args,
          (p) => ctx.loaders.project.prime(p.id, p),
          // The inputs, metrics and findings asked of the page's runs come in its statement
          // (the page of metrics when every run is asked the same one).
          ctx.loaders.runPageChildren(
            fieldsAskedAt(info, ['edges', 'node']),
            onlyOne(metricPages(info)),
          ),
        );
      },
    },
    { name: 'RunConnection' },
    { name: 'RunEdge' },
  ),
);

const RunInputInput = builder.inputType('RunInputInput', {
  description: 'A version for a run, under a role of its runner.',
  fields: (t) => ({
    role: t.string({ required: true, description: 'The role, e.g. "model".' }),
    version: t.id({ required: true, description: 'A version id, or "project/name@version".' }),
    kind: t.field({
      type: InputKindEnum,
      description: 'Needed only for "project/name@version" given to a runner that takes any role.',
    }),
  }),
});

const StartRunInput = builder.inputType('StartRunInput', {
  description: 'A run to start.',
  fields: (t) => ({
    project: t.string({ required: true, description: 'Project slug; created on first use.' }),
    runner: t.string({ required: true, description: 'The runner id (see `runners`).' }),
    inputs: t.field({
      type: [RunInputInput],
      description: "The versions it uses, by the runner's roles.",
    }),
    config: t.field({
      type: 'JSON',
      description: "The runner's config; its defaults fill what is left out.",
    }),
    seed: t.int({
      description: 'Seed of every random choice (0 to 2147483647); 0 by default, so runs repeat.',
    }),
    priority: t.int({ description: 'Higher runs first (-1000 to 1000; 0 by default).' }),
    maxAttempts: t.int({
      description: 'Attempts allowed when workers die mid-run (1 to 20; 3 by default).',
    }),
    reuse: t.boolean({
      description:
        'Return a SUCCEEDED run with the same run key instead of running the same work again.',
    }),
    name: t.string({ description: 'A name for people.' }),
    tags: t.stringList({ description: 'Labels for finding it.' }),
  }),
});

const StartRunPayload = builder
  .objectRef<{ run: Awaited<ReturnType<typeof startRun>>['run']; reused: boolean }>(
    'StartRunPayload',
  )
  .implement({
    description: 'The run started, or reused.',
    fields: (t) => ({
      run: t.field({ type: RunRef, description: 'The run.', resolve: (p) => p.run }),
      reused: t.exposeBoolean('reused', {
        description: 'True when an earlier SUCCEEDED run of the same key was returned.',
      }),
    }),
  });

export const RunPayload = builder
  .objectRef<{ run: Awaited<ReturnType<typeof startRun>>['run'] }>('RunPayload')
  .implement({
    description: 'The run changed.',
    fields: (t) => ({
      run: t.field({ type: RunRef, description: 'The run, as it is now.', resolve: (p) => p.run }),
    }),
  });

builder.mutationField('startRun', (t) =>
  t.field({
    type: StartRunPayload,
    description:
      'Checks a run (runner, config, inputs) and queues it; with reuse, returns an earlier run of the same work.',
    args: { input: t.arg({ type: StartRunInput, required: true, description: 'The run.' }) },
    errors: resultUnion('StartRunResult'),
    resolve: (_root, { input }, ctx) =>
      startRun(ctx, {
        ...input,
        inputs: input.inputs?.map((i) => ({ ...i, version: String(i.version) })),
      }),
  }),
);

const StartWorkflowInput = builder.inputType('StartWorkflowInput', {
  description: 'A workflow run to start.',
  fields: (t) => ({
    workflowVersion: t.id({ required: true, description: 'The workflow version id.' }),
    inputs: t.field({
      type: [RunInputInput],
      description: "Each of the spec's inputs: role is the input's name.",
    }),
    seed: t.int({
      description: "The workflow's seed; each step's seed derives from it and the step id.",
    }),
    priority: t.int({ description: 'Higher runs first.' }),
    name: t.string({ description: 'A name for people.' }),
  }),
});

builder.mutationField('startWorkflow', (t) =>
  t.field({
    type: RunPayload,
    description:
      'Starts a workflow run: its steps run as child runs, in the order their dependencies allow.',
    args: {
      input: t.arg({ type: StartWorkflowInput, required: true, description: 'The workflow run.' }),
    },
    errors: resultUnion('StartWorkflowResult'),
    resolve: async (_root, { input }, ctx) => ({
      run: await startWorkflow(ctx, {
        ...input,
        workflowVersion: String(input.workflowVersion),
        inputs: input.inputs?.map((i) => ({ role: i.role, version: String(i.version) })),
      }),
    }),
  }),
);

builder.mutationField('cancelRun', (t) =>
  t.field({
    type: RunPayload,
    description: 'Cancels a run: a queued one at once; a running one once its runner has stopped.',
    args: { id: t.arg.id({ required: true, description: 'The run.' }) },
    errors: resultUnion('CancelRunResult'),
    resolve: async (_root, { id }, ctx) => ({ run: await cancelRun(ctx, String(id)) }),
  }),
);

builder.mutationField('retryRun', (t) =>
  t.field({
    type: RunPayload,
    description: 'Starts a new run of the same work as a run that ended, linked to it by retryOf.',
    args: { id: t.arg.id({ required: true, description: 'The run that ended.' }) },
    errors: resultUnion('RetryRunResult'),
    resolve: async (_root, { id }, ctx) => ({ run: await retryRun(ctx, String(id)) }),
  }),
);
