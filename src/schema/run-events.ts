// Run events, typed by what they carry, and the subscriptions that stream them.

import { mayAccessProject } from '../resolvers/core/actor.ts';
import { NotFoundError, ValidationError } from '../resolvers/core/errors.ts';
import { inEventBatches } from '../resolvers/core/event-batch.ts';
import { encodeGlobalId } from '../resolvers/core/global-id.ts';
import type { RunEventRow, RunStatus } from '../resolvers/runs/events.ts';
import { findRun } from '../resolvers/runs/queries.ts';
import type { RunRow } from '../resolvers/runs/status.ts';
import { type StreamedRunEvent, workflowEvents } from '../resolvers/runs/workflow-stream.ts';
import type { FindingEmission, MetricEmission } from '../runners/contract.ts';
import { builder } from './builder.ts';
import { ArtifactRef, DatasetVersionRef, FindingRef, RunRef } from './refs.ts';
import { MetricRef, metricFromEmission, SeverityEnum } from './results.ts';
import { RunStatusEnum } from './run-status.ts';

/**
 * The cursor of an event: its sequence number in the run, as text; in a workflow run's
 * stream, its place in that stream.
 */
export const eventCursor = (event: RunEventRow) =>
  (event as Partial<StreamedRunEvent>).cursor ?? String(event.seq);

export function parseEventCursor(cursor: string | null | undefined): number {
  if (cursor == null || cursor === '') return 0;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(cursor)) {
    throw new ValidationError('an event cursor is the `cursor` of an event you received', [
      'after',
    ]);
  }
  return Number(cursor);
}

const typeNames: Record<string, string> = {
  status: 'RunStatusEvent',
  progress: 'RunProgressEvent',
  log: 'RunLogEvent',
  metric: 'RunMetricEvent',
  finding: 'RunFindingEvent',
  artifact: 'RunArtifactEvent',
  step: 'RunStepEvent',
  output: 'RunOutputEvent',
};

const payload = <T>(event: RunEventRow) => event.payload as T;

export const RunEventRef = builder.interfaceRef<RunEventRow>('RunEvent').implement({
  description: 'Something a run emitted, numbered in order within the run.',
  resolveType: (event) => typeNames[event.type] ?? 'RunLogEvent',
  fields: (t) => ({
    cursor: t.string({
      description: 'Give it as `after` to resume after this event.',
      resolve: eventCursor,
    }),
    seq: t.exposeInt('seq', { description: 'Its place in its run (`runId`): 1, 2, 3...' }),
    at: t.expose('createdAt', { type: 'DateTime', description: 'When it was stored.' }),
    runId: t.id({
      description:
        "Global id of the run that emitted it: in a workflow run's stream, a step's run when `step` is set.",
      resolve: (event) => encodeGlobalId('Run', event.runId),
    }),
    step: t.string({
      nullable: true,
      description:
        "In a workflow run's stream, the step whose run emitted it; null for the workflow's own events.",
      resolve: (event) => (event as Partial<StreamedRunEvent>).step ?? null,
    }),
  }),
});

builder.objectType(builder.objectRef<RunEventRow>('RunStatusEvent'), {
  description: 'The run changed status.',
  interfaces: [RunEventRef],
  isTypeOf: (event) => (event as RunEventRow).type === 'status',
  fields: (t) => ({
    status: t.field({
      type: RunStatusEnum,
      description: 'The new status.',
      resolve: (event) => payload<{ status: RunStatus }>(event).status,
    }),
    reason: t.string({
      nullable: true,
      description: 'Why, for a person.',
      resolve: (event) => payload<{ reason?: string }>(event).reason ?? null,
    }),
    attempt: t.int({
      nullable: true,
      description: 'The attempt it concerns.',
      resolve: (event) => payload<{ attempt?: number }>(event).attempt ?? null,
    }),
  }),
});

builder.objectType(builder.objectRef<RunEventRow>('RunProgressEvent'), {
  description: 'The run reported progress.',
  interfaces: [RunEventRef],
  isTypeOf: (event) => (event as RunEventRow).type === 'progress',
  fields: (t) => ({
    fraction: t.float({
      nullable: true,
      description: 'From 0 to 1.',
      resolve: (event) => payload<{ fraction?: number }>(event).fraction ?? null,
    }),
    stage: t.string({
      nullable: true,
      description: 'What it is doing.',
      resolve: (event) => payload<{ stage?: string }>(event).stage ?? null,
    }),
    message: t.string({
      nullable: true,
      description: 'A line for a person.',
      resolve: (event) => payload<{ message?: string }>(event).message ?? null,
    }),
  }),
});

