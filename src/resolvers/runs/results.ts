// What runs produced: metrics, findings, artifacts.
import { and, eq } from 'drizzle-orm';
import type { RowRead } from '../../db/rows.ts';
import { artifacts, blobs, type findings, type metrics } from '../../db/schema.ts';
import { visibleProjects } from '../core/actor.ts';
import type { ServiceContext } from '../core/context.ts';

export type MetricRow = typeof metrics.$inferSelect;
/** A finding as services read it (rows.ts: its search vector stays in the database). */
export type FindingRow = RowRead<typeof findings>;
export type ArtifactRow = typeof artifacts.$inferSelect;

/** An artifact's bytes, if the actor may see it; null otherwise. */
export async function readArtifact(
  ctx: Pick<ServiceContext, 'db' | 'actor'>,
  id: string,
): Promise<{ artifact: ArtifactRow; bytes: Buffer } | null> {
  const [row] = await ctx.db
    .select({ artifact: artifacts, bytes: blobs.bytes })
    .from(artifacts)
    .innerJoin(blobs, eq(blobs.digest, artifacts.digest))
    .where(and(eq(artifacts.id, id), visibleProjects(ctx.actor, artifacts.projectId)));
  return row ? { artifact: row.artifact, bytes: Buffer.from(row.bytes) } : null;
}
