// Any run as OpenLineage RunEvents. A run that came in as OpenLineage is given back as the
// events it came as. A hub run becomes a START event (with its inputs) and, once it ended,
// a COMPLETE / FAIL / ABORT event (with its outputs and results); the hub's own facets carry
// what OpenLineage has no words for (runner, config, seed, digests, lineage of the versions,
// metrics, findings), so that importing the events into an empty hub gives the same graph.

import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../../../db/rows.ts';
import {
  artifacts,
  blobs,
  findings,
  metrics,
  modelTrainingData,
  openlineageEvents,
  projects,
  runInputs,
  runOutputs,
  runs,
  workflows,
  workflowVersions,
} from '../../../db/schema.ts';
import type { VersionKind } from '../../../runners/contract.ts';
import { type Actor, visibleProjects } from '../../core/actor.ts';
import type { ServiceContext } from '../../core/context.ts';
import { decodeGlobalId, UUID } from '../../core/global-id.ts';
import type { DatasetVersionRow } from '../../registry/version-catalogue.ts';
import { selectVersions } from '../../registry/version-queries.ts';
import {
  EVALHUB_PRODUCER,
  FACETS,
  facetHeader,
  OPENLINEAGE_RUN_EVENT_SCHEMA,
  OPENLINEAGE_SOURCE,
  type ResultsFacet,
  type RunFacet,
  type VersionFacet,
} from './facets.ts';

/** Artifacts up to this size travel in the event itself. */
const INLINE_ARTIFACT_BYTES = 1024 * 1024;
const MAX_CHAIN = 100;

/**
 * The version facet of a model or dataset version, with the lineage of its derivation and
 * training; null when it is in a project the actor cannot see (as GraphQL shows no version).
 */
async function describeVersion(
  db: Queryable,
  actor: Actor,
  kind: VersionKind,
  id: string,
  depth = 0,
): Promise<VersionFacet | null> {
  if (depth > MAX_CHAIN) throw new Error(`derivation chain of ${id} is deeper than ${MAX_CHAIN}`);
  const [found] = await selectVersions(db, kind, actor, ({ table }) => eq(table.id, id));
  if (!found) return null;
  const { version, entry, project } = found;
  const facet: VersionFacet = {
    kind,
    project: project.slug,
    name: entry.name,
    task: entry.task!,
    version: version.version,
    digest: version.digest,
    uri: version.uri,
    format: version.format,
    sizeBytes: version.sizeBytes,
    labels: version.labels,
    itemCount: null,
    metadata: version.metadata as Record<string, unknown>,
  };
  if (kind === 'MODEL_VERSION') {
    const trained = await db
      .select({ id: modelTrainingData.datasetVersionId })
      .from(modelTrainingData)
      .where(eq(modelTrainingData.modelVersionId, id))
      .orderBy(asc(modelTrainingData.datasetVersionId));
    const trainedOn = await Promise.all(
      trained.map((t) => describeVersion(db, actor, 'DATASET_VERSION', t.id, depth + 1)),
    );
    return { ...facet, trainedOn: trainedOn.filter((f): f is VersionFacet => f !== null) };
  }
  const { derivedFromId, transform, itemCount } = version as DatasetVersionRow;
  const source = derivedFromId
    ? await describeVersion(db, actor, 'DATASET_VERSION', derivedFromId, depth + 1)
    : null;
  return {
    ...facet,
    itemCount,
    derivedFrom: source
      ? { ...source, transform: (transform ?? {}) as Record<string, unknown> }
      : null,
  };
}

/** An OpenLineage dataset for a version: its project as namespace, its name and version. */
/**
 * The OpenLineage datasets of the versions a run used or made (each link names a model or a
 * dataset version), with what `about` says of each link; versions the actor cannot see are
 * left out.
 */
async function versionDatasets<
  T extends { modelVersionId: string | null; datasetVersionId: string | null },
>(db: Queryable, actor: Actor, links: readonly T[], about: (link: T) => Record<string, string>) {
  const datasets = await Promise.all(
    links.map(async (link) => {
      const kind: VersionKind = link.modelVersionId ? 'MODEL_VERSION' : 'DATASET_VERSION';
      const id = (link.modelVersionId ?? link.datasetVersionId)!;
      const facet = await describeVersion(db, actor, kind, id);
      return facet && datasetOf({ ...facet, ...about(link) });
    }),
  );
  return datasets.filter((dataset) => dataset !== null);
}