const LogLevelEnum = builder.enumType('LogLevel', {
  description: 'How important a log line is.',
  values: {
    debug: { description: 'Detail for debugging.' },
    info: { description: 'Ordinary information.' },
    warn: { description: 'Something may be wrong.' },
    error: { description: 'Something went wrong.' },
  },
});

builder.objectType(builder.objectRef<RunEventRow>('RunLogEvent'), {
  description: "The run logged a line (a command program's stderr lines come as logs too).",
  interfaces: [RunEventRef],
  isTypeOf: (event) => (event as RunEventRow).type === 'log',
  fields: (t) => ({
    level: t.field({
      type: LogLevelEnum,
      description: 'Its level.',
      resolve: (event) => payload<{ level: 'debug' | 'info' | 'warn' | 'error' }>(event).level,
    }),
    message: t.string({
      // Nullable as RunProgressEvent.message is: one selection may ask both for `message`.
      nullable: true,
      description:
        'The line (always set; nullable like a progress event’s message, so that one selection can ask both for it).',
      resolve: (event) => payload<{ message: string }>(event).message,
    }),
  }),
});

builder.objectType(builder.objectRef<RunEventRow>('RunMetricEvent'), {
  description: 'The run measured a metric.',
  interfaces: [RunEventRef],
  isTypeOf: (event) => (event as RunEventRow).type === 'metric',
  fields: (t) => ({
    metric: t.field({
      type: MetricRef,
      description: 'The metric.',
      resolve: (event) => metricFromEmission(payload<MetricEmission>(event)),
    }),
  }),
});

builder.objectType(builder.objectRef<RunEventRow>('RunFindingEvent'), {
  description: 'The run concluded a finding.',
  interfaces: [RunEventRef],
  isTypeOf: (event) => (event as RunEventRow).type === 'finding',
  fields: (t) => ({
    kind: t.string({
      description: 'Its kind.',
      resolve: (event) => payload<FindingEmission>(event).kind,
    }),
    severity: t.field({
      type: SeverityEnum,
      description: 'Its severity.',
      resolve: (event) => payload<FindingEmission>(event).severity,
    }),
    title: t.string({
      description: 'Its title.',
      resolve: (event) => payload<FindingEmission>(event).title,
    }),
    finding: t.field({
      type: FindingRef,
      nullable: true,
      description: 'The finding as stored (null if a later attempt replaced it).',
      resolve: (event, _args, ctx) => ctx.loaders.finding.load(payload<{ id: string }>(event).id),
    }),
  }),
});

interface ArtifactPayload {
  id: string;
  name: string;
  mediaType: string;
  digest: string;
  sizeBytes: number;
}

builder.objectType(builder.objectRef<RunEventRow>('RunArtifactEvent'), {
  description: 'The run stored an artifact.',
  interfaces: [RunEventRef],
  isTypeOf: (event) => (event as RunEventRow).type === 'artifact',
  fields: (t) => ({
    name: t.string({
      description: 'Its name.',
      resolve: (event) => payload<ArtifactPayload>(event).name,
    }),
    mediaType: t.string({
      description: 'Its media type.',
      resolve: (event) => payload<ArtifactPayload>(event).mediaType,
    }),
    digest: t.string({
      description: 'sha256 of its bytes.',
      resolve: (event) => payload<ArtifactPayload>(event).digest,
    }),
    sizeBytes: t.float({
      description: 'Its size.',
      resolve: (event) => payload<ArtifactPayload>(event).sizeBytes,
    }),
    artifact: t.field({
      type: ArtifactRef,
      nullable: true,
      description: 'The artifact as stored (null if a later attempt replaced it).',
      resolve: (event, _args, ctx) => ctx.loaders.artifact.load(payload<ArtifactPayload>(event).id),
    }),
  }),
});

interface OutputPayload {
  name: string;
  datasetVersionId: string;
  digest: string;
}

