// Per-request DataLoaders: every lookup by id, and every page of children, made during
// one request is batched into one statement per kind, filtered by the actor's scope.
import DataLoader from 'dataloader';
import { and, asc, desc, eq, getTableColumns, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { alias, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { jsonObject, jsonRowReader } from '../db/json-rows.ts';
import { columnsRead, textArray } from '../db/rows.ts';
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
import { type CachedStatement, cachedStatement, inList } from '../db/statement-cache.ts';
import type { VersionKind } from '../runners/contract.ts';
import { visibleProjects, visibleSlugs } from './core/actor.ts';
import { actorNames } from './core/actor-names.ts';
import type { ServiceContext } from './core/context.ts';
import { ValidationError } from './core/errors.ts';
import {
  type ChildPageArgs,
  type Connection,
  childPageColumn,
  type Ordering,
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
import type { RunPageColumns } from './runs/queries.ts';

type RunInputRow = typeof runInputs.$inferSelect;

/** A child list a page of runs can bring: its column (a subquery per run), and what it primes. */
interface RunPageChild {
  column(): SQL.Aliased | SQLWrapper;
  prime(runId: string, value: unknown): void;
}

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

/** A run's input with its versions (null where the actor may not see them). */
interface InputWithVersions {
  input: RunInputRow;
  modelVersion: ModelVersionRow | null;
  datasetVersion: DatasetVersionRow | null;
}

/** The order of a run's metrics: by key, slice and step. */
const metricOrdering: Ordering = {
  name: 'KEY_SLICE_STEP',
  column: metrics.key,
  key: 'key',
  thenBy: [
    { column: metrics.sliceKey, key: 'sliceKey' },
    { column: metrics.step, key: 'step' },
  ],
  direction: 'ASC',
  id: metrics.id,
};

/** A page of a run's metrics, and which of them. */
export interface MetricPageArgs extends ChildPageArgs {
  /** Only this key. */
  key?: string | null | undefined;
  /** Only slices with these labels (and maybe more). */
  slice?: Record<string, string> | null | undefined;
}

/** The conditions of a page of metrics on which metrics, beyond the run's. */
function metricFilter(args: MetricPageArgs): SQL | undefined {
  const { slice } = args;
  if (
    slice != null &&
    (typeof slice !== 'object' ||
      Array.isArray(slice) ||
      !Object.values(slice).every((label) => typeof label === 'string'))
  ) {
    throw new ValidationError('slice is an object of labels, e.g. {"class": "cat"}', ['slice']);
  }
  return and(
    args.key != null ? eq(metrics.key, args.key) : undefined,
    slice != null ? sql`${metrics.slice} @> ${JSON.stringify(slice)}::jsonb` : undefined,
  );
}

/** What `make` returns, or null if it refuses its input (a ValidationError). */
function refusedAsNull<T>(make: () => T): T | null {
  try {
    return make();
  } catch (error) {
    if (error instanceof ValidationError) return null;
    throw error;
  }
}

/** What tells pages apart: one loader per kind of children and page. */
const pageKey = (name: string, args: MetricPageArgs) =>
  `${name}:${JSON.stringify([args.first, args.after, args.last, args.before, args.withTotal ?? false, args.key, args.slice])}`;
/** The order of a run's findings: oldest first. */
const findingOrder = [asc(findings.createdAt), asc(findings.id)];
const metricColumns = getTableColumns(metrics);
const findingColumns = columnsRead(findings);
const runColumns = columnsRead(runs);
const inputColumns = getTableColumns(runInputs);
const readFinding = jsonRowReader(findingColumns);
const readInput = jsonRowReader(inputColumns);
// An input's versions are selected by a subquery of all their columns: read as the tables'.
const readModelVersion = jsonRowReader(getTableColumns(modelVersions));
const readDatasetVersion = jsonRowReader(getTableColumns(datasetVersions));

/** A JSON array of `object`s in `order` ([] for none), for a list in one column. */
const jsonList = (object: SQL, order: SQL[]) =>
  sql`coalesce(json_agg(${object} order by ${sql.join(order, sql`, `)}), '[]')`;

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
  // The scope is part of every statement here: statements are cached per shape and scope.
  const scope = JSON.stringify(visibleSlugs(actor));
  /**
   * Runs the statement named `name` for a list of keys, given to it as the placeholder `ids`
   * (inList): built once per scope, and its text the same whatever the list's length.
   */
  const forList =
    <T>(name: string, build: () => CachedStatement<T>) =>
    (ids: readonly string[]) =>
      cachedStatement(db, `loader ${name} ${scope}`, build).execute({ ids: textArray(ids) });
  const project = byId(
    forList('project', () =>
      db
        .select()
        .from(projects)
        .where(and(inList(projects.id, 'ids', 'uuid'), visibleProjects(actor, projects.id)))
        .prepare('project_by_id'),
    ),
  );
  /** Models and datasets: catalogue entries visible in their project. */
  const entriesOf = (table: typeof models | typeof datasets, name: string) =>
    byId(
      forList(
        name,
        () =>
          db
            .select()
            .from(table)
            .where(and(inList(table.id, 'ids', 'uuid'), visibleProjects(actor, table.projectId)))
            .prepare(name) as CachedStatement<CatalogueRow[]>,
      ),
    );
  const model = entriesOf(models, 'model_by_id');
  const dataset = entriesOf(datasets, 'dataset_by_id');
  /**
   * Versions visible in their entry's project. The entry and the project come in the same
   * statement, and prime their loaders: a version's `model` or `project` costs nothing more.
   */
  const versionsOf = <Row extends VersionRow>(kind: VersionKind, entries: typeof model) =>
    byId(async (ids) => {
      const found = await selectVersions<Row>(
        db,
        kind,
        actor,
        ({ table }) => sql`${table.id} = any(${textArray(ids)}::uuid[])`,
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

  // Each input's version is looked up by its key, one index probe per input: as a plain
  // join the planner hashes the whole versions table for a page of runs (10 ms at 10k
  // versions). The LIMIT keeps the subquery from being flattened into such a join. A
  // version of a project the actor may not see comes back null. Built only when a
  // statement that takes them is first built.
  const inputVersionsOf = () => ({
    model: db
      .select()
      .from(modelVersions)
      .where(
        and(
          eq(modelVersions.id, runInputs.modelVersionId),
          scopedParent(modelVersions.modelId, models, models.projectId),
        ),
      )
      .limit(1)
      .as('input_model_version'),
    dataset: db
      .select()
      .from(datasetVersions)
      .where(
        and(
          eq(datasetVersions.id, runInputs.datasetVersionId),
          scopedParent(datasetVersions.datasetId, datasets, datasets.projectId),
        ),
      )
      .limit(1)
      .as('input_dataset_version'),
  });
  type InputVersions = ReturnType<typeof inputVersionsOf>;
  let builtInputVersions: InputVersions | undefined;
  const inputVersions = () => {
    builtInputVersions ??= inputVersionsOf();
    return builtInputVersions;
  };
  const inputOrder = [asc(runInputs.role), asc(runInputs.position)];
  /** The inputs of `rows`, having primed the version loaders with their versions. */
  const primeInputVersions = (rows: InputWithVersions[]) => {
    for (const row of rows) {
      if (row.input.modelVersionId) modelVersion.prime(row.input.modelVersionId, row.modelVersion);
      if (row.input.datasetVersionId)
        datasetVersion.prime(row.input.datasetVersionId, row.datasetVersion);
    }
    return rows.map((row) => row.input);
  };
  /**
   * The inputs of each run (the run itself was loaded through the scope), with their
   * versions in the same statement: a list of runs with their inputs' digests costs one
   * statement, not one per kind of version.
   */
  const inputsOfRuns = groupedBy(
    async (ids) =>
      primeInputVersions(
        await forList('run_inputs', () => {
          const versions = inputVersions();
          return db
            .select({
              input: runInputs,
              modelVersion: versions.model._.selectedFields,
              datasetVersion: versions.dataset._.selectedFields,
            })
            .from(runInputs)
            .leftJoinLateral(versions.model, sql`true`)
            .leftJoinLateral(versions.dataset, sql`true`)
            .where(inList(runInputs.runId, 'ids', 'uuid'))
            .orderBy(...inputOrder)
            .prepare('run_inputs');
        })(ids),
      ),
    (row) => row.runId,
  );
  const runFindings = groupedBy(
    forList('run_findings', () =>
      db
        .select(findingColumns)
        .from(findings)
        .where(inList(findings.runId, 'ids', 'uuid'))
        .orderBy(...findingOrder)
        .prepare('run_findings'),
    ),
    (row) => row.runId,
  );

  /** A version of an input, or null (none of that kind, or not visible), as JSON. */
  const jsonVersion = (version: InputVersions['model'] | InputVersions['dataset']) =>
    sql`case when ${version.id} is null then null else ${jsonObject(version._.selectedFields)} end`;
  /**
   * The children a page of runs can bring in its own statement, each as a JSON column, and
   * how its value primes the child's loader: a page of runs with their inputs, metrics and
   * findings is then one statement. The columns are built only when a page statement that
   * takes them is first built.
   */
  const pageChildren: Record<string, RunPageChild> = {
    inputs: {
      column: () => {
        const versions = inputVersions();
        return db
          .select({
            list: jsonList(
              sql`json_build_object('input', ${jsonObject(inputColumns)}, 'modelVersion', ${jsonVersion(versions.model)}, 'datasetVersion', ${jsonVersion(versions.dataset)})`,
              inputOrder,
            ),
          })
          .from(runInputs)
          .leftJoinLateral(versions.model, sql`true`)
          .leftJoinLateral(versions.dataset, sql`true`)
          .where(eq(runInputs.runId, runs.id));
      },
      prime: (runId, list) =>
        inputsOfRuns.prime(
          runId,
          primeInputVersions(
            (list as Array<Record<string, Record<string, unknown> | null>>).map((row) => ({
              input: readInput(row.input!),
              modelVersion: row.modelVersion ? readModelVersion(row.modelVersion) : null,
              datasetVersion: row.datasetVersion ? readDatasetVersion(row.datasetVersion) : null,
            })),
          ),
        ),
    },
    findings: {
      column: () =>
        db
          .select({ list: jsonList(jsonObject(findingColumns), findingOrder) })
          .from(findings)
          .where(eq(findings.runId, runs.id)),
      prime: (runId, list) =>
        runFindings.prime(runId, (list as Array<Record<string, unknown>>).map(readFinding)),
    },
  };
  /**
   * The columns that bring `fields` (of inputs, metrics, findings) with a page of runs, and
   * what primes their loaders from a run's values of them; a page of each run's metrics
   * comes too when `metricPage` says which.
   */
  const runPageChildren = (
    fields: ReadonlySet<string>,
    metricPage: MetricPageArgs | null,
  ): RunPageColumns => {
    const asked = Object.entries(pageChildren).filter(([name]) => fields.has(name));
    // A page the arguments of which are refused is left to the field, which says why.
    const metricChild = metricPage && refusedAsNull(() => metricPageChild(metricPage));
    if (metricChild) asked.push(['metrics', metricChild]);
    return {
      // The metric page's arguments are values in its SQL, not placeholders: part of the key.
      key: `${asked.map(([name]) => name).join(',')} ${metricChild ? pageKey('metrics', metricPage!) : ''} ${scope}`,
      columns: () =>
        Object.fromEntries(asked.map(([name, child]) => [name, sql`${child.column()}`])),
      prime: (runId, values) => {
        for (const [name, child] of asked) child.prime(runId, values[name]);
      },
    };
  };

  const pageLoaders = new Map<string, DataLoader<string, Connection<unknown>>>();
  /** One loader per (kind of children, page arguments), batching all parents asking for that page. */
  function pagesOf<Row>(
    name: string,
    args: MetricPageArgs,
    load: (parentIds: readonly string[]) => Promise<Map<string, Connection<Row>>>,
  ): DataLoader<string, Connection<Row>> {
    const key = pageKey(name, args);
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
      where?: SQL,
    ) =>
    (parentIds: readonly string[], args: ChildPageArgs) =>
      paginateChildren({
        db,
        parent,
        child,
        childParent,
        parentIds,
        ordering: newestFirst(child),
        args,
        where,
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
  // A derivation may be in another project than its source: only those the actor may see.
  const derivationPages = children(
    { table: sources, id: sources.id },
    datasetVersions,
    datasetVersions.derivedFromId,
    scopedParent(datasetVersions.datasetId, datasets, datasets.projectId),
  );
  const workflowVersionPages = children(
    { table: workflows, id: workflows.id },
    workflowVersions,
    workflowVersions.workflowId,
  );
  const projectPages = (table: typeof models | typeof datasets | typeof workflows) =>
    children({ table: projects, id: projects.id }, table, table.projectId);
  /** A page of each run's metrics: one statement for every run asking for the same page. */
  const runMetrics = (args: MetricPageArgs) =>
    pagesOf('runMetrics', args, (ids) =>
      paginateChildren({
        db,
        parent: { table: runs, id: runs.id },
        child: metrics,
        childParent: metrics.runId,
        parentIds: ids,
        ordering: metricOrdering,
        args,
        where: metricFilter(args),
      }),
    );
  /** The same page of metrics, brought by a page of runs in its own statement. */
  const metricPageChild = (args: MetricPageArgs): RunPageChild => {
    const page = childPageColumn({
      db,
      child: metrics,
      columns: metricColumns,
      ofParent: and(eq(metrics.runId, runs.id), metricFilter(args))!,
      ordering: metricOrdering,
      args,
    });
    return {
      column: () => page.column,
      prime: (runId, value) => runMetrics(args).prime(runId, page.read(value)),
    };
  };

  return {
    project,
    model,
    dataset,
    workflow: byId(
      forList('workflow_by_id', () =>
        db
          .select()
          .from(workflows)
          .where(
            and(inList(workflows.id, 'ids', 'uuid'), visibleProjects(actor, workflows.projectId)),
          )
          .prepare('workflow_by_id'),
      ),
    ),
    modelVersion,
    datasetVersion,
    workflowVersion: byId(async (ids) => {
      const rows = await forList('workflow_version_by_id', () =>
        db
          .select({ version: workflowVersions })
          .from(workflowVersions)
          .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
          .where(
            and(
              inList(workflowVersions.id, 'ids', 'uuid'),
              visibleProjects(actor, workflows.projectId),
            ),
          )
          .prepare('workflow_version_by_id'),
      )(ids);
      return rows.map((row) => row.version);
    }),
    projectBySlug: new DataLoader<string, typeof projects.$inferSelect | null>(async (slugs) => {
      const rows = await forList('project_by_slug', () =>
        db
          .select()
          .from(projects)
          .where(and(inList(projects.slug, 'ids', 'text'), visibleProjects(actor, projects.id)))
          .prepare('project_by_slug'),
      )(slugs);
      return slugs.map((slug) => rows.find((row) => row.slug === slug) ?? null);
    }),
    run: byId(
      forList('run_by_id', () =>
        db
          .select(runColumns)
          .from(runs)
          .where(and(inList(runs.id, 'ids', 'uuid'), visibleProjects(actor, runs.projectId)))
          .prepare('run_by_id'),
      ),
    ),
    finding: byId(
      forList('finding_by_id', () =>
        db
          .select()
          .from(findings)
          .where(
            and(inList(findings.id, 'ids', 'uuid'), visibleProjects(actor, findings.projectId)),
          )
          .prepare('finding_by_id'),
      ),
    ),
    artifact: byId(
      forList('artifact_by_id', () =>
        db
          .select()
          .from(artifacts)
          .where(
            and(inList(artifacts.id, 'ids', 'uuid'), visibleProjects(actor, artifacts.projectId)),
          )
          .prepare('artifact_by_id'),
      ),
    ),
    /**
     * The inputs of each run (the run itself was loaded through the scope), with their
     * versions in the same statement: a list of runs with their inputs' digests costs one
     * statement, not one per kind of version. A version of a project the actor may not see
     * comes back null.
     */
    runInputs: inputsOfRuns,
    /** A project's members (the schema shows them to maintainers only). */
    projectMembers: groupedBy(
      forList('project_members', () =>
        db
          .select()
          .from(projectMembers)
          .where(inList(projectMembers.projectId, 'ids', 'uuid'))
          .orderBy(asc(projectMembers.subject))
          .prepare('project_members'),
      ),
      (row) => row.projectId,
    ),
    runChildren: groupedBy(
      forList('run_children', () =>
        db
          .select()
          .from(runs)
          .where(inList(runs.parentRunId, 'ids', 'uuid'))
          .orderBy(asc(runs.createdAt), asc(runs.id))
          .prepare('run_children'),
      ),
      (row) => row.parentRunId,
    ),
    /** Runs that reproduce a run: in its project, as a reproduction always is. */
    runReproductions: groupedBy(
      forList('run_reproductions', () =>
        db
          .select()
          .from(runs)
          .where(inList(runs.reproducesId, 'ids', 'uuid'))
          .orderBy(asc(runs.createdAt), asc(runs.id))
          .prepare('run_reproductions'),
      ),
      (row) => row.reproducesId,
    ),
    runMetrics,
    runFindings,
    runPageChildren,
    /** The signed attestation of each ended run (evidence/attest.ts). */
    runAttestation: new DataLoader<string, RunAttestation | null>(async (runIds) => {
      const found = new Map(
        (await runAttestationsOf(db, actor, runIds)).map((row) => [row.runId, row]),
      );
      return runIds.map((id) => found.get(id) ?? null);
    }),
    runArtifacts: groupedBy(
      forList('run_artifacts', () =>
        db
          .select()
          .from(artifacts)
          .where(inList(artifacts.runId, 'ids', 'uuid'))
          .orderBy(asc(artifacts.name))
          .prepare('run_artifacts'),
      ),
      (row) => row.runId,
    ),
    /** TRAINED_ON: the dataset versions each model version was trained on (visible ones only). */
    trainingData: new DataLoader<string, DatasetVersionRow[]>(async (modelVersionIds) => {
      const rows = await forList('training_data', () =>
        db
          .select({ modelVersionId: modelTrainingData.modelVersionId, version: datasetVersions })
          .from(modelTrainingData)
          .innerJoin(datasetVersions, eq(datasetVersions.id, modelTrainingData.datasetVersionId))
          .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
          .where(
            and(
              inList(modelTrainingData.modelVersionId, 'ids', 'uuid'),
              visibleProjects(actor, datasets.projectId),
            ),
          )
          .orderBy(desc(datasetVersions.createdAt))
          .prepare('training_data'),
      )(modelVersionIds);
      const byModelVersion = Map.groupBy(rows, (row) => row.modelVersionId);
      return modelVersionIds.map((id) => (byModelVersion.get(id) ?? []).map((row) => row.version));
    }),
    /** The T&E report's data and the reproduce command of each run (report/). */
    /** How the author a record names reads to people (a token as its owner and name). */
    actorName: new DataLoader<string, string>(async (ids) => {
      const names = await actorNames(db, ids);
      return ids.map((id) => names.get(id)!);
    }),
    runReport: new DataLoader((ids: readonly string[]) => gatherRunReports(services, ids)),
    reproduceCommand: new DataLoader((ids: readonly string[]) => reproduceCommands(services, ids)),
    modelVersions: (args: ChildPageArgs) =>
      pagesOf('modelVersions', args, (ids) => modelVersionPages(ids, args)),
    datasetVersions: (args: ChildPageArgs) =>
      pagesOf('datasetVersions', args, (ids) => datasetVersionPages(ids, args)),
    derivations: (args: ChildPageArgs) =>
      pagesOf('derivations', args, (ids) => derivationPages(ids, args)),
    workflowVersions: (args: ChildPageArgs) =>
      pagesOf('workflowVersions', args, (ids) => workflowVersionPages(ids, args)),
    projectModels: (args: ChildPageArgs) =>
      pagesOf('projectModels', args, (ids) => projectPages(models)(ids, args)),
    projectDatasets: (args: ChildPageArgs) =>
      pagesOf('projectDatasets', args, (ids) => projectPages(datasets)(ids, args)),
    projectWorkflows: (args: ChildPageArgs) =>
      pagesOf('projectWorkflows', args, (ids) => projectPages(workflows)(ids, args)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
