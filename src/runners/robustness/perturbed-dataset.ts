// A perturbed copy of the clean dataset, recorded as a dataset version derived from it: the
// transform names the perturbation, its parameter and seed, so the copy (and its digest) can
// be made again from the clean version.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Emitter, StoredDatasetOutput } from '../contract.ts';
import { type ImageFolder, readImageFolder } from '../images/image-folder.ts';
import { PERTURBATIONS, type PerturbationKind, perturbFolder } from '../images/perturbations.ts';

export interface PerturbedVersion {
  stored: StoredDatasetOutput;
  /** The copy as stored by the hub, read with the clean dataset's labels. */
  folder: ImageFolder;
}

export interface PerturbContext {
  emit: Emitter;
  workDir: string;
  seed: number;
  signal: AbortSignal;
}

/**
 * Writes `clean` perturbed by `kind` at `severity` (see perturbFolder), has the hub record it
 * as a version derived from the 'dataset' input, and reads it back from the hub's store.
 */
export async function recordPerturbedVersion(
  context: PerturbContext,
  clean: ImageFolder,
  kind: PerturbationKind,
  severity: number,
): Promise<PerturbedVersion> {
  const { emit, workDir, seed, signal } = context;
  const name = `${kind}-${severity}`;
  const path = join(workDir, 'perturbed', name);
  const written = await perturbFolder(clean.root, path, kind, severity, seed, { signal });
  const stored = await emit.datasetOutput({
    name,
    path,
    format: 'IMAGE_FOLDER',
    derivedFrom: 'dataset',
    transform: {
      name: kind,
      parameter: severity,
      parameterMeaning: PERTURBATIONS[kind].parameter,
      seed,
      implementation: `evalhub perturbFolder; sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`,
    },
    labels: clean.labels,
    itemCount: written.images.length,
  });
  // The hub has its own copy now; ours would only fill the scratch disk.
  await rm(path, { recursive: true, force: true });
  const folder = await readImageFolder(stored.localPath, clean.labels);
  if (folder.items.length !== clean.items.length) {
    throw new Error(
      `the perturbed copy ${stored.ref} has ${folder.items.length} images, the clean dataset ${clean.items.length}`,
    );
  }
  return { stored, folder };
}
