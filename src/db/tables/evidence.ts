// Signed evidence: the hub's signing keys (public halves only) and the in-toto attestation
// each run gets when it ends.
import { bigint, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from '../columns.ts';
import { projectId } from './projects.ts';
import { runs } from './runs.ts';

/**
 * Every public key the hub has signed with, kept after a rotation so that older evidence
 * still verifies. `id` is the hex SHA-256 of the key's SPKI DER; `public_key` its SPKI PEM.
 */
export const signingKeys = pgTable('signing_keys', {
  id: text().primaryKey(),
  algorithm: text().notNull(),
  publicKey: text().notNull(),
  createdAt: createdAt(),
});

/**
 * One DSSE envelope per `run.end` audit record, written in the transaction that writes it:
 * an in-toto Statement about what the run took and concluded, signed by `key_id`. A run the
 * hub executed ends once; an imported run is sealed again when a later event adds to what it
 * concluded, and its newest attestation is the one that holds.
 */
export const runAttestations = pgTable(
  'run_attestations',
  {
    /**
     * The id of the `run.end` audit record the statement names (not a foreign key: nothing
     * refers to the audit log, so that what someone does to it is its own to show).
     */
    sealedBy: bigint({ mode: 'number' }).primaryKey(),
    runId: uuid()
      .notNull()
      .references(() => runs.id),
    projectId: projectId(),
    keyId: text()
      .notNull()
      .references(() => signingKeys.id),
    /** `sha256:<hex>` of the statement (the envelope's payload bytes). */
    statementDigest: text().notNull(),
    envelope: jsonb().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index().on(t.runId, t.sealedBy), index().on(t.keyId)],
);
