// The in-toto Statement (v1, github.com/in-toto/attestation) the hub signs about a run as it
// ends. Its subjects are what the run concluded, by digest: each artifact, each version it
// made whose content the hub hashed, and the canonical JSON of its metrics and of its
// findings (the same rows, and so the same digests, its `run.end` audit record seals). Its predicate is what the run took and how it ran, and who
// ran it: the hub, or a client or another tool whose report the hub only recorded.
import { and, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import {
  auditLog,
  datasetVersions,
  modelVersions,
  projects,
  runInputs,
  runOutputs,
  type runs,
  workflowVersions,
} from '../../db/schema.ts';
import type { AuditRecordRef } from '../core/audit.ts';
import { encodeGlobalId } from '../core/global-id.ts';
import { canonicalDigest } from '../core/sha256.ts';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** What the predicate of a run's statement is: described in README, "Evidence an auditor can check". */
export const RUN_PREDICATE_TYPE = 'urn:evalhub:predicate:run:v1';

export type RunRow = typeof runs.$inferSelect;

/** What a run concluded, as the run's seal gathered it (runs/run-seal.ts). */
export interface ConcludedContents {
  metrics: unknown;
  findings: unknown;
  artifacts: Array<{ name: string; mediaType: string; digest: string }>;
}

export interface Subject {
  name: string;
  digest: { sha256: string };
}

export interface RunStatement {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: typeof RUN_PREDICATE_TYPE;
  predicate: Record<string, unknown>;
}

/** The subject names of a run's metrics and findings, and the prefixes of its artifacts' and outputs'. */
export const SUBJECT = {
  metrics: 'metrics.json',
  findings: 'findings.json',
  artifact: (name: string) => `artifact/${name}`,
  output: (name: string) => `output/${name}`,
} as const;

/** The hex of a `sha256:<hex>` digest. */
const hexOf = (digest: string) => digest.replace(/^sha256:/, '');

export function subjectsOf(contents: ConcludedContents): Subject[] {
  return [
    { name: SUBJECT.metrics, digest: { sha256: hexOf(canonicalDigest(contents.metrics)) } },
    { name: SUBJECT.findings, digest: { sha256: hexOf(canonicalDigest(contents.findings)) } },
    ...contents.artifacts.map((artifact) => ({
      name: SUBJECT.artifact(artifact.name),
      digest: { sha256: hexOf(artifact.digest) },
    })),
  ];
}

/**
 * The audit actions that make a version from content the hub read and hashed itself
 * (registry/versions.ts, runs/outputs.ts). An import (`*.version.import`) records the digest
 * another tool gave, or one of the version's name alone: not one of its content.
 */
const MEASURED_VERSION_ACTIONS = [
  'model.version.register',
  'dataset.version.register',
  'dataset.version.generate',
];

/** Those of `versionIds` whose digest the hub computed from their content. */
export async function measuredVersions(db: Queryable, versionIds: string[]): Promise<Set<string>> {
  if (!versionIds.length) return new Set();
  const rows = await db
    .select({ id: auditLog.targetId })
    .from(auditLog)
    .where(
      and(
        inArray(auditLog.targetId, versionIds),
        inArray(auditLog.action, MEASURED_VERSION_ACTIONS),
      ),
    );
  return new Set(rows.map((row) => row.id!));
}

type VersionRow = typeof modelVersions.$inferSelect | typeof datasetVersions.$inferSelect;

/**
 * Versions a run used or made, each with its content digest when the hub measured it; one it
 * did not is marked so, its recorded digest beside (never as its `digest`).
 */
async function describeVersions<T extends { model: VersionRow | null; dataset: VersionRow | null }>(
  db: Queryable,
  rows: T[],
) {
  const measured = await measuredVersions(
    db,
    rows.map(({ model, dataset }) => (model ?? dataset)!.id),
  );
  return rows.map(({ model, dataset, ...link }) => {
    const version = (model ?? dataset)!;
    const digest = { sha256: hexOf(version.digest) };
    return {
      ...link,
      kind: model ? 'ModelVersion' : 'DatasetVersion',
      id: encodeGlobalId(model ? 'ModelVersion' : 'DatasetVersion', version.id),
      version: version.version,
      uri: version.uri,
      format: version.format,
      ...(measured.has(version.id)
        ? { digest }
        : { contentMeasured: false, recordedDigest: digest }),
    };
  });
}

/** Every version the run used, with its role. */
async function inputsOf(db: Queryable, runId: string) {
  const rows = await db
    .select({
      role: runInputs.role,
      position: runInputs.position,
      model: modelVersions,
      dataset: datasetVersions,
    })
    .from(runInputs)
    .leftJoin(modelVersions, eq(modelVersions.id, runInputs.modelVersionId))
    .leftJoin(datasetVersions, eq(datasetVersions.id, runInputs.datasetVersionId))
    .where(eq(runInputs.runId, runId))
    .orderBy(runInputs.role, runInputs.position);
  return describeVersions(db, rows);
}

/** Every version the run made (a perturbed dataset, an OpenLineage output), by its name. */
async function outputsOf(db: Queryable, runId: string) {
  const rows = await db
    .select({ name: runOutputs.name, model: modelVersions, dataset: datasetVersions })
    .from(runOutputs)
    .leftJoin(modelVersions, eq(modelVersions.id, runOutputs.modelVersionId))
    .leftJoin(datasetVersions, eq(datasetVersions.id, runOutputs.datasetVersionId))
    .where(eq(runOutputs.runId, runId))
    .orderBy(runOutputs.name);
  return describeVersions(db, rows);
}

/** What the producer of an imported run called itself, from what its import recorded. */
function producerOf(run: RunRow): string | null {
  const environment = run.environment as {
    openlineage?: { producer?: unknown };
    checkmaite?: { capabilityId?: unknown };
  } | null;
  const openlineage = environment?.openlineage?.producer;
  if (typeof openlineage === 'string') return openlineage;
  const capability = environment?.checkmaite?.capabilityId;
  return typeof capability === 'string' ? `checkmaite ${capability}` : null;
}

/**
 * Who ran the run. The hub vouches for how a run it executed ran; of a run a client or
 * another tool reported (source `external`, `openlineage`, `checkmaite`...), it vouches only
 * that it recorded the report, from whom, and what it made of it (the subjects).
 */
function originOf(run: RunRow) {
  if (run.source === 'hub') return { executedByHub: true, source: run.source };
  return {
    executedByHub: false,
    source: run.source,
    producer: producerOf(run),
    reportedBy: run.createdBy,
    note: 'The hub did not execute this run: its runner, config, seed, environment, times and inputs are as the producer reported them.',
  };
}

async function workflowVersionOf(db: Queryable, id: string | null) {
  if (!id) return null;
  const [version] = await db
    .select({
      id: workflowVersions.id,
      number: workflowVersions.number,
      digest: workflowVersions.digest,
    })
    .from(workflowVersions)
    .where(eq(workflowVersions.id, id));
  return version
    ? {
        id: encodeGlobalId('WorkflowVersion', version.id),
        number: version.number,
        digest: { sha256: hexOf(version.digest) },
      }
    : null;
}

/**
 * The verdicts a workflow run reached on its requirements: its findings that check one
 * (each finding's kind says how the requirement came out).
 */
function verdictsOf(findings: unknown) {
  return (findings as Array<{ id: string; kind: string; requirement: unknown }>)
    .filter((finding) => finding.requirement)
    .map((finding) => ({
      requirement: finding.requirement,
      verdict: finding.kind,
      finding: encodeGlobalId('Finding', finding.id),
    }));
}

/** Where the run sits in a workflow: the workflow run it is a step of, or the one it is. */
async function workflowOf(db: Queryable, run: RunRow, contents: ConcludedContents) {
  const version = await workflowVersionOf(db, run.workflowVersionId);
  if (run.parentRunId)
    return {
      parentRun: encodeGlobalId('Run', run.parentRunId),
      step: run.stepId,
      version,
    };
  if (!version) return null;
  return { version, requirements: verdictsOf(contents.findings) };
}

/** The statement about `run`, which has just ended, sealed by audit record `sealedBy`. */
export async function runStatement(
  db: Queryable,
  run: RunRow,
  contents: ConcludedContents,
  sealedBy: AuditRecordRef,
): Promise<RunStatement> {
  const [project] = await db
    .select({ slug: projects.slug })
    .from(projects)
    .where(eq(projects.id, run.projectId));
  const outputs = await outputsOf(db, run.id);
  return {
    _type: STATEMENT_TYPE,
    // An output is a subject when the hub hashed its content; the others are in `outputs`.
    subject: [
      ...subjectsOf(contents),
      ...outputs.flatMap((output) =>
        'digest' in output ? [{ name: SUBJECT.output(output.name), digest: output.digest }] : [],
      ),
    ],
    predicateType: RUN_PREDICATE_TYPE,
    predicate: {
      run: {
        id: encodeGlobalId('Run', run.id),
        project: project!.slug,
        status: run.status,
        attempt: run.attempt,
        source: run.source,
        externalId: run.externalId,
        runKey: run.runKey,
        createdBy: run.createdBy,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        error: run.error,
        retryOf: run.retryOfId && encodeGlobalId('Run', run.retryOfId),
        reproduces: run.reproducesId && encodeGlobalId('Run', run.reproducesId),
      },
      origin: originOf(run),
      runner: { id: run.runnerId, version: run.runnerVersion },
      config: run.config,
      seed: run.seed,
      inputs: await inputsOf(db, run.id),
      outputs,
      environment: run.environment,
      workflow: await workflowOf(db, run, contents),
      sealedBy: { auditRecord: sealedBy.id, hash: sealedBy.hash },
    },
  };
}