function datasetOf(facet: VersionFacet) {
  return {
    namespace: facet.project,
    name: facet.name,
    facets: {
      version: {
        _producer: EVALHUB_PRODUCER,
        _schemaURL:
          'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
        datasetVersion: facet.version,
      },
      [FACETS.version]: { ...facetHeader('EvalhubVersionDatasetFacet'), ...facet },
    },
  };
}

/** The run's events, or null when it does not exist or is not visible. */
export async function exportRunAsOpenLineage(
  ctx: ServiceContext,
  idText: string,
): Promise<unknown[] | null> {
  const id = UUID.test(idText)
    ? idText
    : decodeGlobalId(idText)?.type === 'Run'
      ? decodeGlobalId(idText)!.id
      : null;
  if (!id) return null;
  const { db } = ctx;
  const [found] = await db
    .select({ run: runs, project: projects.slug })
    .from(runs)
    .innerJoin(projects, eq(projects.id, runs.projectId))
    .where(and(eq(runs.id, id), visibleProjects(ctx.actor, runs.projectId)));
  if (!found) return null;
  const { run, project } = found;
  if (run.source === OPENLINEAGE_SOURCE && run.externalId) {
    const stored = await db
      .select({ event: openlineageEvents.event })
      .from(openlineageEvents)
      .where(eq(openlineageEvents.runId, run.externalId))
      .orderBy(asc(openlineageEvents.eventTime), asc(openlineageEvents.id));
    if (stored.length) return stored.map((row) => row.event);
  }
  if (run.status === 'QUEUED') return [];

  const [workflow] = run.workflowVersionId
    ? await db
        .select({ version: workflowVersions, workflow: workflows, project: projects.slug })
        .from(workflowVersions)
        .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
        .innerJoin(projects, eq(projects.id, workflows.projectId))
        .where(eq(workflowVersions.id, run.workflowVersionId))
    : [];
  const job = (runRow: typeof run, wf: typeof workflow) => ({
    namespace: project,
    name: wf ? wf.workflow.name : runRow.runnerId,
    facets: wf?.workflow.description
      ? {
          documentation: {
            ...facetHeader('DocumentationJobFacet'),
            description: wf.workflow.description,
          },
        }
      : {},
  });
  const hubRun: RunFacet = {
    project,
    name: run.name,
    runnerId: run.runnerId,
    runnerVersion: run.runnerVersion,
    config: run.config as Record<string, unknown>,
    seed: Number(run.seed),
    runKey: run.runKey,
    tags: run.tags,
    stepId: run.stepId,
    environment: run.environment as Record<string, unknown>,
    workflow: workflow
      ? {
          project: workflow.project,
          name: workflow.workflow.name,
          description: workflow.workflow.description,
          number: workflow.version.number,
          digest: workflow.version.digest,
          spec: workflow.version.spec as Record<string, unknown>,
        }
      : null,
  };
  const runFacets: Record<string, unknown> = {
    [FACETS.run]: { ...facetHeader('EvalhubRunFacet'), ...hubRun },
  };
  if (run.parentRunId) {
    // A parent the actor cannot see is left out, as GraphQL leaves it out.
    const [parent] = await db
      .select()
      .from(runs)
      .where(and(eq(runs.id, run.parentRunId), visibleProjects(ctx.actor, runs.projectId)));
    const [parentWorkflow] = parent?.workflowVersionId
      ? await db
          .select({ version: workflowVersions, workflow: workflows, project: projects.slug })
          .from(workflowVersions)
          .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
          .innerJoin(projects, eq(projects.id, workflows.projectId))
          .where(eq(workflowVersions.id, parent.workflowVersionId))
      : [];
    if (parent) {
      const parentJob = job(parent, parentWorkflow);
      runFacets.parent = {
        _producer: EVALHUB_PRODUCER,
        _schemaURL:
          'https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet',
        run: { runId: run.parentRunId },
        job: { namespace: parentJob.namespace, name: parentJob.name },
      };
    }
  }

  const inputs = await db
    .select()
    .from(runInputs)
    .where(eq(runInputs.runId, run.id))
    .orderBy(asc(runInputs.role), asc(runInputs.position));
  const inputDatasets = await versionDatasets(db, ctx.actor, inputs, (input) => ({
    role: input.role,
  }));
  const base = {
    producer: EVALHUB_PRODUCER,
    schemaURL: OPENLINEAGE_RUN_EVENT_SCHEMA,
    job: job(run, workflow),
  };
  const start = {
    ...base,
    eventType: 'START',
    eventTime: (run.startedAt ?? run.createdAt).toISOString(),
    run: { runId: run.id, facets: runFacets },
    inputs: inputDatasets,
    outputs: [],
  };
  const ending = { SUCCEEDED: 'COMPLETE', FAILED: 'FAIL', CANCELLED: 'ABORT' }[
    run.status as string
  ];
  if (!ending) return [start];

  const outputs = await db
    .select()
    .from(runOutputs)
    .where(eq(runOutputs.runId, run.id))
    .orderBy(asc(runOutputs.name));
  const outputDatasets = await versionDatasets(db, ctx.actor, outputs, (output) => ({
    output: output.name,
  }));
  const endFacets: Record<string, unknown> = {
    ...runFacets,
    [FACETS.results]: {
      ...facetHeader('EvalhubResultsRunFacet'),
      ...(await resultsOf(db, ctx.actor, run.id)),
    },
  };
  if (run.status === 'FAILED')
    endFacets.errorMessage = {
      _producer: EVALHUB_PRODUCER,
      _schemaURL:
        'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
      message: (run.error as { message?: string } | null)?.message ?? 'failed',
      programmingLanguage: 'unknown',
    };
  return [
    start,
    {
      ...base,
      eventType: ending,
      eventTime: (run.finishedAt ?? run.updatedAt).toISOString(),
      run: { runId: run.id, facets: endFacets },
      inputs: inputDatasets,
      outputs: outputDatasets,
    },
  ];
}

