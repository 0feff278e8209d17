// The image files of a COCO ground truth, found and measured before a detector runs on them,
// so a missing file or a size that does not match the annotations fails the run at once.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { RunnerInputError } from '../contract.ts';
import type { ImageFile } from '../images/image-folder.ts';
import { mapImages } from '../images/image-work.ts';
import type { CocoDataset } from './coco-dataset.ts';

export interface CocoImageFile extends ImageFile {
  /** The COCO image id. */
  imageId: number;
  /** The image's size: the frame of its annotations, into which detections are mapped. */
  width: number;
  height: number;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Where a `file_name` is: under the images folder when given, else the dataset folder or its images/. */
async function locate(dataset: CocoDataset, fileName: string, imagesFolder?: string) {
  const places = imagesFolder
    ? [join(dataset.folder, imagesFolder)]
    : [dataset.folder, join(dataset.folder, 'images')];
  for (const place of places) {
    const path = join(place, fileName);
    if (await exists(path)) return path;
  }
  return null;
}

async function sizeOf(path: string): Promise<{ width: number; height: number }> {
  try {
    const { width, height } = await sharp(path).metadata();
    return { width, height };
  } catch (error) {
    throw new RunnerInputError(`cannot decode image ${path}: ${(error as Error).message}`);
  }
}

/**
 * Finds the file of every image of the ground truth (by `file_name`, relative to
 * `imagesFolder` under the dataset folder, or by default to the dataset folder or its images/
 * subfolder) and reads its size from its header. Throws RunnerInputError naming the images
 * without a file_name or a file, and an image whose size differs from the one declared.
 */
export async function locateCocoImages(
  dataset: CocoDataset,
  options: { imagesFolder?: string; signal?: AbortSignal } = {},
): Promise<CocoImageFile[]> {
  const unnamed = dataset.images.filter((image) => image.fileName === null);
  if (unnamed.length) {
    throw new RunnerInputError(
      `${unnamed.length} images of ${dataset.annotationFile} have no file_name (ids ${unnamed
        .slice(0, 5)
        .map((image) => image.id)
        .join(', ')}${unnamed.length > 5 ? ', ...' : ''}); a detector needs the image files`,
    );
  }
  const paths = await mapImages(
    dataset.images,
    (image) => locate(dataset, image.fileName!, options.imagesFolder),
    { signal: options.signal, concurrency: 16 },
  );
  const missing = dataset.images.filter((_, i) => paths[i] === null);
  if (missing.length) {
    const where = options.imagesFolder
      ? join(dataset.folder, options.imagesFolder)
      : `${dataset.folder} or its images/ folder`;
    throw new RunnerInputError(
      `${missing.length} image files of the ground truth are not in ${where}: ${missing
        .slice(0, 5)
        .map((image) => image.fileName)
        .join(', ')}${missing.length > 5 ? ', ...' : ''}`,
    );
  }
  return mapImages(
    dataset.images,
    async (image, i) => {
      const path = paths[i]!;
      const size = await sizeOf(path);
      if (
        (image.width !== null && image.width !== size.width) ||
        (image.height !== null && image.height !== size.height)
      ) {
        throw new RunnerInputError(
          `image ${image.fileName} is ${size.width}x${size.height}, but the ground truth says ` +
            `${image.width ?? size.width}x${image.height ?? size.height}: its boxes would not line up`,
        );
      }
      return { id: image.fileName!, path, imageId: image.id, ...size };
    },
    { signal: options.signal },
  );
}