builder.objectType(builder.objectRef<RunEventRow>('RunOutputEvent'), {
  description: 'The run made a dataset, now stored as a version derived from its input.',
  interfaces: [RunEventRef],
  isTypeOf: (event) => (event as RunEventRow).type === 'output',
  fields: (t) => ({
    name: t.string({
      description: 'The output name the runner gave it.',
      resolve: (event) => payload<OutputPayload>(event).name,
    }),
    digest: t.string({
      description: 'sha256 of its content.',
      resolve: (event) => payload<OutputPayload>(event).digest,
    }),
    datasetVersion: t.field({
      type: DatasetVersionRef,
      nullable: true,
      description: 'The dataset version it became (null if not visible to you).',
      resolve: (event, _args, ctx) =>
        ctx.loaders.datasetVersion.load(payload<OutputPayload>(event).datasetVersionId),
    }),
  }),
});

interface StepPayload {
  stepId: string;
  runId: string;
  status: RunStatus;
  reason?: string;
}

builder.objectType(builder.objectRef<RunEventRow>('RunStepEvent'), {
  description: 'A step of this workflow run changed status.',
  interfaces: [RunEventRef],
  isTypeOf: (event) => (event as RunEventRow).type === 'step',
  fields: (t) => ({
    stepId: t.string({
      description: 'The step.',
      resolve: (event) => payload<StepPayload>(event).stepId,
    }),
    status: t.field({
      type: RunStatusEnum,
      description: "The step's status.",
      resolve: (event) => payload<StepPayload>(event).status,
    }),
    reason: t.string({
      nullable: true,
      description: 'Why it failed, when it did.',
      resolve: (event) => payload<StepPayload>(event).reason ?? null,
    }),
    stepRun: t.field({
      type: RunRef,
      nullable: true,
      description: "The step's run.",
      resolve: (event, _args, ctx) => ctx.loaders.run.load(payload<StepPayload>(event).runId),
    }),
  }),
});

builder.subscriptionType({ description: 'Live streams, over graphql-ws on /graphql.' });

builder.subscriptionField('runEvents', (t) =>
  t.field({
    type: RunEventRef,
    description:
      "The events of a run after `after` (all of them without it), then live ones as they are stored: in order, with no gap and no duplicate. A workflow run's stream carries its steps' events too (all but their status changes, which come as RunStepEvent), each with its `step`; a step's events come before the workflow's event that it ended. Completes after the terminal status event. If the hub loses its notification connection the stream ends with an error: subscribe again with the last cursor you received.",
    args: {
      runId: t.arg.id({ required: true, description: 'The run.' }),
      after: t.arg.string({ description: 'The cursor of the last event you have.' }),
    },
    subscribe: async (_root, args, ctx) => {
      const run = await findRun(ctx, String(args.runId), ['runId']);
      if (run.workflowVersionId && !run.parentRunId)
        return workflowEvents(ctx.db, ctx.streams, run.id, args.after);
      // In batches of the events ready at once (resolvers/core/event-batch.ts).
      return inEventBatches(ctx.streams.batches(run.id, parseEventCursor(args.after)));
    },
    resolve: (event) => event,
  }),
);

interface RunUpdate {
  status: RunStatus;
  run: RunRow;
}

const RunUpdateRef = builder.objectRef<RunUpdate>('RunUpdate').implement({
  description: 'A run changed status.',
  fields: (t) => ({
    status: t.field({
      type: RunStatusEnum,
      description: 'The status it changed to (it may have moved on since).',
      resolve: (update) => update.status,
    }),
    run: t.field({
      type: RunRef,
      description: 'The run, as it is now.',
      resolve: (update) => update.run,
    }),
  }),
});

builder.subscriptionField('runUpdates', (t) =>
  t.field({
    type: RunUpdateRef,
    description: 'Status changes of runs, as they happen, in the projects you may see.',
    args: {
      project: t.arg.string({ description: 'Only runs of this project (slug).' }),
      status: t.arg({
        type: [RunStatusEnum],
        description: 'Only changes to one of these statuses.',
      }),
    },
    subscribe: async function* (_root, args, ctx) {
      // The project may not exist yet: its first run creates it.
      if (args.project && !mayAccessProject(ctx.actor, args.project)) {
        throw new NotFoundError('project', args.project);
      }
      for await (const change of ctx.streams.statusChanges()) {
        if (args.status?.length && !args.status.includes(change.status)) continue;
        const project = await ctx.loaders.project.load(change.projectId);
        if (!project || (args.project && project.slug !== args.project)) continue;
        // Loaded fresh: the run has changed since any earlier load in this subscription.
        ctx.loaders.run.clear(change.runId);
        const run = await ctx.loaders.run.load(change.runId);
        if (run) yield { status: change.status, run };
      }
    },
    resolve: (update: RunUpdate) => update,
  }),
);