/** A run's metrics, findings and artifacts as the evalhub_results facet holds them. */
async function resultsOf(db: Queryable, actor: Actor, runId: string): Promise<ResultsFacet> {
  const [metricRows, findingRows, artifactRows] = await Promise.all([
    db.select().from(metrics).where(eq(metrics.runId, runId)).orderBy(asc(metrics.id)),
    db
      .select()
      .from(findings)
      .where(eq(findings.runId, runId))
      .orderBy(asc(findings.createdAt), asc(findings.id)),
    db
      .select({ artifact: artifacts, bytes: blobs.bytes })
      .from(artifacts)
      .leftJoin(blobs, eq(blobs.digest, artifacts.digest))
      .where(eq(artifacts.runId, runId))
      .orderBy(asc(artifacts.name)),
  ]);
  const subjects = new Map<string, NonNullable<ResultsFacet['findings'][number]['subject']>>();
  const subjectIds = (kind: VersionKind) =>
    findingRows.flatMap((f) => {
      const id = kind === 'MODEL_VERSION' ? f.subjectModelVersionId : f.subjectDatasetVersionId;
      return id ? [id] : [];
    });
  const described = await Promise.all(
    (['MODEL_VERSION', 'DATASET_VERSION'] as const).map((kind) => {
      const ids = subjectIds(kind);
      return ids.length
        ? selectVersions(db, kind, actor, ({ table }) => inArray(table.id, ids))
        : Promise.resolve([]);
    }),
  );
  for (const { kind, version, entry, project } of described.flat())
    subjects.set(version.id, {
      kind,
      project: project.slug,
      name: entry.name,
      digest: version.digest,
    });
  return {
    metrics: metricRows.map((m) => ({
      key: m.key,
      value: m.value,
      step: m.step,
      slice: m.slice as Record<string, string>,
      ciLower: m.ciLower,
      ciUpper: m.ciUpper,
      ciLevel: m.ciLevel,
      sampleSize: m.sampleSize,
    })),
    findings: findingRows.map((f) => ({
      kind: f.kind,
      severity: f.severity,
      status: f.status,
      title: f.title,
      summary: f.summary,
      evidence: f.evidence as Record<string, unknown>,
      requirement: f.requirement as Record<string, unknown> | null,
      subject: subjects.get((f.subjectModelVersionId ?? f.subjectDatasetVersionId)!) ?? null,
    })),
    artifacts: artifactRows.map(({ artifact, bytes }) => ({
      name: artifact.name,
      mediaType: artifact.mediaType,
      digest: artifact.digest,
      sizeBytes: artifact.sizeBytes,
      content:
        bytes && bytes.length <= INLINE_ARTIFACT_BYTES
          ? Buffer.from(bytes).toString('base64')
          : null,
    })),
  };
}
