// What a finished run took and concluded, sealed in its `run.end` audit record: digests of
// its config, inputs, metrics, findings and artifacts as they were when it ended. Triggers
// keep those rows from changing afterwards; a change made around them (by whoever can drop
// the triggers) no longer matches the digests, and `evalhub audit verify` says so.
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Queryable, Transaction } from '../../db/rows.ts';
import { artifacts, auditLog, findings, metrics, runInputs, runs } from '../../db/schema.ts';
import type { Actor } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import { canonicalDigest } from '../core/sha256.ts';
import { attestRun } from '../evidence/attest.ts';

/** The hub itself, sealing a run as it ends (whoever or whatever ended it). */
const HUB: Actor = { id: 'system:hub', kind: 'system', name: 'the hub', admin: true, roles: {} };

const RUN_END = 'run.end';

export type RunDigests = Record<'run' | 'inputs' | 'metrics' | 'findings' | 'artifacts', string>;

/** What a run took and concluded, as the rows its digests are computed over. */
export type RunContents = Record<keyof RunDigests, unknown> & {
  artifacts: Array<{ name: string; mediaType: string; digest: string }>;
};

/** Rows of `runIds` by run, each run's in the order of its rows. */
function byRun<T extends { runId: string }>(runIds: readonly string[], rows: T[]) {
  const grouped = new Map<string, Array<Omit<T, 'runId'>>>(runIds.map((id) => [id, []]));
  for (const { runId, ...row } of rows) grouped.get(runId)!.push(row);
  return grouped;
}

/**
 * What runs `runIds` took and concluded, as their rows are now: one statement per kind of
 * row, however many runs.
 */
export async function runContents(
  db: Queryable,
  runIds: readonly string[],
): Promise<Map<string, RunContents>> {
  const ids = [...runIds];
  const runRows = await db
    .select({
      runId: runs.id,
      status: runs.status,
      runnerId: runs.runnerId,
      runnerVersion: runs.runnerVersion,
      config: runs.config,
      seed: runs.seed,
      runKey: runs.runKey,
      projectId: runs.projectId,
      createdBy: runs.createdBy,
    })
    .from(runs)
    .where(inArray(runs.id, ids));
  const inputs = byRun(
    ids,
    await db
      .select({
        runId: runInputs.runId,
        role: runInputs.role,
        position: runInputs.position,
        modelVersionId: runInputs.modelVersionId,
        datasetVersionId: runInputs.datasetVersionId,
      })
      .from(runInputs)
      .where(inArray(runInputs.runId, ids))
      .orderBy(asc(runInputs.role), asc(runInputs.position)),
  );
  const metricRows = byRun(
    ids,
    await db
      .select({
        runId: metrics.runId,
        key: metrics.key,
        value: metrics.value,
        step: metrics.step,
        slice: metrics.slice,
        ciLower: metrics.ciLower,
        ciUpper: metrics.ciUpper,
        ciLevel: metrics.ciLevel,
        sampleSize: metrics.sampleSize,
      })
      .from(metrics)
      .where(inArray(metrics.runId, ids))
      .orderBy(asc(metrics.id)),
  );
  // Not their status: triage moves it after the run ends, each change in the audit log.
  const findingRows = byRun(
    ids,
    await db
      .select({
        runId: findings.runId,
        id: findings.id,
        kind: findings.kind,
        severity: findings.severity,
        title: findings.title,
        summary: findings.summary,
        evidence: findings.evidence,
        subjectModelVersionId: findings.subjectModelVersionId,
        subjectDatasetVersionId: findings.subjectDatasetVersionId,
        requirement: findings.requirement,
      })
      .from(findings)
      .where(inArray(findings.runId, ids))
      .orderBy(asc(findings.id)),
  );
  const artifactRows = byRun(
    ids,
    await db
      .select({
        runId: artifacts.runId,
        name: artifacts.name,
        mediaType: artifacts.mediaType,
        digest: artifacts.digest,
      })
      .from(artifacts)
      .where(inArray(artifacts.runId, ids))
      .orderBy(asc(artifacts.name)),
  );
  return new Map(
    runRows.map(({ runId, ...run }) => [
      runId,
      {
        run,
        inputs: inputs.get(runId),
        metrics: metricRows.get(runId),
        findings: findingRows.get(runId),
        artifacts: artifactRows.get(runId)!,
      },
    ]),
  );
}

/** The digest of each part of a run's contents: its canonical JSON's. */
export function digestsOf(contents: RunContents): RunDigests {
  return {
    run: canonicalDigest(contents.run),
    inputs: canonicalDigest(contents.inputs),
    metrics: canonicalDigest(contents.metrics),
    findings: canonicalDigest(contents.findings),
    artifacts: canonicalDigest(contents.artifacts),
  };
}

/** The digests of what runs `runIds` took and concluded, as their rows are now. */
export async function runDigests(
  db: Queryable,
  runIds: readonly string[],
): Promise<Map<string, RunDigests>> {
  const contents = await runContents(db, runIds);
  return new Map([...contents].map(([runId, parts]) => [runId, digestsOf(parts)]));
}

/**
 * Seals a run that has just ended, in the transaction that ended it: its `run.end` audit
 * record, and its signed attestation (evidence/attest.ts), which names that record.
 */
export async function sealRunEnd(tx: Transaction, run: typeof runs.$inferSelect): Promise<void> {
  const contents = (await runContents(tx, [run.id])).get(run.id)!;
  const record = await recordAudit(tx, HUB, {
    action: RUN_END,
    projectId: run.projectId,
    targetType: 'Run',
    targetId: run.id,
    details: { status: run.status, attempt: run.attempt, digests: digestsOf(contents) },
  });
  await attestRun(tx, run, contents, record);
}

export interface SealCheck {
  /** `run.end` records compared with the rows they sealed. */
  checked: number;
  /** The first record whose run no longer matches it, and what differs. */
  broken: { recordId: number; reason: string } | null;
}

/** Compares every `run.end` record with its run's rows as they are now, oldest first. */
export async function checkRunSeals(db: Queryable, pageSize = 500): Promise<SealCheck> {
  let checked = 0;
  let afterId = 0;
  for (;;) {
    const records = await db
      .select({ id: auditLog.id, runId: auditLog.targetId, details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.action, RUN_END), gt(auditLog.id, afterId)))
      .orderBy(asc(auditLog.id))
      .limit(pageSize);
    const current = await runDigests(
      db,
      records.map((record) => record.runId!),
    );
    for (const record of records) {
      const sealed = (record.details as { digests: RunDigests }).digests;
      const now = current.get(record.runId!);
      const changed = now
        ? (Object.keys(sealed) as Array<keyof RunDigests>).filter((k) => sealed[k] !== now[k])
        : ['the run itself (it is gone)'];
      if (changed.length)
        return {
          checked,
          broken: {
            recordId: record.id,
            reason: `run ${record.runId} changed after it ended: its ${changed.join(', ')} no longer match the digests sealed in its run.end record`,
          },
        };
      checked += 1;
    }
    if (records.length < pageSize) return { checked, broken: null };
    afterId = records.at(-1)!.id;
  }
}
