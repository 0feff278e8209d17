// The `evalhub` command that runs the same work as a run again: the same runner (or workflow
// version), the same inputs pinned by digest, the same config and seed, hence the same run
// key. The run page shows it (Run.reproduceCommand) and the report prints it.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import {
  datasets,
  datasetVersions,
  models,
  modelVersions,
  projects,
  runInputs,
  runs,
  workflows,
  workflowVersions,
} from '../../db/schema.ts';
import { mayAccessProject, visibleProjects } from '../core/actor.ts';
import { canonicalJson } from '../core/canonical-json.ts';
import type { ServiceContext } from '../core/context.ts';
import { encodeGlobalId } from '../core/global-id.ts';
import { WORKFLOW_RUNNER } from '../runs/queue.ts';

/** Words the shell takes as they are; anything else is single-quoted. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One shell word: single quotes keep every character as it is but the quote itself, which
 * ends the quoting, is escaped, and quoting resumes ('it'\''s'). Written here rather than
 * taken from a library: it is the whole of POSIX quoting, and the common one (shell-quote)
 * backslash-escapes inside single quotes, which the shell does not undo.
 */
export function shellWord(text: string): string {
  return PLAIN_WORD.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

export interface ReproduceSpec {
  /** What runs: a runner in a project, or a workflow version ("project/name@sha256:..."). */
  target: { runner: string; project: string } | { workflow: string };
  /** In role order; `ref` is null for a version the reader may not see. */
  inputs: ReadonlyArray<{ role: string; ref: string | null }>;
  config: unknown;
  seed: number;
}

/** `evalhub run RUNNER|WORKFLOW --input role=REF ... [--config JSON] --seed N [--project P]`. */
export function reproduceCommand(spec: ReproduceSpec): string {
  const words = ['evalhub', 'run'];
  words.push('runner' in spec.target ? spec.target.runner : spec.target.workflow);
  for (const input of spec.inputs)
    words.push('--input', `${input.role}=${input.ref ?? '<a version you may not see>'}`);
  if ('runner' in spec.target) words.push('--config', canonicalJson(spec.config));
  words.push('--seed', String(spec.seed));
  if ('runner' in spec.target) words.push('--project', spec.target.project);
  return words.map(shellWord).join(' ');
}

/**
 * The command of each run (null for one the actor cannot see), in one statement. A run
 * imported from another tool was not executed here: its command is a shell comment saying so.
 */
export async function reproduceCommands(
  ctx: ServiceContext,
  runIds: readonly string[],
): Promise<Array<string | null>> {
  const workflowProjects = alias(projects, 'workflow_projects');
  const inputProjects = alias(projects, 'input_projects');
  const rows = await ctx.db
    .select({
      run: {
        id: runs.id,
        runnerId: runs.runnerId,
        source: runs.source,
        config: runs.config,
        seed: runs.seed,
      },
      project: projects.slug,
      workflowName: workflows.name,
      workflowProject: workflowProjects.slug,
      workflowDigest: workflowVersions.digest,
      role: runInputs.role,
      modelVersionId: modelVersions.id,
      versionId: sql<string | null>`coalesce(${modelVersions.id}, ${datasetVersions.id})`,
      digest: sql<string | null>`coalesce(${modelVersions.digest}, ${datasetVersions.digest})`,
      name: sql<string | null>`coalesce(${models.name}, ${datasets.name})`,
      inputProject: inputProjects.slug,
    })
    .from(runs)
    .innerJoin(projects, eq(projects.id, runs.projectId))
    .leftJoin(
      workflowVersions,
      and(eq(workflowVersions.id, runs.workflowVersionId), eq(runs.runnerId, WORKFLOW_RUNNER)),
    )
    .leftJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .leftJoin(workflowProjects, eq(workflowProjects.id, workflows.projectId))
    .leftJoin(runInputs, eq(runInputs.runId, runs.id))
    .leftJoin(modelVersions, eq(modelVersions.id, runInputs.modelVersionId))
    .leftJoin(models, eq(models.id, modelVersions.modelId))
    .leftJoin(datasetVersions, eq(datasetVersions.id, runInputs.datasetVersionId))
    .leftJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .leftJoin(
      inputProjects,
      eq(inputProjects.id, sql`coalesce(${models.projectId}, ${datasets.projectId})`),
    )
    .where(and(inArray(runs.id, [...runIds]), visibleProjects(ctx.actor, runs.projectId)))
    .orderBy(asc(runInputs.role), asc(runInputs.position));
  const byRun = Map.groupBy(rows, (row) => row.run.id);
  return runIds.map((id) => {
    const group = byRun.get(id);
    if (!group) return null;
    const [{ run, project, workflowName, workflowProject, workflowDigest }] = group as [
      (typeof group)[number],
    ];
    if (run.source !== 'hub')
      return `# imported from ${run.source}: evalhub did not execute this run, so no command repeats it`;
    const declared = ctx.runners.get(run.runnerId)?.inputs.map((role) => role.role);
    const inputs = group.flatMap((row) => {
      if (row.role === null) return [];
      const visible = row.inputProject !== null && mayAccessProject(ctx.actor, row.inputProject);
      // A role the runner does not declare (the command runner takes any) needs the
      // version's kind, which a global id carries and "project/name@digest" does not.
      const undeclared =
        declared && run.runnerId !== WORKFLOW_RUNNER && !declared.includes(row.role);
      const type = row.modelVersionId ? 'ModelVersion' : 'DatasetVersion';
      const ref = !visible
        ? null
        : undeclared
          ? encodeGlobalId(type, row.versionId!)
          : `${row.inputProject}/${row.name}@${row.digest}`;
      return [{ role: row.role, ref }];
    });
    const target =
      run.runnerId === WORKFLOW_RUNNER && workflowDigest
        ? { workflow: `${workflowProject}/${workflowName}@${workflowDigest}` }
        : { runner: run.runnerId, project };
    return reproduceCommand({ target, inputs, config: run.config, seed: run.seed });
  });
}
