// A lineage graph as a W3C PROV-JSON document (https://www.w3.org/submissions/prov-json/):
// runs are activities; versions, findings and artifacts are entities; a workflow version is
// a plan; a runner is a software agent. Each relation maps to its PROV verb.

import { and, eq, inArray } from 'drizzle-orm';
import {
  artifacts,
  findings,
  projects,
  runs,
  workflows,
  workflowVersions,
} from '../../db/schema.ts';
import { visibleProjects } from '../core/actor.ts';
import type { ServiceContext } from '../core/context.ts';
import { selectVersions, type VersionInContext } from '../registry/version-queries.ts';
import type { LineageGraph } from './trace.ts';

type Attributes = Record<string, unknown>;

const PREFIX = { evalhub: 'urn:evalhub:', sha256: 'urn:sha256:' };

const qualified = (node: { type: string; id: string }) => `evalhub:${node.type}/${node.id}`;
const dateTime = (date: Date | null) =>
  date ? { $: date.toISOString(), type: 'xsd:dateTime' } : undefined;

/** Identifying facts of every node of `graph`, one statement per node type present. */
async function describeNodes(ctx: ServiceContext, graph: LineageGraph) {
  const { db, actor } = ctx;
  const idsOf = (type: string) => graph.nodes.filter((n) => n.type === type).map((n) => n.id);
  const when = <T>(ids: string[], load: (ids: string[]) => Promise<T[]>) =>
    ids.length ? load(ids) : Promise.resolve([]);
  const [runRows, findingRows, artifactRows, modelVersionRows, datasetVersionRows, planRows] =
    await Promise.all([
      when(idsOf('Run'), (ids) =>
        db
          .select({ run: runs, project: projects.slug })
          .from(runs)
          .innerJoin(projects, eq(projects.id, runs.projectId))
          .where(and(inArray(runs.id, ids), visibleProjects(actor, runs.projectId))),
      ),
      when(idsOf('Finding'), (ids) =>
        db
          .select()
          .from(findings)
          .where(and(inArray(findings.id, ids), visibleProjects(actor, findings.projectId))),
      ),
      when(idsOf('Artifact'), (ids) =>
        db
          .select()
          .from(artifacts)
          .where(and(inArray(artifacts.id, ids), visibleProjects(actor, artifacts.projectId))),
      ),
      when(idsOf('ModelVersion'), (ids) =>
        selectVersions(db, 'MODEL_VERSION', actor, ({ table }) => inArray(table.id, ids)),
      ),
      when(idsOf('DatasetVersion'), (ids) =>
        selectVersions(db, 'DATASET_VERSION', actor, ({ table }) => inArray(table.id, ids)),
      ),
      when(idsOf('WorkflowVersion'), (ids) =>
        db
          .select({ version: workflowVersions, name: workflows.name, project: projects.slug })
          .from(workflowVersions)
          .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
          .innerJoin(projects, eq(projects.id, workflows.projectId))
          .where(
            and(inArray(workflowVersions.id, ids), visibleProjects(actor, workflows.projectId)),
          ),
      ),
    ]);
  return { runRows, findingRows, artifactRows, modelVersionRows, datasetVersionRows, planRows };
}

