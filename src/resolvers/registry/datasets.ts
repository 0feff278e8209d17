import { resolveContent } from '../content/resolve.ts';
import type { ServiceContext } from '../core/context.ts';
import { ValidationError } from '../core/errors.ts';
import { datasetCatalogue, findEntry } from './catalogue.ts';
import {
  type PendingRegistration,
  queueContentRegistration,
  type RegistrationJob,
} from './content-registrations.ts';
import { inspectDataset } from './dataset-inspection.ts';
import { labelsFromIndex2Label, parseMetadata } from './metadata.ts';
import { requireRoleInProject } from './projects.ts';
import type { DatasetVersionRow } from './version-catalogue.ts';
import { findVersion, insertVersion } from './versions.ts';

export type DatasetFormat = 'IMAGE_FOLDER' | 'COCO' | 'CSV' | 'JSONL' | 'OTHER';

export interface RegisterDatasetVersionInput {
  dataset: string;
  version?: string | null | undefined;
  uri: string;
  format: DatasetFormat;
  digest?: string | null | undefined;
  metadata?: unknown;
  derivedFrom?: { datasetVersion: string; transform?: unknown } | null | undefined;
}

/**
 * Registers a dataset version; local content over the policy's inline limit is queued to be
 * hashed in the background (PendingRegistration), where this runs again as `job`.
 */
export async function registerDatasetVersion(
  ctx: ServiceContext,
  input: RegisterDatasetVersionInput,
  job?: RegistrationJob,
): Promise<{ version: DatasetVersionRow; created: boolean } | PendingRegistration> {
  const dataset = await findEntry(ctx.db, ctx.actor, datasetCatalogue, input.dataset, [
    'input',
    'dataset',
  ]);
  await requireRoleInProject(
    ctx.db,
    ctx.actor,
    dataset.projectId,
    'contributor',
    'registering a dataset version',
  );
  const metadata = parseMetadata(input.metadata, ['input', 'metadata']);
  const declaredLabels = labelsFromIndex2Label(metadata, ['input', 'metadata']);
  let derivedFrom: { derivedFromId: string; transform: unknown } | null = null;
  if (input.derivedFrom) {
    const path = ['input', 'derivedFrom'];
    const source = await findVersion<DatasetVersionRow>(
      ctx.db,
      ctx.actor,
      'DATASET_VERSION',
      input.derivedFrom.datasetVersion,
      [...path, 'datasetVersion'],
    );
    const transform = input.derivedFrom.transform;
    if (transform == null || typeof transform !== 'object' || Array.isArray(transform)) {
      throw new ValidationError(
        'transform is a JSON object naming the transform and its parameters',
        [...path, 'transform'],
      );
    }
    derivedFrom = { derivedFromId: source.id, transform };
  }
  const shape = {
    IMAGE_FOLDER: 'folder',
    COCO: 'file',
    CSV: 'file',
    JSONL: 'file',
    OTHER: 'either',
  } as const;
  const content = await resolveContent(
    {
      actor: ctx.actor,
      policy: ctx.localContent,
      project: { db: ctx.db, id: dataset.projectId },
      signal: ctx.signal,
      background: job,
    },
    input.uri,
    input.digest,
    ['input'],
    shape[input.format],
    input.format,
  );
  if ('large' in content)
    return queueContentRegistration(
      ctx,
      'DATASET_VERSION',
      dataset.projectId,
      input,
      content.sizeBytes,
    );
  const summary = content.localPath
    ? await inspectDataset(input.format, content.localPath, metadata, ['input', 'uri'])
    : { itemCount: null, labels: null };
  return insertVersion<DatasetVersionRow>(
    ctx,
    'DATASET_VERSION',
    dataset,
    {
      label: input.version ?? null,
      format: input.format,
      content,
      metadata,
      extra: {
        itemCount: summary.itemCount,
        labels: declaredLabels ?? summary.labels,
        ...derivedFrom,
      },
    },
    undefined,
    job?.settle,
  );
}
