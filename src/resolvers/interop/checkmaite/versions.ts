// The model and dataset versions a checkmaite record's MAITE ids stand for. checkmaite knows
// a dataset or model by its MAITE id only, never by content; the hub links that id to a
// version registered with it in its metadata (`metadata.id`, as MAITE's own metadata has
// it), or else records a placeholder version whose digest is of the id alone.

import { and, eq, sql } from 'drizzle-orm';
import type { Transaction } from '../../../db/rows.ts';
import type { VersionKind } from '../../../runners/contract.ts';
import type { Actor } from '../../core/actor.ts';
import { canonicalDigest } from '../../core/sha256.ts';
import {
  ensureImportedEntry,
  ensureImportedVersion,
  type ImportedVersion,
} from '../../registry/imports.ts';
import type { ProjectRow } from '../../registry/projects.ts';
import { versionCatalogue } from '../../registry/version-catalogue.ts';
import { selectVersions } from '../../registry/version-queries.ts';
import { hubNameFor } from '../openlineage/facets.ts';
import { CHECKMAITE_SOURCE, labelsOf, type MaiteComponent } from './record.ts';

export interface LinkedVersion extends ImportedVersion {
  /** Whether a registered version had the MAITE id, or a placeholder stands in. */
  match: 'registered' | 'placeholder';
}

/** The label of a placeholder version (told apart by its digest if a registered one took it). */
const PLACEHOLDER_LABEL = 'maite';

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
  const found = await selectVersions(tx, kind, null, ({ table, entries }) =>
    and(
      eq(entries.projectId, project.id),
      sql`${table.metadata}->>'id' = ${maiteId}`,
      sql`(${table.metadata}->'checkmaite'->>'placeholder') is distinct from 'true'`,
    ),
  );
  const newest = found.sort(
    (a, b) =>
      b.version.createdAt.getTime() - a.version.createdAt.getTime() ||
      (a.version.id < b.version.id ? 1 : -1),
  )[0];
  return newest
    ? {
        kind,
        id: newest.version.id,
        label: `${newest.entry.name}@${newest.version.version}`,
        match: 'registered',
      }
    : null;
}

/** The placeholder version of a MAITE id, under a model or dataset named after it, made if missing. */
async function placeholderVersion(
  tx: Transaction,
  actor: Actor,
  kind: VersionKind,
  project: ProjectRow,
  component: MaiteComponent,
  task: string,
): Promise<LinkedVersion> {
  const { catalogue } = versionCatalogue(kind);
  const origin = { source: CHECKMAITE_SOURCE, details: { maiteId: component.id } };
  const entry = await ensureImportedEntry(
    tx,
    actor,
    catalogue,
    project,
    {
      name: hubNameFor(component.id),
      task,
      description: `MAITE ${catalogue.entity} "${component.id}", known from checkmaite runs`,
    },
    origin,
  );
  const version = await ensureImportedVersion(
    tx,
    actor,
    {
      kind,
      entry,
      label: PLACEHOLDER_LABEL,
      digest: placeholderDigest(kind, component.id),
      uri: `urn:maite:${catalogue.entity}:${encodeURIComponent(component.id)}`,
      format: 'OTHER',
      sizeBytes: null,
      metadata: { ...component, checkmaite: { placeholder: true } },
      labels: labelsOf(component.index2label),
    },
    origin,
  );
  return { ...version, match: 'placeholder' };
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
