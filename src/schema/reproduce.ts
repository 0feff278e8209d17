// Reproducing a run: the mutation, its typed refusals, and the links between a run and its
// reproductions.
import {
  InputContentError,
  RunNotReproducibleError,
  RunnerUnavailableError,
} from '../resolvers/runs/reproduction-errors.ts';
import { reproduceRun } from '../resolvers/workflows/reproduce.ts';
import { builder } from './builder.ts';
import { ErrorInterface, resultUnion } from './errors.ts';
import { RunRef } from './refs.ts';
import { RunPayload } from './run.ts';
import { InputKindEnum } from './runner.ts';

const ContentStateEnum = builder.enumType('ContentState', {
  description: "What is at an input's recorded location now.",
  values: {
    GONE: { description: 'Nothing: the file or folder was removed or moved.' },
    CHANGED: { description: 'Content with another digest.' },
    UNREADABLE: {
      description:
        'Not readable by the hub (a remote uri, no permission, something other than files and folders), so its content cannot be checked.',
    },
  },
});

builder.objectType(InputContentError, {
  name: 'InputContentError',
  description:
    'An input of the run no longer holds the content its version recorded, so the run cannot be reproduced on it.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    role: t.exposeString('role', { description: 'The role the input had in the run.' }),
    kind: t.field({
      type: InputKindEnum,
      description: 'A model or a dataset version.',
      resolve: (error) => error.kind,
    }),
    version: t.exposeString('ref', { description: 'The version, as "project/name@version".' }),
    uri: t.exposeString('uri', { description: 'Where its content was recorded to be.' }),
    state: t.field({
      type: ContentStateEnum,
      description: 'Gone, changed, or not readable by the hub.',
      resolve: (error) => error.state,
    }),
    recordedDigest: t.exposeString('recordedDigest', {
      description: 'The digest the version recorded.',
    }),
    actualDigest: t.exposeString('actualDigest', {
      nullable: true,
      description: 'The digest of the content there now; null when there is none to read.',
    }),
  }),
});

builder.objectType(RunnerUnavailableError, {
  name: 'RunnerUnavailableError',
  description: 'A runner version the run used is not installed on this hub.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    runner: t.exposeString('runner', { description: 'The runner id.' }),
    version: t.exposeString('version', { description: 'The version the run used.' }),
    installedVersion: t.exposeString('installedVersion', {
      nullable: true,
      description: 'The version this hub has; null when it has none.',
    }),
  }),
});

const NotReproducibleReasonEnum = builder.enumType('NotReproducibleReason', {
  description: 'Why a run cannot be reproduced.',
  values: {
    NOT_FINISHED: { description: 'It is still queued or running.' },
    NOT_SUCCEEDED: { description: 'It failed or was cancelled: it has no results to compare.' },
    EXTERNAL: {
      description:
        'It was recorded from outside the hub (a client, an import): the hub never executed it.',
    },
  },
});

builder.objectType(RunNotReproducibleError, {
  name: 'RunNotReproducibleError',
  description: 'The hub cannot re-execute this run and compare its results.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    reason: t.field({
      type: NotReproducibleReasonEnum,
      description: 'Why not.',
      resolve: (error) => error.reason,
    }),
    status: t.exposeString('status', { description: "The run's status." }),
  }),
});

builder.mutationField('reproduceRun', (t) =>
  t.field({
    type: RunPayload,
    description:
      'Re-executes a run that succeeded, with the same runner version (or workflow plan), config, ' +
      'seed and inputs, once the content of each input is checked against its recorded digest. ' +
      'The new run reproduces it; when it ends, it holds a REPRODUCED finding (every metric ' +
      'identical) or NOT_REPRODUCED (the metrics that differ, by how much, and those missing).',
    args: { id: t.arg.id({ required: true, description: 'The run to reproduce.' }) },
    errors: resultUnion('ReproduceRunResult', [
      InputContentError,
      RunnerUnavailableError,
      RunNotReproducibleError,
    ]),
    resolve: async (_root, { id }, ctx) => ({ run: await reproduceRun(ctx, String(id)) }),
  }),
);

builder.objectFields(RunRef, (t) => ({
  reproduces: t.field({
    type: RunRef,
    nullable: true,
    description: 'The run this one re-executed to check that its results come out the same.',
    resolve: (run, _args, ctx) =>
      run.reproducesId ? ctx.loaders.run.load(run.reproducesId) : null,
  }),
  reproductions: t.field({
    type: [RunRef],
    description: 'The runs that reproduce this one, oldest first; each holds its verdict.',
    resolve: (run, _args, ctx) => ctx.loaders.runReproductions.load(run.id),
  }),
}));