/** The PROV-JSON document of a lineage graph. */
export async function lineageProvDocument(
  ctx: ServiceContext,
  graph: LineageGraph,
): Promise<Record<string, unknown>> {
  const rows = await describeNodes(ctx, graph);
  const entity: Record<string, Attributes> = {};
  const activity: Record<string, Attributes> = {};
  const agent: Record<string, Attributes> = {};
  const relations: Record<string, Record<string, Attributes>> = {};
  let blank = 0;
  const relate = (verb: string, attributes: Attributes) => {
    relations[verb] ??= {};
    blank += 1;
    relations[verb][`_:${verb}${blank}`] = attributes;
  };

  const versionEntity = (type: string, row: VersionInContext) => {
    entity[qualified({ type, id: row.version.id })] = {
      'prov:type': `evalhub:${type}`,
      'prov:label': `${row.project.slug}/${row.entry.name}@${row.version.version}`,
      'prov:location': row.version.uri,
      'evalhub:digest': row.version.digest,
      'evalhub:format': row.version.format,
    };
  };
  for (const row of rows.modelVersionRows) versionEntity('ModelVersion', row);
  for (const row of rows.datasetVersionRows) versionEntity('DatasetVersion', row);
  for (const row of rows.planRows)
    entity[qualified({ type: 'WorkflowVersion', id: row.version.id })] = {
      'prov:type': 'prov:Plan',
      'prov:label': `${row.project}/${row.name}#${row.version.number}`,
      'evalhub:digest': row.version.digest,
    };
  for (const finding of rows.findingRows)
    entity[qualified({ type: 'Finding', id: finding.id })] = {
      'prov:type': 'evalhub:Finding',
      'prov:label': finding.title,
      'evalhub:kind': finding.kind,
      'evalhub:severity': finding.severity,
      'evalhub:status': finding.status,
    };
  for (const artifact of rows.artifactRows)
    entity[qualified({ type: 'Artifact', id: artifact.id })] = {
      'prov:type': 'evalhub:Artifact',
      'prov:label': artifact.name,
      'evalhub:digest': artifact.digest,
      'evalhub:mediaType': artifact.mediaType,
    };
  for (const { run, project } of rows.runRows) {
    const runner = `evalhub:runner/${run.runnerId}@${run.runnerVersion}`;
    agent[runner] ??= { 'prov:type': 'prov:SoftwareAgent', 'prov:label': run.runnerId };
    const person = `evalhub:actor/${run.createdBy}`;
    agent[person] ??= { 'prov:type': 'prov:Person', 'prov:label': run.createdBy };
    activity[qualified({ type: 'Run', id: run.id })] = {
      'prov:type': 'evalhub:Run',
      'prov:label': run.name ?? `${project} ${run.runnerId} run`,
      'prov:startTime': dateTime(run.startedAt),
      'prov:endTime': dateTime(run.finishedAt),
      'evalhub:status': run.status,
      'evalhub:seed': Number(run.seed),
      'evalhub:runKey': run.runKey,
      'evalhub:config': JSON.stringify(run.config),
    };
    relate('wasAssociatedWith', {
      'prov:activity': qualified({ type: 'Run', id: run.id }),
      'prov:agent': runner,
    });
    relate('wasStartedBy', {
      'prov:activity': qualified({ type: 'Run', id: run.id }),
      'prov:starter': person,
    });
  }

  for (const edge of graph.edges) {
    const from = qualified(edge.from);
    const to = qualified(edge.to);
    const role = edge.role ? { 'prov:role': edge.role } : {};
    switch (edge.relation) {
      case 'USED':
        relate('used', { 'prov:activity': from, 'prov:entity': to, ...role });
        break;
      case 'GENERATED':
        relate('wasGeneratedBy', { 'prov:entity': to, 'prov:activity': from, ...role });
        break;
      case 'WAS_DERIVED_FROM':
        relate('wasDerivedFrom', { 'prov:generatedEntity': from, 'prov:usedEntity': to });
        break;
      case 'TRAINED_ON':
        relate('wasDerivedFrom', {
          'prov:generatedEntity': from,
          'prov:usedEntity': to,
          'prov:type': 'evalhub:TrainedOn',
        });
        break;
      case 'PART_OF':
        relate('wasInformedBy', { 'prov:informed': to, 'prov:informant': from, ...role });
        break;
      case 'REPRODUCES':
        relate('wasInformedBy', {
          'prov:informed': from,
          'prov:informant': to,
          'prov:type': 'evalhub:Reproduces',
        });
        break;
      case 'EXECUTED':
        relate('wasAssociatedWith', {
          'prov:activity': from,
          'prov:plan': to,
          'prov:agent': 'evalhub:hub',
        });
        agent['evalhub:hub'] ??= { 'prov:type': 'prov:SoftwareAgent', 'prov:label': 'evalhub' };
        break;
      case 'VERSION_OF':
        entity[to] ??= { 'prov:type': `evalhub:${edge.to.type}` };
        relate('specializationOf', { 'prov:specificEntity': from, 'prov:generalEntity': to });
        break;
    }
  }
  return { prefix: PREFIX, entity, activity, agent, ...relations };
}
