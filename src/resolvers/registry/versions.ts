// Registering an immutable, content-addressed version of a model or dataset: identical
// content returns the version already recorded; new content under a used label is refused.
import { and, eq, or } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Queryable, Transaction } from '../../db/rows.ts';
import { type datasetVersions, projects } from '../../db/schema.ts';
import type { VersionKind } from '../../runners/contract.ts';
import type { ResolvedContent } from '../content/resolve.ts';
import type { Actor } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { parseRef } from '../core/refs.ts';
import type { CatalogueRow } from './catalogue.ts';
import type { Metadata } from './metadata.ts';
import { type VersionRow, versionCatalogue } from './version-catalogue.ts';
import { selectVersions, type VersionInContext } from './version-queries.ts';

const LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,127}$/;

export function checkVersionLabel(label: string, path: string[]): void {
  if (!LABEL_PATTERN.test(label)) {
    throw new ValidationError(
      'a version label starts with a letter or digit and has letters, digits and . _ + ~ - (at most 128)',
      path,
    );
  }
}

export interface VersionDraft {
  label: string | null;
  format: string;
  content: ResolvedContent;
  metadata: Metadata;
  /** Columns only this kind has (labels, item count, derived-from...). */
  extra: Record<string, unknown>;
}

/**
 * Registers a version of `parent`: the version already holding this content if there is one,
 * else a new one under the draft's label (or the next free vN). New content under a label
 * already in use is refused.
 */
export async function insertVersion<Row extends VersionRow>(
  ctx: ServiceContext,
  kind: VersionKind,
  parent: CatalogueRow,
  draft: VersionDraft,
  afterInsert?: (tx: Transaction, versionId: string) => Promise<void>,
  /** In the same transaction, with the version registered (new or already there). */
  settle?: (tx: Transaction, versionId: string, created: boolean) => Promise<void>,
): Promise<{ version: Row; created: boolean }> {
  const versions = versionCatalogue(kind);
  const { table, entryId: parentId, entries: parentTable } = versions;
  if (draft.label !== null) checkVersionLabel(draft.label, ['input', 'version']);
  return ctx.db.transaction(async (tx) => {
    // Serialise registrations under one parent, so labels and digests are checked against
    // everything committed before.
    await tx
      .select({ id: parentTable.id })
      .from(parentTable)
      .where(eq(parentTable.id, parent.id))
      .for('update');
    const clash = await tx
      .select()
      .from(table)
      .where(
        and(
          eq(parentId, parent.id),
          or(
            eq(table.digest, draft.content.digest),
            draft.label ? eq(table.version, draft.label) : undefined,
          ),
        ),
      );
    const same = clash.find((row) => row.digest === draft.content.digest);
    if (same) {
      await settle?.(tx, same.id, false);
      return { version: same as Row, created: false };
    }
    const taken = clash[0];
    if (taken) {
      throw new ConflictError(
        `${parent.name}@${taken.version} already holds other content (${taken.digest})`,
        { type: versions.type, id: taken.id },
      );
    }
    const label = draft.label ?? (await nextLabel(tx, kind, parent.id));
    const [row] = await tx
      .insert(table)
      .values({
        id: newId(),
        [kind === 'MODEL_VERSION' ? 'modelId' : 'datasetId']: parent.id,
        version: label,
        uri: draft.content.uri,
        format: draft.format,
        digest: draft.content.digest,
        sizeBytes: draft.content.sizeBytes,
        metadata: draft.metadata,
        createdBy: ctx.actor.id,
        ...draft.extra,
      } as typeof datasetVersions.$inferInsert)
      .returning();
    await afterInsert?.(tx, row!.id);
    await tx
      .update(parentTable)
      .set({ updatedAt: new Date() })
      .where(eq(parentTable.id, parent.id));
    await recordAudit(tx, ctx.actor, {
      action: `${versions.catalogue.entity}.version.register`,
      projectId: parent.projectId,
      targetType: versions.type,
      targetId: row!.id,
      details: {
        [versions.catalogue.entity]: parent.id,
        version: label,
        digest: draft.content.digest,
        uri: draft.content.uri,
      },
    });
    await settle?.(tx, row!.id, true);
    return { version: row as Row, created: true };
  });
}

/** v1, v2, v3...: one more than the versions so far, skipping labels a caller already used. */
async function nextLabel(tx: Transaction, kind: VersionKind, parent: string): Promise<string> {
  const { table, entryId: parentId } = versionCatalogue(kind);
  const rows = await tx.select({ version: table.version }).from(table).where(eq(parentId, parent));
  const taken = new Set(rows.map((row) => row.version));
  let n = taken.size + 1;
  while (taken.has(`v${n}`)) n += 1;
  return `v${n}`;
}

/**
 * The version a caller names by global id or "project/name@version" (the version label,
 * or its digest), if the actor may see it, with its model or dataset and project.
 */
export async function findVersionInContext<Row extends VersionRow>(
  db: Queryable,
  actor: Actor,
  kind: VersionKind,
  ref: string,
  path: string[],
): Promise<VersionInContext<Row>> {
  const { type, entity } = versionCatalogue(kind);
  const parsed = parseRef(ref, [type], path, true);
  const [found] = await selectVersions<Row>(db, kind, actor, ({ table, entries }) =>
    parsed.kind === 'id'
      ? eq(table.id, parsed.id)
      : and(
          eq(projects.slug, parsed.project),
          eq(entries.name, parsed.name),
          parsed.version!.startsWith('sha256:')
            ? eq(table.digest, parsed.version!)
            : eq(table.version, parsed.version!),
        ),
  );
  if (!found) throw new NotFoundError(entity, ref);
  return found;
}

/** The version a caller names (as findVersionInContext), if the actor may see it. */
export async function findVersion<Row extends VersionRow>(
  db: Queryable,
  actor: Actor,
  kind: VersionKind,
  ref: string,
  path: string[],
): Promise<Row> {
  return (await findVersionInContext<Row>(db, actor, kind, ref, path)).version;
}
