// Features of an image folder from its pixels: each image's statistics, or a model's
// embedding of it. Every image counts, with or without a class; labels come from the classes.
import type { ResolvedInput } from '../contract.ts';
import { RunnerInputError } from '../contract.ts';
import { type ImageFile, type ImageFolder, readImageFolderInput } from '../images/image-folder.ts';
import { imageStatistics } from '../images/image-statistics.ts';
import { mapImages } from '../images/image-work.ts';
import type { FeatureSet } from './feature-set.ts';

/** The image statistics compared, in this order. */
export const IMAGE_STATISTICS = ['width', 'height', 'brightness', 'contrast', 'sharpness'] as const;

export interface ImageFolderImages {
  folder: ImageFolder;
  /** Every decodable image, labelled or not, sorted by id. */
  images: ImageFile[];
  /** The labels of the labelled images, or null when the folder has no classes. */
  labels: string[] | null;
}

/** Reads an IMAGE_FOLDER version: all its images, and its labels. */
export async function folderImages(input: ResolvedInput): Promise<ImageFolderImages> {
  const folder = await readImageFolderInput(input);
  const images = [...folder.items, ...folder.unlabeled]
    .map(({ id, path }) => ({ id, path }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (images.length === 0) throw new RunnerInputError(`${input.ref} holds no images`);
  return {
    folder,
    images,
    labels: folder.items.length ? folder.items.map((item) => item.label) : null,
  };
}

/**
 * The statistics of every image of an IMAGE_FOLDER version as features: `features` of
 * IMAGE_STATISTICS when given, else all. An image that cannot be decoded is an error.
 */
export async function imageStatisticsFeatures(
  input: ResolvedInput,
  options: {
    features?: readonly string[];
    maxSide: number;
    signal: AbortSignal;
    onDone?: (done: number, total: number) => void;
  },
): Promise<FeatureSet> {
  const names = options.features ?? IMAGE_STATISTICS;
  const unknown = names.filter((name) => !(IMAGE_STATISTICS as readonly string[]).includes(name));
  if (unknown.length) {
    throw new RunnerInputError(
      `image statistics have no feature ${unknown.map((name) => `'${name}'`).join(', ')}; ` +
        `they are ${IMAGE_STATISTICS.join(', ')}`,
    );
  }
  const { images, labels } = await folderImages(input);
  const measured = await mapImages(
    images,
    (image) => imageStatistics(image.path, { maxSide: options.maxSide }),
    { signal: options.signal, onDone: (done) => options.onDone?.(done, images.length) },
  );
  return {
    names: [...names],
    columns: names.map((name) =>
      Float64Array.from(measured, (s) => s[name as (typeof IMAGE_STATISTICS)[number]]),
    ),
    rows: images.length,
    labels,
  };
}
