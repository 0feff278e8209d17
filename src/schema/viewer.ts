// Who the caller is: what `evalhub whoami` shows, and what a UI greets.
import type { Actor, Role } from '../resolvers/core/actor.ts';
import { builder } from './builder.ts';
import { RoleEnum } from './identity.ts';

interface ProjectRole {
  project: string;
  role: Role;
}

const ProjectRoleRef = builder.objectRef<ProjectRole>('ProjectRole').implement({
  description: 'A role the caller holds in a project.',
  fields: (t) => ({
    project: t.exposeString('project', {
      description: 'The project slug; "*" for every project.',
    }),
    role: t.field({ type: RoleEnum, description: 'The role.', resolve: (entry) => entry.role }),
  }),
});

const ViewerRef = builder.objectRef<Actor>('Viewer').implement({
  description: 'The caller of a request, as the hub identified it.',
  fields: (t) => ({
    id: t.exposeString('id', {
      description:
        'What audit records name it by: local:<user>, token:<id>, oidc:<subject>, system:<what>.',
    }),
    kind: t.exposeString('kind', {
      description: 'How it was identified: operator, token, oidc or system.',
    }),
    name: t.exposeString('name', { description: 'For people to read.' }),
    admin: t.exposeBoolean('admin', {
      description: 'A hub-wide admin: every role in every project.',
    }),
    roles: t.field({
      type: [ProjectRoleRef],
      description: 'Its roles by project, by slug.',
      resolve: (actor) =>
        Object.entries(actor.roles)
          .map(([project, role]) => ({ project, role }))
          .sort((a, b) => a.project.localeCompare(b.project)),
    }),
    expiresAt: t.string({
      nullable: true,
      description: 'When its credential stops working (ISO 8601); null when it does not.',
      resolve: (actor) => actor.expiresAt ?? null,
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    description: 'Who you are, as the hub identified this request, and your roles.',
    resolve: (_root, _args, ctx) => ctx.actor,
  }),
);
