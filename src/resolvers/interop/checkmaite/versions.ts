// The model and dataset versions a checkmaite record's MAITE ids stand for. checkmaite knows
// a dataset or model by its MAITE id only, never by content; the hub links that id to a
// version registered with it in its metadata (`metadata.id`, as MAITE's own metadata has
// it), or else records a placeholder version whose digest is of the id alone.

import { and, desc, eq, sql } from 'drizzle-orm';
import { newId } from '../../../db/ids.ts';
import type { Transaction } from '../../../db/rows.ts';
import { datasets, datasetVersions, models, modelVersions } from '../../../db/schema.ts';
import type { Actor } from '../../core/actor.ts';
import { recordAudit } from '../../core/audit.ts';
import { canonicalDigest } from '../../core/sha256.ts';
import type { ProjectRow } from '../../registry/projects.ts';
import { hubNameFor } from '../openlineage/facets.ts';
import { CHECKMAITE_SOURCE, labelsOf, type MaiteComponent } from './record.ts';

export type VersionKind = 'MODEL_VERSION' | 'DATASET_VERSION';

export interface LinkedVersion {
  kind: VersionKind;
  id: string;
  /** "name@version", for the run's record of what it linked. */
  label: string;
  /** Whether a registered version had the MAITE id, or a placeholder stands in. */
  match: 'registered' | 'placeholder';
}

/** The label of a placeholder version (told apart by its digest if a registered one took it). */
const PLACEHOLDER_LABEL = 'maite';

function tablesOf(kind: VersionKind) {
  return kind === 'MODEL_VERSION'
    ? { item: models, version: modelVersions, parent: modelVersions.modelId, noun: 'model' }
    : {
        item: datasets as unknown as typeof models,
        version: datasetVersions as unknown as typeof modelVersions,
        parent: datasetVersions.datasetId as unknown as typeof modelVersions.modelId,
        noun: 'dataset',
      };
}

/** The digest of a placeholder: of the MAITE id alone, as checkmaite identifies it. */
function placeholderDigest(kind: VersionKind, id: string): string {
  return canonicalDigest({
    source: CHECKMAITE_SOURCE,
    kind: kind === 'MODEL_VERSION' ? 'model' : 'dataset',
    id,
  });
}

/**
 * The newest version in `project` registered with `metadata.id` equal to the MAITE id;
 * placeholders are not registered versions, so a version registered later wins over them.
 */
async function registeredVersion(
  tx: Transaction,
  kind: VersionKind,
  project: ProjectRow,
  maiteId: string,
): Promise<LinkedVersion | null> {
  const { item, version, parent } = tablesOf(kind);
  const [row] = await tx
    .select({ id: version.id, version: version.version, name: item.name })
    .from(version)
    .innerJoin(item, eq(item.id, parent))
    .where(
      and(
        eq(item.projectId, project.id),
        sql`${version.metadata}->>'id' = ${maiteId}`,
        sql`(${version.metadata}->'checkmaite'->>'placeholder') is distinct from 'true'`,
      ),
    )
    .orderBy(desc(version.createdAt), desc(version.id))
    .limit(1);
  return row
    ? { kind, id: row.id, label: `${row.name}@${row.version}`, match: 'registered' }
    : null;
}

// Nothing here takes a row lock: an import holds the audit chain's lock from its first
// audit record on, and a row lock waited for while holding it could deadlock with another
// import. Concurrent makers of one row meet at its unique index instead.

