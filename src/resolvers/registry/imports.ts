// Entries and versions that imports (OpenLineage events, checkmaite records) record: what
// another tool ran on, found by name or content, made if missing.
//
// Nothing here takes a row lock: an import holds the audit chain's lock from its first audit
// record on, and a row lock waited for while holding it could deadlock with another import.
// Two makers of one row meet at its unique index instead, and the loser reads the winner's.
import { and, eq } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Transaction } from '../../db/rows.ts';
import type { datasets, datasetVersions } from '../../db/schema.ts';
import type { VersionKind } from '../../runners/contract.ts';
import type { Actor } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import type { Catalogue, CatalogueRow } from './catalogue.ts';
import type { ProjectRow } from './projects.ts';
import { versionCatalogue } from './version-catalogue.ts';

/** Where an import came from, for its audit records: `source` and what identifies it there. */
export interface ImportOrigin {
  source: string;
  details?: Record<string, unknown>;
}

/** The entry named `name` in `project`, made (with `fields`) if missing. */
export async function ensureImportedEntry(
  tx: Transaction,
  actor: Actor,
  catalogue: Catalogue,
  project: ProjectRow,
  fields: { name: string; description: string; task?: string },
  origin: ImportOrigin,
): Promise<CatalogueRow> {
  const table = catalogue.table as typeof datasets;
  const named = and(eq(table.projectId, project.id), eq(table.name, fields.name));
  const [known] = await tx.select().from(table).where(named);
  if (known) return known;
  const [inserted] = await tx
    .insert(table)
    .values({
      id: newId(),
      projectId: project.id,
      name: fields.name,
      description: fields.description,
      ...(catalogue.hasTask ? { task: fields.task ?? 'OTHER' } : {}),
    } as typeof datasets.$inferInsert)
    .onConflictDoNothing({ target: [table.projectId, table.name] })
    .returning();
  if (!inserted) {
    const [raced] = await tx.select().from(table).where(named);
    return raced!;
  }
  await recordAudit(tx, actor, {
    action: `${catalogue.entity}.import`,
    projectId: project.id,
    targetType: catalogue.type,
    targetId: inserted.id,
    details: { name: fields.name, source: origin.source, ...origin.details },
  });
  return inserted;
}

/** A version as an import describes it; `label` is the label it would like. */
export interface ImportedVersionDraft {
  kind: VersionKind;
  entry: CatalogueRow;
  label: string;
  digest: string;
  uri: string;
  format: string;
  sizeBytes: number | null;
  labels: string[] | null;
  metadata: Record<string, unknown>;
  /** Dataset versions only. */
  itemCount?: number | null;
  derivedFromId?: string | null;
  transform?: Record<string, unknown> | null;
}

export interface ImportedVersion {
  kind: VersionKind;
  id: string;
  /** "name@version", for output names, finding titles and the run's record of its links. */
  label: string;
}

/**
 * The version of the draft's entry holding its digest, made if missing: under the label it
 * would like, or, when another content holds that label, under the label and the first
 * eight hex digits of the digest. An imported model is recorded as the other tool describes
 * it: the hub does not read its content here (it may be on another machine), so an ONNX
 * model version made by an import is not opened and has no signature.
 */
export async function ensureImportedVersion(
  tx: Transaction,
  actor: Actor,
  draft: ImportedVersionDraft,
  origin: ImportOrigin,
): Promise<ImportedVersion> {
  const { table, entryId, catalogue, type } = versionCatalogue(draft.kind);
  const found = async () => {
    const [row] = await tx
      .select({ id: table.id, version: table.version })
      .from(table)
      .where(and(eq(entryId, draft.entry.id), eq(table.digest, draft.digest)));
    return row && { kind: draft.kind, id: row.id, label: `${draft.entry.name}@${row.version}` };
  };
  for (const label of [draft.label, `${draft.label}~${draft.digest.slice(7, 15)}`]) {
    const known = await found();
    if (known) return known;
    const [inserted] = await tx
      .insert(table)
      .values({
        id: newId(),
        [draft.kind === 'MODEL_VERSION' ? 'modelId' : 'datasetId']: draft.entry.id,
        version: label,
        uri: draft.uri,
        format: draft.format,
        digest: draft.digest,
        sizeBytes: draft.sizeBytes,
        metadata: draft.metadata,
        labels: draft.labels,
        createdBy: actor.id,
        ...(draft.kind === 'DATASET_VERSION'
          ? {
              itemCount: draft.itemCount ?? null,
              derivedFromId: draft.derivedFromId ?? null,
              transform: draft.transform ?? null,
            }
          : {}),
      } as typeof datasetVersions.$inferInsert)
      .onConflictDoNothing()
      .returning({ id: table.id });
    if (!inserted) continue;
    await recordAudit(tx, actor, {
      action: `${catalogue.entity}.version.import`,
      projectId: draft.entry.projectId,
      targetType: type,
      targetId: inserted.id,
      details: {
        version: label,
        digest: draft.digest,
        uri: draft.uri,
        source: origin.source,
        ...origin.details,
      },
    });
    return { kind: draft.kind, id: inserted.id, label: `${draft.entry.name}@${label}` };
  }
  const known = await found();
  if (!known) throw new Error(`no label left for ${draft.entry.name} ${draft.digest}`);
  return known;
}
