// The audit record: its chain, verified from the first record, for hub admins.
import type { AuditRow } from '../resolvers/core/audit.ts';
import { type AuditReport, auditChainOf } from '../resolvers/runs/audit-verify.ts';
import { builder } from './builder.ts';

const AuditRecordRef = builder.objectRef<AuditRow>('AuditRecord').implement({
  description: 'One record of the audit chain: a change, who made it, and its keyed hash.',
  fields: (t) => ({
    id: t.int({ description: 'Its position in the chain (1 is the first).', resolve: (r) => r.id }),
    at: t.expose('at', { type: 'DateTime', description: 'When the change was made.' }),
    actor: t.exposeString('actor', {
      description:
        'Who made it: token:<id>, oidc:<subject>, local:<user> (the local operator), system:<what>.',
    }),
    action: t.exposeString('action', { description: 'What was done (run.start, run.end...).' }),
    targetType: t.exposeString('targetType', { description: 'The kind of thing changed.' }),
    targetId: t.string({
      nullable: true,
      description: 'The database id of the thing changed.',
      resolve: (r) => r.targetId,
    }),
    details: t.expose('details', { type: 'JSON', description: 'What the record says of it.' }),
    prevHash: t.exposeString('prevHash', { description: 'The hash of the record before it.' }),
    hash: t.exposeString('hash', { description: 'Its keyed hash (HMAC-SHA256).' }),
  }),
});

const AuditChainRef = builder.objectRef<AuditReport>('AuditChain').implement({
  description:
    'The audit chain verified with the hub’s key, then every finished run against the digests its run.end record sealed.',
  fields: (t) => ({
    ok: t.exposeBoolean('ok', { description: 'Whether every record and sealed run holds.' }),
    records: t.exposeInt('records', {
      description: 'Records verified, from the first, before the first broken one (or all).',
    }),
    firstBrokenRecord: t.field({
      type: AuditRecordRef,
      nullable: true,
      description:
        'The first record that does not hold; null when all do, or when records after the newest were removed.',
      resolve: (report) => report.firstBroken,
    }),
    reason: t.exposeString('reason', {
      nullable: true,
      description: 'What is wrong; null when nothing is.',
    }),
    head: t.exposeString('head', {
      description:
        'The hash of the newest record verified. Note it with `records`: `evalhub audit verify --since records:head` later checks the chain still holds it, which no anchor in the database can vouch for.',
    }),
  }),
});

builder.queryField('auditChain', (t) =>
  t.field({
    type: AuditChainRef,
    nullable: true,
    description: 'The audit chain verified from its first record; null unless you are a hub admin.',
    resolve: (_root, _args, ctx) => auditChainOf(ctx),
  }),
);