/** The model or dataset named after the MAITE id, made (for `task`) if missing. */
async function ensureItem(
  tx: Transaction,
  actor: Actor,
  kind: VersionKind,
  project: ProjectRow,
  maiteId: string,
  task: string,
): Promise<{ id: string; name: string }> {
  const { item, noun } = tablesOf(kind);
  const name = hubNameFor(maiteId);
  const named = and(eq(item.projectId, project.id), eq(item.name, name));
  const [known] = await tx.select({ id: item.id }).from(item).where(named);
  if (known) return { id: known.id, name };
  const [inserted] = await tx
    .insert(item)
    .values({
      id: newId(),
      projectId: project.id,
      name,
      task,
      description: `MAITE ${noun} "${maiteId}", known from checkmaite runs`,
    })
    .onConflictDoNothing({ target: [item.projectId, item.name] })
    .returning({ id: item.id });
  if (!inserted) {
    const [raced] = await tx.select({ id: item.id }).from(item).where(named);
    return { id: raced!.id, name };
  }
  await recordAudit(tx, actor, {
    action: `${noun}.import`,
    projectId: project.id,
    targetType: kind === 'MODEL_VERSION' ? 'Model' : 'Dataset',
    targetId: inserted.id,
    details: { name, source: CHECKMAITE_SOURCE, maiteId },
  });
  return { id: inserted.id, name };
}

/** The placeholder version of a MAITE id, made if missing. */
async function placeholderVersion(
  tx: Transaction,
  actor: Actor,
  kind: VersionKind,
  project: ProjectRow,
  component: MaiteComponent,
  task: string,
): Promise<LinkedVersion> {
  const { version, parent, noun } = tablesOf(kind);
  const item = await ensureItem(tx, actor, kind, project, component.id, task);
  const digest = placeholderDigest(kind, component.id);
  const found = async () => {
    const [row] = await tx
      .select({ id: version.id, version: version.version })
      .from(version)
      .where(and(eq(parent, item.id), eq(version.digest, digest)));
    return (
      row &&
      ({ kind, id: row.id, label: `${item.name}@${row.version}`, match: 'placeholder' } as const)
    );
  };
  const uri = `urn:maite:${noun}:${encodeURIComponent(component.id)}`;
  // A label another version holds is told apart by the digest.
  for (const label of [PLACEHOLDER_LABEL, `${PLACEHOLDER_LABEL}~${digest.slice(7, 15)}`]) {
    const known = await found();
    if (known) return known;
    const values = {
      id: newId(),
      version: label,
      uri,
      format: 'OTHER',
      digest,
      sizeBytes: null,
      metadata: { ...component, checkmaite: { placeholder: true } },
      labels: labelsOf(component.index2label),
      createdBy: actor.id,
    };
    const [inserted] =
      kind === 'MODEL_VERSION'
        ? await tx
            .insert(modelVersions)
            .values({ ...values, modelId: item.id })
            .onConflictDoNothing()
            .returning({ id: modelVersions.id })
        : await tx
            .insert(datasetVersions)
            .values({ ...values, datasetId: item.id })
            .onConflictDoNothing()
            .returning({ id: datasetVersions.id });
    if (!inserted) continue;
    await recordAudit(tx, actor, {
      action: `${noun}.version.import`,
      projectId: project.id,
      targetType: kind === 'MODEL_VERSION' ? 'ModelVersion' : 'DatasetVersion',
      targetId: inserted.id,
      details: { version: label, digest, uri, source: CHECKMAITE_SOURCE, maiteId: component.id },
    });
    return { kind, id: inserted.id, label: `${item.name}@${label}`, match: 'placeholder' };
  }
  const known = await found();
  if (!known) throw new Error(`no label left for the placeholder of MAITE id ${component.id}`);
  return known;
}

/**
 * The version a record's MAITE metadata entry stands for in `project`: a registered one with
 * that id, else its placeholder (made, under a model or dataset named after the id and
 * registered for `task`, if missing).
 */
export async function linkMaiteComponent(
  tx: Transaction,
  actor: Actor,
  kind: VersionKind,
  project: ProjectRow,
  component: MaiteComponent,
  task: string,
): Promise<LinkedVersion> {
  return (
    (await registeredVersion(tx, kind, project, component.id)) ??
    placeholderVersion(tx, actor, kind, project, component, task)
  );
}
