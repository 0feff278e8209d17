// The provenance bundle of a run or a finding (format.ts): its upstream trace, the signed
// attestation of every run in it with the rows they and the runs' seals sign for, the audit records of every
// node, the content digests, and the public keys, tied together by a signed checkpoint.

import { canonicalJson } from '../core/canonical-json.ts';
import type { ServiceContext } from '../core/context.ts';
import { ValidationError } from '../core/errors.ts';
import { decodeGlobalId, encodeGlobalId } from '../core/global-id.ts';
import { canonicalDigest, sha256Digest } from '../core/sha256.ts';
import { runAttestationsOf } from '../evidence/attest.ts';
import { signEnvelope } from '../evidence/dsse.ts';
import { publishedKeys, signingKeyInUse } from '../evidence/key-store.ts';
import { lineageProvDocument } from '../lineage/prov.ts';
import { LINEAGE_LIMITS, type LineageGraph, traceLineage } from '../lineage/trace.ts';
import { runContents } from '../runs/run-seal.ts';
import { traceAuditRecords } from './audit-records.ts';
import { traceContents } from './contents.ts';
import {
  BUNDLE_TYPE,
  type BundleRun,
  CHECKPOINT_PAYLOAD_TYPE,
  CHECKPOINT_TYPE,
  type Checkpoint,
  type ProvenanceBundle,
} from './format.ts';

/** What a bundle can be of. */
const BUNDLE_SUBJECTS = new Set(['Run', 'Finding']);

/** Each run of the graph: attested ones with the results their statements sign for. */
async function bundleRuns(ctx: ServiceContext, graph: LineageGraph) {
  const runIds = graph.nodes.filter((node) => node.type === 'Run').map((node) => node.id);
  const attestations = await runAttestationsOf(ctx.db, ctx.actor, runIds);
  const contents = await runContents(
    ctx.db,
    attestations.map((attestation) => attestation.runId),
  );
  const attested = new Set(attestations.map((attestation) => attestation.runId));
  const runs: BundleRun[] = attestations
    .map((attestation) => {
      const sealed = contents.get(attestation.runId)!;
      return {
        id: encodeGlobalId('Run', attestation.runId),
        attestation: attestation.envelope,
        metrics: sealed.metrics,
        findings: sealed.findings,
        run: sealed.run,
        inputs: sealed.inputs,
        links: sealed.links,
        outputs: sealed.outputs,
        artifacts: sealed.artifacts,
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
  const unattestedRuns = runIds
    .filter((id) => !attested.has(id))
    .map((id) => encodeGlobalId('Run', id))
    .sort();
  return { runs, unattestedRuns, keyIds: new Set(attestations.map((a) => a.keyId)) };
}

/**
 * The bundle of the run or finding `globalId`, or null when the actor may not see it (the
 * same rule as its trace).
 */
export async function provenanceBundle(
  ctx: ServiceContext,
  globalId: string,
): Promise<ProvenanceBundle | null> {
  const decoded = decodeGlobalId(globalId);
  if (decoded && !BUNDLE_SUBJECTS.has(decoded.type))
    throw new ValidationError('a provenance bundle is of a run or a finding', ['id']);
  const graph = await traceLineage(ctx, {
    id: globalId,
    direction: 'UPSTREAM',
    depth: LINEAGE_LIMITS.maxDepth,
    maxNodes: LINEAGE_LIMITS.maxNodes,
  });
  if (!graph || !decoded) return null;
  const key = signingKeyInUse();
  const [trace, { runs, unattestedRuns, keyIds }, audit, contents, keys] = await Promise.all([
    lineageProvDocument(ctx, graph),
    bundleRuns(ctx, graph),
    traceAuditRecords(ctx.db, graph),
    traceContents(ctx.db, graph),
    publishedKeys(ctx.db),
  ]);
  const subject = { type: decoded.type, id: globalId };
  const createdAt = new Date().toISOString();
  const checkpoint: Checkpoint = {
    _type: CHECKPOINT_TYPE,
    subject,
    createdAt,
    chain: audit.chain,
    auditRecords: audit.records.map((record) => ({
      id: record.id,
      hash: record.hash,
      digest: canonicalDigest(record),
    })),
    runs: runs.map((run) => ({
      id: run.id,
      statementDigest: sha256Digest(Buffer.from(run.attestation.payload, 'base64')),
    })),
    unattestedRuns,
    trace: canonicalDigest(trace),
    contents: canonicalDigest(contents),
  };
  keyIds.add(key.keyId);
  return {
    bundleType: BUNDLE_TYPE,
    subject,
    createdAt,
    trace,
    runs,
    unattestedRuns,
    auditRecords: audit.records,
    contents,
    checkpoint: signEnvelope(
      CHECKPOINT_PAYLOAD_TYPE,
      Buffer.from(canonicalJson(checkpoint), 'utf8'),
      key,
    ),
    keys: keys
      .filter((published) => keyIds.has(published.keyId))
      .map(({ keyId, algorithm, publicKey }) => ({ keyId, algorithm, publicKey })),
  };
}
