// Findings about items an evaluation cannot use as they are: images without a class, images
// in a class the label set does not have, and files that cannot be decoded.
import type { FindingEmission } from '../contract.ts';

/** LABEL_PROBLEM (MEDIUM) for images directly in the root, which have no class. */
export function missingLabelFinding(
  ids: readonly string[],
  maxListed: number,
): FindingEmission | null {
  if (ids.length === 0) return null;
  return {
    kind: 'LABEL_PROBLEM',
    severity: 'MEDIUM',
    title: `${ids.length} images have no class`,
    summary:
      `${ids.length} images lie directly in the dataset folder, not in a class folder, so they ` +
      'have no label: evaluations leave them out. Move each into the folder of its class.',
    evidence: { problem: 'missing label', count: ids.length, items: ids.slice(0, maxListed) },
    subjectRole: 'dataset',
  };
}

/**
 * LABEL_PROBLEM (HIGH) for images in class folders outside the declared label set: an
 * evaluation refuses the dataset until the folder is renamed or the label set extended.
 */
export function unknownLabelFinding(
  items: ReadonlyArray<{ id: string; label: string }>,
  labelSet: readonly string[],
  maxListed: number,
): FindingEmission | null {
  if (items.length === 0) return null;
  const perClass: Record<string, number> = {};
  for (const item of items) perClass[item.label] = (perClass[item.label] ?? 0) + 1;
  const folders = Object.keys(perClass);
  return {
    kind: 'LABEL_PROBLEM',
    severity: 'HIGH',
    title: `${items.length} images are in classes outside the label set (${folders.join(', ')})`,
    summary:
      `The folders ${folders.map((f) => `${f}/`).join(', ')} hold ${items.length} images, but ` +
      `the dataset's label set is [${labelSet.join(', ')}]. Evaluations refuse the dataset ` +
      'until the folders are renamed or removed, or the label set lists them.',
    evidence: {
      problem: 'unknown class',
      count: items.length,
      unknownClasses: perClass,
      labelSet,
      items: items.slice(0, maxListed).map((item) => item.id),
    },
    subjectRole: 'dataset',
  };
}

/**
 * CORRUPT_IMAGE for images that cannot be decoded: HIGH for files the decoder rejects
 * (evaluations refuse them), MEDIUM when all are in a format it does not read (.bmp).
 */
export function corruptImageFinding(
  corrupt: ReadonlyArray<{ id: string; error: string }>,
  unsupported: readonly string[],
  maxListed: number,
): FindingEmission | null {
  const count = corrupt.length + unsupported.length;
  if (count === 0) return null;
  return {
    kind: 'CORRUPT_IMAGE',
    severity: corrupt.length ? 'HIGH' : 'MEDIUM',
    title: `${count} images cannot be decoded`,
    summary:
      `${corrupt.length} image files are damaged or not images at all, and ` +
      `${unsupported.length} are in a format the hub cannot decode (BMP). Evaluations ` +
      'refuse a damaged image: repair, convert or remove them.',
    evidence: {
      corruptCount: corrupt.length,
      unsupportedCount: unsupported.length,
      corrupt: corrupt.slice(0, maxListed),
      unsupported: unsupported.slice(0, maxListed),
    },
    subjectRole: 'dataset',
  };
}
