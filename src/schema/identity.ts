// Who may call the hub: API tokens (issued, listed, revoked) and project members.
import type { Role } from '../resolvers/core/actor.ts';
import { hasRole } from '../resolvers/core/actor.ts';
import { NotFoundError } from '../resolvers/core/errors.ts';
import { decodeGlobalId, encodeGlobalId } from '../resolvers/core/global-id.ts';
import { type ProjectMemberRow, setProjectMember } from '../resolvers/identity/members.ts';
import {
  type ApiTokenRow,
  createApiToken,
  listApiTokens,
  revokeApiToken,
} from '../resolvers/identity/tokens.ts';
import { builder } from './builder.ts';
import { resultUnion } from './errors.ts';
import { ProjectRef } from './refs.ts';

export const RoleEnum = builder.enumType('Role', {
  description: 'What a caller may do in a project; each role includes the ones before it.',
  values: {
    VIEWER: { value: 'viewer', description: 'Reads everything in the project.' },
    CONTRIBUTOR: {
      value: 'contributor',
      description:
        'Also registers models and datasets, starts and cancels runs, logs external runs.',
    },
    MAINTAINER: {
      value: 'maintainer',
      description: "Also triages findings and manages the project's members and tokens.",
    },
  } as const,
});

const ApiTokenRef = builder.objectRef<ApiTokenRow>('ApiToken').implement({
  description: 'An API token the hub issued (its secret is never shown again).',
  fields: (t) => ({
    id: t.id({ description: 'Its id.', resolve: (token) => encodeGlobalId('ApiToken', token.id) }),
    name: t.exposeString('name', { description: 'What it is for.' }),
    owner: t.exposeString('owner', { description: 'Whom it acts for.' }),
    prefix: t.exposeString('prefix', {
      description: 'The first characters of its secret, to tell tokens apart.',
    }),
    admin: t.exposeBoolean('admin', { description: 'A hub-wide admin token.' }),
    project: t.exposeString('projectSlug', {
      nullable: true,
      description: 'The project it is for (slug); null for an admin token.',
    }),
    role: t.field({
      type: RoleEnum,
      nullable: true,
      description: 'Its role in that project.',
      resolve: (token) => token.role as Role | null,
    }),
    createdBy: t.exposeString('createdBy', { description: 'Who issued it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was issued.' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it stops working; never when null.',
    }),
    revokedAt: t.expose('revokedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was revoked, if it was.',
    }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was last used (to the minute).',
    }),
  }),
});

const ProjectMemberRef = builder.objectRef<ProjectMemberRow>('ProjectMember').implement({
  description: 'A person of the team’s identity provider with a role in a project.',
  fields: (t) => ({
    subject: t.exposeString('subject', { description: 'Who: "oidc:<user>".' }),
    role: t.field({
      type: RoleEnum,
      description: 'Their role.',
      resolve: (member) => member.role as Role,
    }),
    createdBy: t.exposeString('createdBy', { description: 'Who gave it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'Since when.' }),
  }),
});

builder.objectField(ProjectRef, 'members', (t) =>
  t.field({
    type: [ProjectMemberRef],
    nullable: true,
    description: 'Its members and their roles; null unless you are a maintainer (or an admin).',
    resolve: (project, _args, ctx) =>
      hasRole(ctx.actor, project.slug, 'maintainer')
        ? ctx.loaders.projectMembers.load(project.id)
        : null,
  }),
);

builder.queryField('apiTokens', (t) =>
  t.field({
    type: [ApiTokenRef],
    description:
      'The tokens you manage: all of them for an admin, your projects’ for a maintainer.',
    args: { project: t.arg.string({ description: 'Only the tokens of this project (slug).' }) },
    resolve: (_root, args, ctx) => listApiTokens(ctx, args.project),
  }),
);

const CreateApiTokenInput = builder.inputType('CreateApiTokenInput', {
  description: 'A token to issue: hub-wide admin, or one role in one project.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'What it is for, e.g. "ci" or "notebook".' }),
    admin: t.boolean({ description: 'A hub-wide admin token (admins only).' }),
    project: t.string({ description: 'The project it is for (slug), unless admin.' }),
    role: t.field({ type: RoleEnum, description: 'Its role there, unless admin.' }),
    expiresInDays: t.int({ description: 'Days until it expires; it never does when absent.' }),
    owner: t.string({ description: 'Whom it acts for; you by default.' }),
  }),
});

const CreateApiTokenPayload = builder
  .objectRef<{ secret: string; token: ApiTokenRow }>('CreateApiTokenPayload')
  .implement({
    description: 'The token issued, with its secret: shown this once only.',
    fields: (t) => ({
      secret: t.exposeString('secret', {
        description: 'Send it as "Authorization: Bearer <secret>". It is not kept; store it now.',
      }),
      apiToken: t.field({ type: ApiTokenRef, description: 'The token.', resolve: (p) => p.token }),
    }),
  });

const ApiTokenPayload = builder.objectRef<ApiTokenRow>('ApiTokenPayload').implement({
  description: 'A token, as it is now.',
  fields: (t) => ({
    apiToken: t.field({ type: ApiTokenRef, description: 'The token.', resolve: (token) => token }),
  }),
});

const SetProjectMemberInput = builder.inputType('SetProjectMemberInput', {
  description: 'A role to give a person in a project, or to take away.',
  fields: (t) => ({
    project: t.string({ required: true, description: 'The project (slug).' }),
    subject: t.string({ required: true, description: 'Who: "oidc:<user>".' }),
    role: t.field({ type: RoleEnum, description: 'Their role; none removes them.' }),
  }),
});

const SetProjectMemberPayload = builder
  .objectRef<{ member: ProjectMemberRow | null }>('SetProjectMemberPayload')
  .implement({
    description: 'The membership, as it is now.',
    fields: (t) => ({
      member: t.field({
        type: ProjectMemberRef,
        nullable: true,
        description: 'The member; null when removed.',
        resolve: (p) => p.member,
      }),
    }),
  });

builder.mutationFields((t) => ({
  createApiToken: t.field({
    type: CreateApiTokenPayload,
    description:
      'Issues an API token: admins issue any; maintainers issue tokens for their project.',
    args: {
      input: t.arg({ type: CreateApiTokenInput, required: true, description: 'The token.' }),
    },
    errors: resultUnion('CreateApiTokenResult'),
    resolve: (_root, { input }, ctx) => createApiToken(ctx, { ...input, role: input.role as Role }),
  }),
  revokeApiToken: t.field({
    type: ApiTokenPayload,
    description: 'Revokes a token you manage (or the one you call with); it stops working at once.',
    args: { id: t.arg.id({ required: true, description: 'The token’s id.' }) },
    errors: resultUnion('RevokeApiTokenResult'),
    resolve: (_root, { id }, ctx) => {
      const decoded = decodeGlobalId(String(id));
      if (decoded?.type !== 'ApiToken') throw new NotFoundError('API token', String(id));
      return revokeApiToken(ctx, decoded.id);
    },
  }),
  setProjectMember: t.field({
    type: SetProjectMemberPayload,
    description: 'Gives a person a role in a project, or takes it away (maintainers only).',
    args: {
      input: t.arg({ type: SetProjectMemberInput, required: true, description: 'The membership.' }),
    },
    errors: resultUnion('SetProjectMemberResult'),
    resolve: async (_root, { input }, ctx) => ({
      member: await setProjectMember(ctx, {
        project: input.project,
        subject: input.subject,
        role: (input.role as Role | null | undefined) ?? null,
      }),
    }),
  }),
}));
