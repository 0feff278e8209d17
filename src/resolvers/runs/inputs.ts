// The versions a run uses: checked against the runner's input roles before anything is
// queued, and resolved for the runner when it executes.

import { fileURLToPath } from 'node:url';
import { asc, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import {
  datasets,
  datasetVersions,
  models,
  modelVersions,
  projects,
  runInputs,
} from '../../db/schema.ts';
import type { ResolvedInput, RunnerModule, VersionKind } from '../../runners/contract.ts';
import { checkReadableContent } from '../content/resolve.ts';
import { CONTENT_URI, storedPath } from '../content/store.ts';
import type { Actor } from '../core/actor.ts';
import type { ServiceContext } from '../core/context.ts';
import { ValidationError } from '../core/errors.ts';
import { decodeGlobalId } from '../core/global-id.ts';
import { versionKindOf } from '../registry/version-catalogue.ts';
import { findVersion, findVersionInContext } from '../registry/versions.ts';

export interface RunInputRequest {
  role: string;
  /** A version id, or "project/name@version". */
  version: string;
  /** Needed only for a "project/name@version" reference to a runner that takes any role. */
  kind?: VersionKind | null | undefined;
}

export interface CheckedInput {
  role: string;
  position: number;
  kind: VersionKind;
  versionId: string;
  digest: string;
  format: string;
}

/**
 * Resolves and checks a run's inputs against its runner's roles, and that the hub may read
 * each one's content for the actor (checkReadableContent); throws ValidationError.
 */
export async function checkRunInputs(
  ctx: ServiceContext,
  runner: RunnerModule,
  requested: readonly RunInputRequest[],
  path: string[],
): Promise<CheckedInput[]> {
  const roles = new Map(runner.inputs.map((role) => [role.role, role]));
  const positions = new Map<string, number>();
  const checked: CheckedInput[] = [];
  for (const [i, input] of requested.entries()) {
    const where = [...path, String(i)];
    const role = roles.get(input.role);
    if (!role && !runner.anyRole) {
      const known = [...roles.keys()].join(', ') || 'none';
      throw new ValidationError(
        `${runner.id} takes no input role ${input.role} (its roles: ${known})`,
        [...where, 'role'],
      );
    }
    const decoded = decodeGlobalId(input.version);
    const kind = role?.kind ?? input.kind ?? versionKindOf(decoded?.type);
    if (!kind) {
      throw new ValidationError(
        'say whether this input is a MODEL_VERSION or a DATASET_VERSION (kind)',
        [...where, 'kind'],
      );
    }
    const { version, project } = await findVersionInContext(
      ctx.db,
      ctx.actor,
      kind,
      input.version,
      [...where, 'version'],
    );
    if (role?.formats && !role.formats.includes(version.format)) {
      throw new ValidationError(
        `${runner.id} reads ${input.role} in ${role.formats.join(' or ')}, not ${version.format}`,
        [...where, 'version'],
      );
    }
    await checkReadableContent(
      { actor: ctx.actor, policy: ctx.localContent, project: { db: ctx.db, id: project.id } },
      version.uri,
      [...where, 'version'],
    );
    const position = positions.get(input.role) ?? 0;
    if (position > 0 && role && !role.multiple) {
      throw new ValidationError(`${runner.id} takes one ${input.role}`, [...where, 'role']);
    }
    positions.set(input.role, position + 1);
    checked.push({
      role: input.role,
      position,
      kind,
      versionId: version.id,
      digest: version.digest,
      format: version.format,
    });
  }
  for (const role of runner.inputs) {
    if (!role.optional && !positions.has(role.role)) {
      throw new ValidationError(`${runner.id} needs a ${role.role} (${role.kind})`, path);
    }
  }
  return checked;
}

/** The version a run input names, as the run records it. */
export async function resolveInputVersion(
  db: Queryable,
  actor: Actor,
  kind: VersionKind,
  ref: string,
  path: string[],
): Promise<Pick<CheckedInput, 'versionId' | 'digest' | 'format'>> {
  const version = await findVersion(db, actor, kind, ref, path);
  return { versionId: version.id, digest: version.digest, format: version.format };
}

/** Where a version's content is on this machine: a local file, or in the hub's store. */
function localPath(uri: string, contentStore: string | null | undefined): string | null {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  const uploaded = CONTENT_URI.exec(uri);
  return uploaded && contentStore ? storedPath(contentStore, uploaded[1]!) : null;
}

/** The inputs of a stored run, as its runner receives them; `contentStore`: EVALHUB_STORE_DIR. */
export async function loadResolvedInputs(
  db: Queryable,
  runId: string,
  contentStore: string | null | undefined,
): Promise<Record<string, ResolvedInput[]>> {
  const rows = await db
    .select({
      role: runInputs.role,
      modelVersion: modelVersions,
      modelName: models.name,
      datasetVersion: datasetVersions,
      datasetName: datasets.name,
      project: projects.slug,
    })
    .from(runInputs)
    .leftJoin(modelVersions, eq(modelVersions.id, runInputs.modelVersionId))
    .leftJoin(models, eq(models.id, modelVersions.modelId))
    .leftJoin(datasetVersions, eq(datasetVersions.id, runInputs.datasetVersionId))
    .leftJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .innerJoin(projects, eq(projects.id, sql`coalesce(${models.projectId}, ${datasets.projectId})`))
    .where(eq(runInputs.runId, runId))
    .orderBy(asc(runInputs.role), asc(runInputs.position));
  const inputs: Record<string, ResolvedInput[]> = {};
  for (const row of rows) {
    const version = row.modelVersion ?? row.datasetVersion!;
    const name = row.modelName ?? row.datasetName!;
    const resolved: ResolvedInput = {
      role: row.role,
      kind: row.modelVersion ? 'MODEL_VERSION' : 'DATASET_VERSION',
      id: version.id,
      ref: `${row.project}/${name}@${version.version}`,
      digest: version.digest,
      uri: version.uri,
      localPath: localPath(version.uri, contentStore),
      format: version.format,
      metadata: version.metadata as Record<string, unknown>,
      labels: version.labels,
      itemCount: row.datasetVersion?.itemCount ?? null,
    };
    inputs[row.role] = [...(inputs[row.role] ?? []), resolved];
  }
  return inputs;
}
