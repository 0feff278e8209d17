// USED and GENERATED: an event's inputs and outputs as the run's input and output links.

import { eq } from 'drizzle-orm';
import type { Transaction } from '../../../db/rows.ts';
import { runInputs, runOutputs } from '../../../db/schema.ts';
import type { Actor } from '../../core/actor.ts';
import type { ProjectRow } from '../../registry/projects.ts';
import { FACETS, type VersionFacet } from './facets.ts';
import type { RunEvent } from './run-event.ts';
import { versionOfDataset } from './versions.ts';

/** USED and GENERATED: the event's inputs and outputs, each recorded once. */
export async function recordEdges(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  runId: string,
  event: RunEvent,
) {
  const existing = await tx.select().from(runInputs).where(eq(runInputs.runId, runId));
  const used = new Set(existing.map((i) => i.modelVersionId ?? i.datasetVersionId));
  const positions = new Map<string, number>();
  for (const input of existing)
    positions.set(input.role, Math.max(positions.get(input.role) ?? 0, input.position + 1));
  for (const dataset of event.inputs ?? []) {
    const version = await versionOfDataset(tx, actor, project, dataset);
    if (used.has(version.id)) continue;
    used.add(version.id);
    const role = (dataset.facets?.[FACETS.version] as VersionFacet | undefined)?.role ?? 'input';
    const position = positions.get(role) ?? 0;
    positions.set(role, position + 1);
    await tx.insert(runInputs).values({
      runId,
      role,
      position,
      ...(version.kind === 'MODEL_VERSION'
        ? { modelVersionId: version.id }
        : { datasetVersionId: version.id }),
    });
  }
  for (const dataset of event.outputs ?? []) {
    const version = await versionOfDataset(tx, actor, project, dataset);
    const name =
      (dataset.facets?.[FACETS.version] as VersionFacet | undefined)?.output ?? version.label;
    await tx
      .insert(runOutputs)
      .values({
        runId,
        name,
        ...(version.kind === 'MODEL_VERSION'
          ? { modelVersionId: version.id }
          : { datasetVersionId: version.id }),
      })
      .onConflictDoNothing();
  }
}
