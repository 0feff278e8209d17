import { modelTrainingData } from '../../db/schema.ts';
import { resolveContent } from '../content/resolve.ts';
import type { ServiceContext } from '../core/context.ts';
import { ValidationError } from '../core/errors.ts';
import { findEntry, modelCatalogue } from './catalogue.ts';
import {
  type PendingRegistration,
  queueContentRegistration,
  type RegistrationJob,
} from './content-registrations.ts';
import { labelsFromIndex2Label, parseMetadata } from './metadata.ts';
import { modelSignatureOf } from './model-signature.ts';
import { requireRoleInProject } from './projects.ts';
import type { DatasetVersionRow, ModelVersionRow } from './version-catalogue.ts';
import { findVersion, insertVersion } from './versions.ts';

export type ModelFormat = 'ONNX' | 'ENDPOINT' | 'PREDICTIONS' | 'OTHER';

export interface RegisterModelVersionInput {
  model: string;
  version?: string | null | undefined;
  uri: string;
  format: ModelFormat;
  digest?: string | null | undefined;
  metadata?: unknown;
  /** TRAINED_ON: dataset versions it was trained or fine-tuned on. */
  trainedOn?: readonly string[] | null | undefined;
}

/**
 * Registers a model version; local content over the policy's inline limit is queued to be
 * hashed in the background (PendingRegistration), where this runs again as `job`.
 */
export async function registerModelVersion(
  ctx: ServiceContext,
  input: RegisterModelVersionInput,
  job?: RegistrationJob,
): Promise<{ version: ModelVersionRow; created: boolean } | PendingRegistration> {
  const model = await findEntry(ctx.db, ctx.actor, modelCatalogue, input.model, ['input', 'model']);
  await requireRoleInProject(
    ctx.db,
    ctx.actor,
    model.projectId,
    'contributor',
    'registering a model version',
  );
  const metadata = parseMetadata(input.metadata, ['input', 'metadata']);
  const labels = labelsFromIndex2Label(metadata, ['input', 'metadata']);
  const trainedOn = await Promise.all(
    (input.trainedOn ?? []).map((ref, i) =>
      findVersion<DatasetVersionRow>(ctx.db, ctx.actor, 'DATASET_VERSION', ref, [
        'input',
        'trainedOn',
        String(i),
      ]),
    ),
  );
  if (input.format === 'ENDPOINT' && !/^https?:\/\//.test(input.uri)) {
    throw new ValidationError('an ENDPOINT model has an http(s) uri', ['input', 'uri']);
  }
  const shape = input.format === 'ONNX' || input.format === 'PREDICTIONS' ? 'file' : 'either';
  const content = await resolveContent(
    {
      actor: ctx.actor,
      policy: ctx.localContent,
      project: { db: ctx.db, id: model.projectId },
      signal: ctx.signal,
      background: job,
    },
    input.uri,
    input.digest,
    ['input'],
    shape,
    input.format,
  );
  if ('large' in content)
    return queueContentRegistration(
      ctx,
      'MODEL_VERSION',
      model.projectId,
      input,
      content.sizeBytes,
    );
  // Read before the transaction: a refused file writes nothing.
  const signature = await modelSignatureOf(ctx, input.format, content, ['input', 'uri']);
  return insertVersion<ModelVersionRow>(
    ctx,
    'MODEL_VERSION',
    model,
    {
      label: input.version ?? null,
      format: input.format,
      content,
      metadata,
      extra: { labels, signature },
    },
    async (tx, versionId) => {
      const datasetVersionIds = [...new Set(trainedOn.map((v) => v.id))];
      if (datasetVersionIds.length) {
        await tx.insert(modelTrainingData).values(
          datasetVersionIds.map((datasetVersionId) => ({
            modelVersionId: versionId,
            datasetVersionId,
          })),
        );
      }
    },
    job?.settle,
  );
}
