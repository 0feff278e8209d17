// Runs recorded from outside the hub: open one, append its events in batches, finish it.
import {
  appendExternalRunEvents,
  finishExternalRun,
  MAX_BATCH,
  openExternalRun,
} from '../resolvers/runs/external.ts';
import { builder } from './builder.ts';
import { resultUnion } from './errors.ts';
import { RunRef } from './refs.ts';
import { RunPayload } from './run.ts';
import { InputKindEnum } from './runner.ts';

const ExternalRunInputInput = builder.inputType('ExternalRunInputInput', {
  description: 'A version an external run used: by reference, or by the digest of its content.',
  fields: (t) => ({
    role: t.string({ required: true, description: 'The role, e.g. "model" or "dataset".' }),
    version: t.id({ description: 'A version id, or "project/name@version".' }),
    digest: t.string({
      description:
        'The sha256 digest of its content ("sha256:..."): the registered version with it, in a project you may see.',
    }),
    kind: t.field({
      type: InputKindEnum,
      description: 'MODEL_VERSION or DATASET_VERSION; needed for "project/name@version".',
    }),
  }),
});

const OpenExternalRunInput = builder.inputType('OpenExternalRunInput', {
  description: 'A run computed outside the hub, to record here.',
  fields: (t) => ({
    project: t.string({ required: true, description: 'Project slug; created on first use.' }),
    runner: t.string({
      required: true,
      description: 'A label for what computes it, e.g. "notebook" or "checkmaite.linting".',
    }),
    runnerVersion: t.string({ required: true, description: 'Its version, e.g. "0.3.1".' }),
    name: t.string({ description: 'A name for people.' }),
    config: t.field({ type: 'JSON', description: 'Its configuration, a JSON object.' }),
    seed: t.int({ description: 'The seed of its random choices (0 to 2147483647; 0 by default).' }),
    inputs: t.field({ type: [ExternalRunInputInput], description: 'The versions it uses.' }),
    environment: t.field({
      type: 'JSON',
      description: 'Where it runs: Python and package versions, host... (a JSON object).',
    }),
    tags: t.stringList({ description: 'Labels for finding it.' }),
    workflowVersion: t.id({
      description:
        'A workflow version (id) whose requirements it is checked against when it succeeds: a REQUIREMENT_PASSED or REQUIREMENT_FAILED finding on the run for each, as a workflow run gets.',
    }),
  }),
});

builder.mutationField('openExternalRun', (t) =>
  t.field({
    type: RunPayload,
    description:
      'Opens a RUNNING run that a client computes and records (contributor role). Its events follow with appendExternalRunEvents.',
    args: {
      input: t.arg({ type: OpenExternalRunInput, required: true, description: 'The run.' }),
    },
    errors: resultUnion('OpenExternalRunResult'),
    resolve: async (_root, { input }, ctx) => ({
      run: await openExternalRun(ctx, {
        ...input,
        workflowVersion: input.workflowVersion == null ? null : String(input.workflowVersion),
        inputs: input.inputs?.map((i) => ({
          ...i,
          version: i.version === null || i.version === undefined ? null : String(i.version),
        })),
      }),
    }),
  }),
);

const AppendExternalRunEventsInput = builder.inputType('AppendExternalRunEventsInput', {
  description: 'A batch of the events of an external run, numbered by the client.',
  fields: (t) => ({
    run: t.id({ required: true, description: 'The run (opened by openExternalRun).' }),
    firstSeq: t.int({
      required: true,
      description:
        "The client's number of the first event of the batch; a run's first event is 1. Events the run already has are skipped (a retry stores nothing twice); a gap is refused.",
    }),
    events: t.field({
      type: ['JSON'],
      required: true,
      description: `1 to ${MAX_BATCH} events, as the command runner protocol prints them: {type: "progress" | "log" | "metric" | "finding" | "artifact", ...}; artifacts carry text or base64, never a path.`,
    }),
  }),
});

const AppendExternalRunEventsPayload = builder
  .objectRef<Awaited<ReturnType<typeof appendExternalRunEvents>>>('AppendExternalRunEventsPayload')
  .implement({
    description: 'The batch stored.',
    fields: (t) => ({
      run: t.field({ type: RunRef, description: 'The run.', resolve: (p) => p.run }),
      stored: t.exposeInt('stored', {
        description: 'Events of the batch stored now (0 when the run had them all already).',
      }),
      nextSeq: t.exposeInt('nextSeq', { description: "The number of the client's next event." }),
    }),
  });

builder.mutationField('appendExternalRunEvents', (t) =>
  t.field({
    type: AppendExternalRunEventsPayload,
    description:
      'Appends a batch of events to an open external run; they are stored and streamed as a hub run’s events are.',
    args: {
      input: t.arg({
        type: AppendExternalRunEventsInput,
        required: true,
        description: 'The batch.',
      }),
    },
    errors: resultUnion('AppendExternalRunEventsResult'),
    resolve: (_root, { input }, ctx) =>
      appendExternalRunEvents(ctx, { ...input, run: String(input.run) }),
  }),
);

const ExternalRunEndEnum = builder.enumType('ExternalRunEnd', {
  description: 'How an external run ended.',
  values: {
    SUCCEEDED: { description: 'It completed.' },
    FAILED: { description: 'It stopped on an error.' },
  } as const,
});

const ExternalRunErrorInput = builder.inputType('ExternalRunErrorInput', {
  description: 'Why an external run failed.',
  fields: (t) => ({
    message: t.string({ required: true, description: 'What happened, for a person to read.' }),
    code: t.string({
      description: 'A short cause, e.g. the exception type; EXTERNAL_ERROR if absent.',
    }),
  }),
});

const FinishExternalRunInput = builder.inputType('FinishExternalRunInput', {
  description: 'The end of an external run.',
  fields: (t) => ({
    run: t.id({ required: true, description: 'The run.' }),
    status: t.field({ type: ExternalRunEndEnum, required: true, description: 'How it ended.' }),
    error: t.field({ type: ExternalRunErrorInput, description: 'Why it failed (FAILED only).' }),
    eventCount: t.int({
      description: 'How many events the client sent: refused while the hub has fewer.',
    }),
  }),
});

builder.mutationField('finishExternalRun', (t) =>
  t.field({
    type: RunPayload,
    description:
      'Ends an external run, which then takes no more events; finishing it again the same way changes nothing.',
    args: {
      input: t.arg({ type: FinishExternalRunInput, required: true, description: 'The end.' }),
    },
    errors: resultUnion('FinishExternalRunResult'),
    resolve: async (_root, { input }, ctx) => ({
      run: await finishExternalRun(ctx, { ...input, run: String(input.run) }),
    }),
  }),
);
