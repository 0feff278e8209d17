// Writing and reading run attestations: as a run ends, in the transaction that ends it, the
// hub signs a statement about it (statement.ts) in a DSSE envelope and stores it beside the
// run. The table refuses changes; the envelope verifies away from the hub. An imported run
// sealed again (runs/run-seal.ts) has several; its newest is the one shown and bundled.
import { and, asc, desc, inArray, type SQL, sql } from 'drizzle-orm';
import type { Queryable, Transaction } from '../../db/rows.ts';
import {
  datasets,
  datasetVersions,
  models,
  modelVersions,
  projects,
  runAttestations,
  runInputs,
  runOutputs,
} from '../../db/schema.ts';
import { type Actor, visibleProjects, visibleSlugs } from '../core/actor.ts';
import type { AuditRecordRef } from '../core/audit.ts';
import { canonicalJson } from '../core/canonical-json.ts';
import { sha256Digest } from '../core/sha256.ts';
import { type DsseEnvelope, signEnvelope } from './dsse.ts';
import { signingKeyInUse } from './key-store.ts';
import {
  type ConcludedContents,
  IN_TOTO_PAYLOAD_TYPE,
  type RunRow,
  runStatement,
} from './statement.ts';

export interface RunAttestation {
  runId: string;
  keyId: string;
  /** `sha256:<hex>` of the statement, the envelope's payload. */
  statementDigest: string;
  envelope: DsseEnvelope;
  createdAt: Date;
}

/** Signs and stores the attestation of `run`, which has just ended (or been sealed again). */
export async function attestRun(
  tx: Transaction,
  run: RunRow,
  contents: ConcludedContents,
  sealedBy: AuditRecordRef,
): Promise<void> {
  const key = signingKeyInUse();
  const payload = Buffer.from(
    canonicalJson(await runStatement(tx, run, contents, sealedBy)),
    'utf8',
  );
  await tx.insert(runAttestations).values({
    sealedBy: sealedBy.id,
    runId: run.id,
    projectId: run.projectId,
    keyId: key.keyId,
    statementDigest: sha256Digest(payload),
    envelope: signEnvelope(IN_TOTO_PAYLOAD_TYPE, payload, key),
  });
}

/**
 * A condition that the attestation names no version (input or output) in a project the
 * actor may not see: a signed statement cannot be shown in part, so it is withheld whole.
 */
function namesNothingHidden(actor: Actor): SQL | undefined {
  const slugs = visibleSlugs(actor);
  if (slugs === null) return undefined;
  const visible = sql`(select ${projects.id} from ${projects}
    where ${slugs.length ? inArray(projects.slug, slugs) : sql`false`})`;
  const hiddenIn = (links: typeof runInputs | typeof runOutputs) => sql`exists (
    select 1 from ${links}
      left join ${modelVersions} on ${modelVersions.id} = ${links.modelVersionId}
      left join ${models} on ${models.id} = ${modelVersions.modelId}
      left join ${datasetVersions} on ${datasetVersions.id} = ${links.datasetVersionId}
      left join ${datasets} on ${datasets.id} = ${datasetVersions.datasetId}
    where ${links.runId} = ${runAttestations.runId}
      and coalesce(${models.projectId}, ${datasets.projectId}) not in ${visible})`;
  return sql`not (${hiddenIn(runInputs)} or ${hiddenIn(runOutputs)})`;
}

/**
 * The newest attestation of each of `runIds` the actor may see: none for a run still going,
 * nor for one that used a version in a project the actor may not see.
 */
export async function runAttestationsOf(
  db: Queryable,
  actor: Actor,
  runIds: readonly string[],
): Promise<RunAttestation[]> {
  if (!runIds.length) return [];
  const rows = await db
    .selectDistinctOn([runAttestations.runId])
    .from(runAttestations)
    .where(
      and(
        inArray(runAttestations.runId, [...runIds]),
        visibleProjects(actor, runAttestations.projectId),
        namesNothingHidden(actor),
      ),
    )
    .orderBy(asc(runAttestations.runId), desc(runAttestations.sealedBy));
  return rows.map((row) => ({
    runId: row.runId,
    keyId: row.keyId,
    statementDigest: row.statementDigest,
    envelope: row.envelope as DsseEnvelope,
    createdAt: row.createdAt,
  }));
}
