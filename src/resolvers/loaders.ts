// Per-request DataLoaders: every lookup by id, and every page of children, made during
// one request is batched into one statement per kind, filtered by the actor's scope.
import DataLoader from 'dataloader';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { alias, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import {
  artifacts,
  datasets,
  datasetVersions,
  findings,
  metrics,
  models,
  modelTrainingData,
  modelVersions,
  projectMembers,
  projects,
  runInputs,
  runs,
  workflows,
  workflowVersions,
} from '../db/schema.ts';
import type { VersionKind } from '../runners/contract.ts';
import { visibleProjects } from './core/actor.ts';
import type { ServiceContext } from './core/context.ts';
import {
  type Connection,
  type Ordering,
  type PageArgs,
  paginateChildren,
} from './core/pagination.ts';
import { type RunAttestation, runAttestationsOf } from './evidence/attest.ts';
import type { CatalogueRow } from './registry/catalogue.ts';
import type {
  DatasetVersionRow,
  ModelVersionRow,
  VersionRow,
} from './registry/version-catalogue.ts';
import { selectVersions } from './registry/version-queries.ts';
import { gatherRunReports } from './report/gather.ts';
import { reproduceCommands } from './report/reproduce.ts';

function byId<Row extends { id: string }>(fetch: (ids: string[]) => Promise<Row[]>) {
  return new DataLoader<string, Row | null>(async (ids) => {
    const rows = await fetch([...ids]);
    const found = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

/** Rows of a child table, grouped by their parent's id: one statement per batch of parents. */
function groupedBy<Row>(
  fetch: (ids: string[]) => Promise<Row[]>,
  parentOf: (row: Row) => string | null,
) {
  return new DataLoader<string, Row[]>(async (ids) => {
    const byParent = Map.groupBy(await fetch([...ids]), (row) => parentOf(row) ?? '');
    return ids.map((id) => byParent.get(id) ?? []);
  });
}

/** Newest first: the order of every list of versions and children. */
export function newestFirst(table: { createdAt: PgColumn; id: PgColumn }): Ordering {
  return {
    name: 'CREATED_AT_DESC',
    column: table.createdAt,
    key: 'createdAt',
    direction: 'DESC',
    id: table.id,
  };
}

export function createLoaders(services: ServiceContext) {
  const { db, actor } = services;
  const project = byId((ids) =>
    db
      .select()
      .from(projects)
      .where(and(inArray(projects.id, ids), visibleProjects(actor, projects.id))),
  );
  /** Models and datasets: catalogue entries visible in their project. */
  const entriesOf = (table: typeof models | typeof datasets) =>
    byId(
      (ids) =>
        db
          .select()
          .from(table)
          .where(and(inArray(table.id, ids), visibleProjects(actor, table.projectId))) as Promise<
          CatalogueRow[]
        >,
    );
  const model = entriesOf(models);
  const dataset = entriesOf(datasets);
  /**
   * Versions visible in their entry's project. The entry and the project come in the same
   * statement, and prime their loaders: a version's `model` or `project` costs nothing more.
   */
  const versionsOf = <Row extends VersionRow>(kind: VersionKind, entries: typeof model) =>
    byId(async (ids) => {
      const found = await selectVersions<Row>(db, kind, actor, ({ table }) =>
        inArray(table.id, ids),
      );
      for (const row of found) {
        entries.prime(row.entry.id, row.entry);
        project.prime(row.project.id, row.project);
      }
      return found.map((row) => row.version);
    });
  const modelVersion = versionsOf<ModelVersionRow>('MODEL_VERSION', model);
  const datasetVersion = versionsOf<DatasetVersionRow>('DATASET_VERSION', dataset);
  /** A condition that `parentId` names a row of `parent` in the actor's projects (none for all). */
  const scopedParent = (parentId: PgColumn, parent: PgTable, projectId: PgColumn) => {
    const visible = visibleProjects(actor, projectId);
    return visible
      ? sql`${parentId} in (select ${sql.raw('id')} from ${parent} where ${visible})`
      : undefined;
  };

  const pageLoaders = new Map<string, DataLoader<string, Connection<unknown>>>();
  /** One loader per (kind of children, page arguments), batching all parents asking for that page. */
  function pagesOf<Row>(
    name: string,
    args: PageArgs,
    load: (parentIds: readonly string[]) => Promise<Map<string, Connection<Row>>>,
  ): DataLoader<string, Connection<Row>> {
    const key = `${name}:${JSON.stringify([args.first, args.after, args.last, args.before])}`;
    let loader = pageLoaders.get(key);
    if (!loader) {
      loader = new DataLoader(async (parentIds) => {
        const pages = await load(parentIds);
        return parentIds.map((id) => pages.get(id)!);
      });
      pageLoaders.set(key, loader);
    }
    return loader as unknown as DataLoader<string, Connection<Row>>;
  }

  const children =
    <C extends PgTable & { createdAt: PgColumn; id: PgColumn }>(
      parent: { table: PgTable; id: PgColumn },
      child: C,
      childParent: PgColumn,
    ) =>
    (parentIds: readonly string[], args: PageArgs) =>
      paginateChildren({
        db,
        parent,
        child,
        childParent,
        parentIds,
        ordering: newestFirst(child),
        args,
      });

  const modelVersionPages = children(
    { table: models, id: models.id },
    modelVersions,
    modelVersions.modelId,
  );
  const datasetVersionPages = children(
    { table: datasets, id: datasets.id },
    datasetVersions,
    datasetVersions.datasetId,
  );
  // The source is aliased: parent and children are rows of the same table.
  const sources = alias(datasetVersions, 'source');
  const derivationPages = children(
    { table: sources, id: sources.id },
    datasetVersions,
    datasetVersions.derivedFromId,
  );
  const workflowVersionPages = children(
    { table: workflows, id: workflows.id },
    workflowVersions,
    workflowVersions.workflowId,
  );
  const projectPages = (table: typeof models | typeof datasets | typeof workflows) =>
    children({ table: projects, id: projects.id }, table, table.projectId);

  return {
    project,
    model,
    dataset,
    workflow: byId((ids) =>
      db
        .select()
        .from(workflows)
        .where(and(inArray(workflows.id, ids), visibleProjects(actor, workflows.projectId))),
    ),
    modelVersion,
    datasetVersion,
    workflowVersion: byId(async (ids) => {
      const rows = await db
        .select({ version: workflowVersions })
        .from(workflowVersions)
        .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
        .where(and(inArray(workflowVersions.id, ids), visibleProjects(actor, workflows.projectId)));
      return rows.map((row) => row.version);
    }),
    projectBySlug: new DataLoader<string, typeof projects.$inferSelect | null>(async (slugs) => {
      const rows = await db
        .select()
        .from(projects)
        .where(and(inArray(projects.slug, [...slugs]), visibleProjects(actor, projects.id)));
      return slugs.map((slug) => rows.find((row) => row.slug === slug) ?? null);
    }),
    run: byId((ids) =>
      db
        .select()
        .from(runs)
        .where(and(inArray(runs.id, ids), visibleProjects(actor, runs.projectId))),
    ),
    finding: byId((ids) =>
      db
        .select()
        .from(findings)
        .where(and(inArray(findings.id, ids), visibleProjects(actor, findings.projectId))),
    ),
    artifact: byId((ids) =>
      db
        .select()
        .from(artifacts)
        .where(and(inArray(artifacts.id, ids), visibleProjects(actor, artifacts.projectId))),
    ),
    /**
     * The inputs of each run (the run itself was loaded through the scope), with their
     * versions in the same statement: a list of runs with their inputs' digests costs one
     * statement, not one per kind of version. A version of a project the actor may not see
     * comes back null.
     */
    runInputs: groupedBy(
      async (ids) => {
        // Each version is looked up by its key, one index probe per input: as a plain join
        // the planner hashes the whole versions table for a page of runs (10 ms at 10k
        // versions). The LIMIT keeps the subquery from being flattened into such a join.
        const inputModelVersion = db
          .select()
          .from(modelVersions)
          .where(
            and(
              eq(modelVersions.id, runInputs.modelVersionId),
              scopedParent(modelVersions.modelId, models, models.projectId),
            ),
          )
          .limit(1)
          .as('input_model_version');
        const inputDatasetVersion = db
          .select()
          .from(datasetVersions)
          .where(
            and(
              eq(datasetVersions.id, runInputs.datasetVersionId),
              scopedParent(datasetVersions.datasetId, datasets, datasets.projectId),
            ),
          )
          .limit(1)
          .as('input_dataset_version');
        const rows = await db
          .select({
            input: runInputs,
            modelVersion: inputModelVersion._.selectedFields,
            datasetVersion: inputDatasetVersion._.selectedFields,
          })
          .from(runInputs)
          .leftJoinLateral(inputModelVersion, sql`true`)
          .leftJoinLateral(inputDatasetVersion, sql`true`)
          .where(inArray(runInputs.runId, ids))
          .orderBy(asc(runInputs.role), asc(runInputs.position));
        for (const row of rows) {
          if (row.input.modelVersionId)
            modelVersion.prime(row.input.modelVersionId, row.modelVersion);
          if (row.input.datasetVersionId)
            datasetVersion.prime(row.input.datasetVersionId, row.datasetVersion);
        }
        return rows.map((row) => row.input);
      },
      (row) => row.runId,
    ),
    /** A project's members (the schema shows them to maintainers only). */
    projectMembers: groupedBy(
      (ids) =>
        db
          .select()
          .from(projectMembers)
          .where(inArray(projectMembers.projectId, ids))
          .orderBy(asc(projectMembers.subject)),
      (row) => row.projectId,
    ),
    runChildren: groupedBy(
      (ids) =>
        db
          .select()
          .from(runs)
          .where(inArray(runs.parentRunId, ids))
          .orderBy(asc(runs.createdAt), asc(runs.id)),
      (row) => row.parentRunId,
    ),
    /** Runs that reproduce a run: in its project, as a reproduction always is. */
    runReproductions: groupedBy(
      (ids) =>
        db
          .select()
          .from(runs)
          .where(inArray(runs.reproducesId, ids))
          .orderBy(asc(runs.createdAt), asc(runs.id)),
      (row) => row.reproducesId,
    ),
    runMetrics: groupedBy(
      (ids) =>
        db
          .select()
          .from(metrics)
          .where(inArray(metrics.runId, ids))
          .orderBy(asc(metrics.key), asc(metrics.sliceKey), asc(metrics.step), asc(metrics.id)),
      (row) => row.runId,
    ),
    runFindings: groupedBy(
      (ids) =>
        db
          .select()
          .from(findings)
          .where(inArray(findings.runId, ids))
          .orderBy(asc(findings.createdAt), asc(findings.id)),
      (row) => row.runId,
    ),
    /** The signed attestation of each ended run (evidence/attest.ts). */
    runAttestation: new DataLoader<string, RunAttestation | null>(async (runIds) => {
      const found = new Map(
        (await runAttestationsOf(db, actor, runIds)).map((row) => [row.runId, row]),
      );
      return runIds.map((id) => found.get(id) ?? null);
    }),
    runArtifacts: groupedBy(
      (ids) =>
        db
          .select()
          .from(artifacts)
          .where(inArray(artifacts.runId, ids))
          .orderBy(asc(artifacts.name)),
      (row) => row.runId,
    ),
    /** TRAINED_ON: the dataset versions each model version was trained on (visible ones only). */
    trainingData: new DataLoader<string, DatasetVersionRow[]>(async (modelVersionIds) => {
      const rows = await db
        .select({ modelVersionId: modelTrainingData.modelVersionId, version: datasetVersions })
        .from(modelTrainingData)
        .innerJoin(datasetVersions, eq(datasetVersions.id, modelTrainingData.datasetVersionId))
        .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
        .where(
          and(
            inArray(modelTrainingData.modelVersionId, [...modelVersionIds]),
            visibleProjects(actor, datasets.projectId),
          ),
        )
        .orderBy(desc(datasetVersions.createdAt));
      const byModelVersion = Map.groupBy(rows, (row) => row.modelVersionId);
      return modelVersionIds.map((id) => (byModelVersion.get(id) ?? []).map((row) => row.version));
    }),
    /** The T&E report's data and the reproduce command of each run (report/). */
    runReport: new DataLoader((ids: readonly string[]) => gatherRunReports(services, ids)),
    reproduceCommand: new DataLoader((ids: readonly string[]) => reproduceCommands(services, ids)),
    modelVersions: (args: PageArgs) =>
      pagesOf('modelVersions', args, (ids) => modelVersionPages(ids, args)),
    datasetVersions: (args: PageArgs) =>
      pagesOf('datasetVersions', args, (ids) => datasetVersionPages(ids, args)),
    derivations: (args: PageArgs) =>
      pagesOf('derivations', args, (ids) => derivationPages(ids, args)),
    workflowVersions: (args: PageArgs) =>
      pagesOf('workflowVersions', args, (ids) => workflowVersionPages(ids, args)),
    projectModels: (args: PageArgs) =>
      pagesOf('projectModels', args, (ids) => projectPages(models)(ids, args)),
    projectDatasets: (args: PageArgs) =>
      pagesOf('projectDatasets', args, (ids) => projectPages(datasets)(ids, args)),
    projectWorkflows: (args: PageArgs) =>
      pagesOf('projectWorkflows', args, (ids) => projectPages(workflows)(ids, args)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
