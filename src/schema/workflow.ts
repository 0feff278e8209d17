import { workflowCatalogue } from '../resolvers/registry/catalogue.ts';
import { defineWorkflow } from '../resolvers/workflows/define.ts';
import { builder } from './builder.ts';
import { catalogueEntryFields, catalogueFilter, catalogueListField } from './catalogue.ts';
import { resultUnion } from './errors.ts';
import { asksTotalCount } from './lookahead.ts';
import { WorkflowRef, WorkflowVersionRef } from './refs.ts';

builder.node(WorkflowRef, {
  description: 'A workflow: a named line of versioned evaluation specs in a project.',
  id: { resolve: (workflow) => workflow.id },
  fields: (t) => ({
    ...catalogueEntryFields(t, 'workflow'),
    versions: t.connection({
      type: WorkflowVersionRef,
      description: 'Its versions, newest first.',
      resolve: (workflow, args, ctx, info) =>
        ctx.loaders
          .workflowVersions({ ...args, withTotal: asksTotalCount(info) })
          .load(workflow.id),
    }),
    latestVersion: t.field({
      type: WorkflowVersionRef,
      nullable: true,
      description: 'Its newest version.',
      resolve: async (workflow, _args, ctx) =>
        (await ctx.loaders.workflowVersions({ first: 1 }).load(workflow.id)).edges[0]?.node ?? null,
    }),
  }),
});

builder.node(WorkflowVersionRef, {
  description: 'An immutable workflow spec, identified by the digest of its canonical JSON.',
  id: { resolve: (version) => version.id },
  fields: (t) => ({
    workflow: t.field({
      type: WorkflowRef,
      description: 'The workflow it is a version of.',
      resolve: async (version, _args, ctx) =>
        (await ctx.loaders.workflow.load(version.workflowId))!,
    }),
    number: t.exposeInt('number', {
      description: '1 for the first spec of the workflow, then 2, 3...',
    }),
    digest: t.exposeString('digest', {
      description: '`sha256:<hex>` of the canonical JSON (RFC 8785) of `spec`.',
    }),
    spec: t.expose('spec', {
      type: 'JSON',
      description: 'The spec with its defaults applied: inputs, steps and requirements.',
    }),
    createdBy: t.exposeString('createdBy', { description: 'Who defined it.' }),
    createdByName: t.string({
      description: "Who defined it, for people to read: a token's owner and name, or the user.",
      resolve: (row, _args, ctx) => ctx.loaders.actorName.load(row.createdBy),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was defined.' }),
  }),
});

catalogueListField(
  workflowCatalogue,
  WorkflowRef,
  catalogueFilter('WorkflowFilter', false),
  'Workflows you may see.',
);

const DefineWorkflowInput = builder.inputType('DefineWorkflowInput', {
  description: 'A workflow spec to record.',
  fields: (t) => ({
    project: t.string({ required: true, description: 'Project slug; created on first use.' }),
    name: t.string({ required: true, description: 'The workflow; created on first use.' }),
    description: t.string({ description: 'What the workflow evaluates.' }),
    tags: t.stringList({ description: 'Labels for finding it.' }),
    spec: t.field({
      type: 'JSON',
      required: true,
      description:
        'The spec: {inputs, steps: [{id, runner, config, inputs, dependsOn}], requirements}.',
    }),
  }),
});

const DefineWorkflowPayload = builder
  .objectRef<{ version: Awaited<ReturnType<typeof defineWorkflow>>['version']; created: boolean }>(
    'DefineWorkflowPayload',
  )
  .implement({
    description: 'The workflow version the spec is.',
    fields: (t) => ({
      workflowVersion: t.field({
        type: WorkflowVersionRef,
        description: 'The version: new, or the one that already had this spec.',
        resolve: (payload) => payload.version,
      }),
      created: t.exposeBoolean('created', {
        description: 'False when this spec was already a version of the workflow.',
      }),
    }),
  });

builder.mutationField('defineWorkflow', (t) =>
  t.field({
    type: DefineWorkflowPayload,
    description:
      'Records a workflow spec as a version; the same spec again returns the same version.',
    args: { input: t.arg({ type: DefineWorkflowInput, required: true, description: 'The spec.' }) },
    errors: resultUnion('DefineWorkflowResult'),
    resolve: (_root, { input }, ctx) => defineWorkflow(ctx, input),
  }),
);
