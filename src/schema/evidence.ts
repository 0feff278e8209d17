// Signed evidence: the attestation of a run, as the hub signed it when the run ended, and the
// provenance bundle of a run or finding.
import type { RunAttestation } from '../resolvers/evidence/attest.ts';
import { provenanceBundle } from '../resolvers/provenance/bundle.ts';
import { builder } from './builder.ts';
import { RunRef } from './refs.ts';

const RunAttestationRef = builder.objectRef<RunAttestation>('RunAttestation').implement({
  description:
    'An in-toto Statement (v1) about a run, signed by the hub with Ed25519 in a DSSE envelope when the run ended. Its subjects are the run’s artifacts and the canonical JSON of its metrics and findings, by SHA-256; its predicate what the run took and how it ran. Check it with `evalhub verify` or openssl (README, "Evidence an auditor can check").',
  fields: (t) => ({
    envelope: t.field({
      type: 'JSON',
      description:
        'The DSSE envelope: `payloadType` (application/vnd.in-toto+json), `payload` (base64 of the statement) and `signatures` (`keyid`, base64 `sig`).',
      resolve: (a) => a.envelope,
    }),
    statement: t.field({
      type: 'JSON',
      description:
        'The statement, decoded from the envelope’s payload (for reading: verify the payload).',
      resolve: (a) => JSON.parse(Buffer.from(a.envelope.payload, 'base64').toString('utf8')),
    }),
    keyId: t.exposeString('keyId', {
      description:
        'The id of the key that signed it: the hex SHA-256 of its public key’s SPKI DER, as listed at /api/v1/keys.',
    }),
    statementDigest: t.exposeString('statementDigest', {
      description: '`sha256:<hex>` of the statement’s bytes (the envelope’s decoded payload).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was signed.' }),
  }),
});

builder.objectField(RunRef, 'attestation', (t) =>
  t.field({
    type: RunAttestationRef,
    nullable: true,
    description:
      'The signed statement the hub wrote about this run when it ended. Null while it runs, for runs that ended before the hub signed evidence, and when it names an input in a project you may not see (a signed statement is shown whole or not at all).',
    resolve: (run, _args, ctx) => ctx.loaders.runAttestation.load(run.id),
  }),
);

builder.queryFields((t) => ({
  provenanceBundle: t.field({
    type: 'JSON',
    nullable: true,
    description:
      'The provenance bundle of a run or finding, one JSON document to check offline with `evalhub verify`: its upstream trace (PROV-JSON), the signed attestation of every run in it with the metrics and findings they sign for, the audit records of every node under a checkpoint the hub signs, the content digests, and the public keys (README, "Evidence an auditor can check"). Null when the node does not exist or is not visible; the same as `GET /api/v1/lineage/{id}/bundle`.',
    args: {
      id: t.arg.id({ required: true, description: 'Global id of the run or finding.' }),
    },
    resolve: (_root, args, ctx) => provenanceBundle(ctx, String(args.id)),
  }),
}));
