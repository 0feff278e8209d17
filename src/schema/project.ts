import { findProject, listProjects } from '../resolvers/registry/projects.ts';
import { builder } from './builder.ts';
import { DatasetRef, ModelRef, ProjectRef, WorkflowRef } from './refs.ts';

builder.node(ProjectRef, {
  description: 'The scope for access and search; everything else belongs to one project.',
  id: { resolve: (project) => project.id },
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Its unique, URL-safe name.' }),
    name: t.exposeString('name', { description: 'Its display name.' }),
    description: t.exposeString('description', { description: 'What it is for.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    models: t.connection({
      type: ModelRef,
      description: 'Its models, newest first.',
      resolve: (project, args, ctx) => ctx.loaders.projectModels(args).load(project.id),
    }),
    datasets: t.connection({
      type: DatasetRef,
      description: 'Its datasets, newest first.',
      resolve: (project, args, ctx) => ctx.loaders.projectDatasets(args).load(project.id),
    }),
    workflows: t.connection({
      type: WorkflowRef,
      description: 'Its workflows, newest first.',
      resolve: (project, args, ctx) => ctx.loaders.projectWorkflows(args).load(project.id),
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
