import {
  findProject,
  listProjects,
  type ProjectRow,
  setProjectSettings,
} from '../resolvers/registry/projects.ts';
import { builder } from './builder.ts';
import { resultUnion } from './errors.ts';
import { asksTotalCount } from './lookahead.ts';
import { DatasetRef, ModelRef, ProjectRef, WorkflowRef } from './refs.ts';

builder.node(ProjectRef, {
  description: 'The scope for access and search; everything else belongs to one project.',
  id: { resolve: (project) => project.id },
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Its unique, URL-safe name.' }),
    name: t.exposeString('name', { description: 'Its display name.' }),
    description: t.exposeString('description', { description: 'What it is for.' }),
    commandRunnerEnabled: t.exposeBoolean('commandRunnerEnabled', {
      description:
        'Whether its contributors may start the command runner (programs of the host, as the operator allowlisted them).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    models: t.connection({
      type: ModelRef,
      description: 'Its models, newest first.',
      resolve: (project, args, ctx, info) =>
        ctx.loaders.projectModels({ ...args, withTotal: asksTotalCount(info) }).load(project.id),
    }),
    datasets: t.connection({
      type: DatasetRef,
      description: 'Its datasets, newest first.',
      resolve: (project, args, ctx, info) =>
        ctx.loaders.projectDatasets({ ...args, withTotal: asksTotalCount(info) }).load(project.id),
    }),
    workflows: t.connection({
      type: WorkflowRef,
      description: 'Its workflows, newest first.',
      resolve: (project, args, ctx, info) =>
        ctx.loaders.projectWorkflows({ ...args, withTotal: asksTotalCount(info) }).load(project.id),
    }),
  }),
});

builder.queryFields((t) => ({
  projects: t.connection(
    {
      type: ProjectRef,
      description: 'Projects you may see, by slug.',
      resolve: (_root, args, ctx) => listProjects(ctx, args),
    },
    { name: 'ProjectConnection' },
    { name: 'ProjectEdge' },
  ),
  project: t.field({
    type: ProjectRef,
    nullable: true,
    description: 'A project by slug; null when it does not exist or is not visible to you.',
    args: { slug: t.arg.string({ required: true, description: 'The slug.' }) },
    resolve: (_root, { slug }, ctx) => findProject(ctx, slug),
  }),
}));

const SetProjectSettingsInput = builder.inputType('SetProjectSettingsInput', {
  description: 'Settings of a project to change; those left out stay as they are.',
  fields: (t) => ({
    project: t.string({ required: true, description: 'The project (slug).' }),
    commandRunnerEnabled: t.boolean({
      description: 'Whether contributors may start the command runner.',
    }),
  }),
});

const ProjectPayload = builder.objectRef<{ project: ProjectRow }>('ProjectPayload').implement({
  description: 'The project as it now is.',
  fields: (t) => ({
    project: t.field({ type: ProjectRef, description: 'The project.', resolve: (p) => p.project }),
  }),
});

builder.mutationFields((t) => ({
  setProjectSettings: t.field({
    type: ProjectPayload,
    description: "Changes a project's settings (maintainers only); the change is audited.",
    args: {
      input: t.arg({ type: SetProjectSettingsInput, required: true, description: 'The settings.' }),
    },
    errors: resultUnion('SetProjectSettingsResult'),
    resolve: async (_root, { input }, ctx) => ({ project: await setProjectSettings(ctx, input) }),
  }),
}));
