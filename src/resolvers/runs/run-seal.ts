// What a finished run took and concluded, sealed in its `run.end` audit record: digests of
// its config, inputs, links (the workflow it executed, the run it is a step, retry or
// reproduction of), outputs (the versions it made), metrics, findings and artifacts as they
// were when it ended. Triggers
// keep those rows from changing afterwards; a change made around them (by whoever can drop
// the triggers) no longer matches the digests, and `evalhub audit verify` says so.
import { and, asc, desc, eq, gt, inArray, notExists } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Queryable, Transaction } from '../../db/rows.ts';
import {
  artifacts,
  auditLog,
  findings,
  metrics,
  runInputs,
  runOutputs,
  runs,
} from '../../db/schema.ts';
import type { Actor } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import { canonicalDigest } from '../core/sha256.ts';
import { attestRun } from '../evidence/attest.ts';
import { TERMINAL_STATUSES } from './events.ts';

/** The hub itself, sealing a run as it ends (whoever or whatever ended it). */
const HUB: Actor = { id: 'system:hub', kind: 'system', name: 'the hub', admin: true, roles: {} };

const RUN_END = 'run.end';

export type RunDigests = Record<
  'run' | 'inputs' | 'links' | 'outputs' | 'metrics' | 'findings' | 'artifacts',
  string
>;

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
      workflowVersionId: runs.workflowVersionId,
      parentRunId: runs.parentRunId,
      stepId: runs.stepId,
      retryOfId: runs.retryOfId,
      reproducesId: runs.reproducesId,
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
  const outputs = byRun(
    ids,
    await db
      .select({
        runId: runOutputs.runId,
        name: runOutputs.name,
        modelVersionId: runOutputs.modelVersionId,
        datasetVersionId: runOutputs.datasetVersionId,
      })
      .from(runOutputs)
      .where(inArray(runOutputs.runId, ids))
      .orderBy(asc(runOutputs.name)),
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
    runRows.map(
      ({ runId, workflowVersionId, parentRunId, stepId, retryOfId, reproducesId, ...run }) => [
        runId,
        {
          run,
          inputs: inputs.get(runId),
          links: { workflowVersionId, parentRunId, stepId, retryOfId, reproducesId },
          outputs: outputs.get(runId),
          metrics: metricRows.get(runId),
          findings: findingRows.get(runId),
          artifacts: artifactRows.get(runId)!,
        },
      ],
    ),
  );
}

/** The digest of each part of a run's contents: its canonical JSON's. */
export function digestsOf(contents: RunContents): RunDigests {
  return {
    run: canonicalDigest(contents.run),
    inputs: canonicalDigest(contents.inputs),
    links: canonicalDigest(contents.links),
    outputs: canonicalDigest(contents.outputs),
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
 * record, and its signed attestation (evidence/attest.ts), which names that record. A run
 * sealed again names the record it `supersedes`.
 */
export async function sealRunEnd(
  tx: Transaction,
  run: typeof runs.$inferSelect,
  supersedes: number | null = null,
): Promise<void> {
  const contents = (await runContents(tx, [run.id])).get(run.id)!;
  const record = await recordAudit(tx, HUB, {
    action: RUN_END,
    projectId: run.projectId,
    targetType: 'Run',
    targetId: run.id,
    details: {
      status: run.status,
      attempt: run.attempt,
      digests: digestsOf(contents),
      ...(supersedes === null ? {} : { supersedes }),
    },
  });
  await attestRun(tx, run, contents, record);
}

/** The newest `run.end` record of each of `runIds` that has one. */
async function latestSeals(db: Queryable, runIds: readonly string[]) {
  const rows = await db
    .selectDistinctOn([auditLog.targetId], {
      id: auditLog.id,
      runId: auditLog.targetId,
      details: auditLog.details,
    })
    .from(auditLog)
    .where(and(eq(auditLog.action, RUN_END), inArray(auditLog.targetId, [...runIds])))
    .orderBy(asc(auditLog.targetId), desc(auditLog.id));
  return new Map(rows.map((row) => [row.runId!, { id: row.id, ...(row.details as SealDetails) }]));
}

interface SealDetails {
  digests: RunDigests;
}

/**
 * Seals those of `runIds` that have ended, in the transaction of the import that ended them
 * or added to them: an imported run learns what it took and concluded from events that may
 * come after its terminal one (in any order), so it is sealed when it first ends, and again,
 * superseding that seal, whenever a later event changes what the seal covers.
 */
export async function sealImportedRuns(tx: Transaction, runIds: readonly string[]): Promise<void> {
  if (!runIds.length) return;
  const ended = await tx
    .select()
    .from(runs)
    .where(and(inArray(runs.id, [...runIds]), inArray(runs.status, [...TERMINAL_STATUSES])))
    .orderBy(asc(runs.id));
  if (!ended.length) return;
  const ids = ended.map((run) => run.id);
  const [sealed, contents] = await Promise.all([latestSeals(tx, ids), runContents(tx, ids)]);
  for (const run of ended) {
    const seal = sealed.get(run.id);
    const now = digestsOf(contents.get(run.id)!);
    const same =
      seal &&
      (Object.keys(now) as Array<keyof RunDigests>).every((k) => seal.digests[k] === now[k]);
    if (!same) await sealRunEnd(tx, run, seal?.id ?? null);
  }
}

export interface SealCheck {
  /** `run.end` records compared with the rows they sealed. */
  checked: number;
  /** The first record whose run no longer matches it, and what differs. */
  broken: { recordId: number; reason: string } | null;
}

/**
 * Compares the newest `run.end` record of every run with its rows as they are now, oldest
 * first (a record superseded by a later seal of the same run sealed what the run was then).
 * A record made before a part was sealed (`links`, `outputs`) is compared on the parts it has.
 */
export async function checkRunSeals(db: Queryable, pageSize = 500): Promise<SealCheck> {
  const later = alias(auditLog, 'later');
  let checked = 0;
  let afterId = 0;
  for (;;) {
    const records = await db
      .select({ id: auditLog.id, runId: auditLog.targetId, details: auditLog.details })
      .from(auditLog)
      .where(
        and(
          eq(auditLog.action, RUN_END),
          gt(auditLog.id, afterId),
          notExists(
            db
              .select({ id: later.id })
              .from(later)
              .where(
                and(
                  eq(later.action, RUN_END),
                  eq(later.targetId, auditLog.targetId),
                  gt(later.id, auditLog.id),
                ),
              ),
          ),
        ),
      )
      .orderBy(asc(auditLog.id))
      .limit(pageSize);
    const current = await runDigests(
      db,
      records.map((record) => record.runId!),
    );
    for (const record of records) {
      const sealed = (record.details as SealDetails).digests;
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
