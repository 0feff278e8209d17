// The runner modules this hub knows, with the JSON Schema of their config (for forms).
import { z } from 'zod';
import type { InputRole, RunnerModule } from '../runners/contract.ts';
import { builder } from './builder.ts';

export const InputKindEnum = builder.enumType('InputKind', {
  description: 'What a run input is.',
  values: {
    MODEL_VERSION: { description: 'A model version.' },
    DATASET_VERSION: { description: 'A dataset version.' },
  },
});

const InputRoleRef = builder.objectRef<InputRole>('RunnerInputRole').implement({
  description: 'An input a runner takes.',
  fields: (t) => ({
    role: t.exposeString('role', { description: 'The name it goes by, e.g. "model".' }),
    kind: t.field({
      type: InputKindEnum,
      description: 'A model or a dataset version.',
      resolve: (r) => r.kind,
    }),
    description: t.exposeString('description', { description: 'What the runner does with it.' }),
    formats: t.stringList({
      nullable: true,
      description: 'The formats it reads; any when null.',
      resolve: (r) => (r.formats ? [...r.formats] : null),
    }),
    optional: t.boolean({ description: 'May be left out.', resolve: (r) => r.optional ?? false }),
    multiple: t.boolean({
      description: 'May be given more than once.',
      resolve: (r) => r.multiple ?? false,
    }),
  }),
});

export const RunnerRef = builder.objectRef<RunnerModule>('Runner').implement({
  description: 'A runner module: one kind of evaluation the hub can execute.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'Its id, used in startRun and workflow specs.' }),
    version: t.exposeString('version', { description: 'Its version; part of every run key.' }),
    description: t.exposeString('description', { description: 'What it does.' }),
    inputs: t.field({
      type: [InputRoleRef],
      description: 'The inputs it takes.',
      resolve: (runner) => [...runner.inputs],
    }),
    anyRole: t.boolean({
      description: 'Takes inputs under any role (they are handed to it as given).',
      resolve: (runner) => runner.anyRole ?? false,
    }),
    configSchema: t.field({
      type: 'JSON',
      description: 'JSON Schema of its config, with defaults: enough for a UI to render a form.',
      resolve: (runner) => z.toJSONSchema(runner.config, { io: 'input' }),
    }),
  }),
});

builder.queryField('runners', (t) =>
  t.field({
    type: [RunnerRef],
    description: 'Every runner this hub can start runs of.',
    resolve: (_root, _args, ctx) => ctx.runners.list(),
  }),
);
