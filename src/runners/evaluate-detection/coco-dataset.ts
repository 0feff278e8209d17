// A COCO dataset version: its instances JSON (the file itself, or the one in its folder), the
// ground truth in it, and what a detector needs besides: each image's file and size.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { ResolvedInput } from '../contract.ts';
import { RunnerInputError } from '../contract.ts';
import { type CocoGroundTruth, parseCocoGroundTruth } from '../detection/coco-ground-truth.ts';
import { integerAt, objectAt, rejectField } from '../detection/coco-json-fields.ts';
import { readJsonFile } from './json-file.ts';

/** An entry of the file's `images`, with the fields box evaluation leaves out. */
export interface CocoImageEntry {
  id: number;
  /** `file_name`, relative to the dataset folder (or its images/ folder); null when absent. */
  fileName: string | null;
  /** The declared size, the frame of the annotations' boxes; null when absent. */
  width: number | null;
  height: number | null;
}

export interface CocoDataset {
  /** The instances JSON file read. */
  annotationFile: string;
  /** The folder image file names are relative to. */
  folder: string;
  groundTruth: CocoGroundTruth;
  /** In file order. */
  images: CocoImageEntry[];
}

async function jsonFilesIn(folder: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.json'))
    .map((entry) => entry.name)
    .sort();
}

/**
 * The ground-truth file of a COCO dataset folder: `configured` (relative to the folder) when
 * given; else annotations.json; else the only instances*.json in the folder or its annotations/
 * folder (as COCO's own downloads lay it out); else the folder's only JSON file.
 */
export async function findAnnotationFile(folder: string, configured?: string): Promise<string> {
  if (configured !== undefined) {
    const file = resolve(folder, configured);
    const inside = relative(folder, file);
    if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..') {
      throw new RunnerInputError(`annotationFile '${configured}' is not inside the dataset folder`);
    }
    return file;
  }
  const top = await jsonFilesIn(folder);
  if (top.includes('annotations.json')) return join(folder, 'annotations.json');
  const nested = (await jsonFilesIn(join(folder, 'annotations'))).map((name) =>
    join('annotations', name),
  );
  const instances = [...top, ...nested].filter((name) => basename(name).startsWith('instances'));
  if (instances.length === 1) return join(folder, instances[0]!);
  if (instances.length === 0 && top.length === 1) return join(folder, top[0]!);
  const found = instances.length ? instances : [...top, ...nested];
  throw new RunnerInputError(
    found.length
      ? `cannot tell which JSON file of ${folder} holds the ground truth (${found.join(', ')}); set annotationFile`
      : `${folder} holds no COCO JSON file (annotations.json or instances*.json)`,
  );
}

/** A positive integer field of an image entry, or null when absent. */
function sizeAt(source: string, path: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const size = integerAt(source, path, value);
  if (size < 1) rejectField(source, path, 'a positive integer', value);
  return size;
}

function imageEntries(json: unknown, source: string): CocoImageEntry[] {
  // parseCocoGroundTruth has checked that `images` is an array of objects with unique ids.
  const images = (json as { images: Record<string, unknown>[] }).images;
  return images.map((image, i) => {
    const at = `images[${i}]`;
    objectAt(source, at, image);
    const fileName = image.file_name;
    if (fileName !== undefined && fileName !== null && typeof fileName !== 'string') {
      rejectField(source, `${at}.file_name`, 'a string', fileName);
    }
    return {
      id: image.id as number,
      fileName: fileName ?? null,
      width: sizeAt(source, `${at}.width`, image.width),
      height: sizeAt(source, `${at}.height`, image.height),
    };
  });
}

/**
 * Reads a COCO dataset version: a COCO instances JSON file, or a folder holding one (see
 * findAnnotationFile) and its images. Throws RunnerInputError for a file that is missing, not
 * JSON, or not a valid COCO ground truth, naming the file and the field.
 */
export async function readCocoDataset(
  input: ResolvedInput,
  annotationFile?: string,
): Promise<CocoDataset> {
  if (input.format !== 'COCO') {
    throw new RunnerInputError(`${input.ref} is a ${input.format} dataset, not COCO`);
  }
  if (!input.localPath) {
    throw new RunnerInputError(`${input.ref} is at ${input.uri}, not in a local file or folder`);
  }
  const isFolder = await stat(input.localPath).then(
    (found) => found.isDirectory(),
    () => {
      throw new RunnerInputError(`${input.ref}: ${input.localPath} does not exist`);
    },
  );
  const file = isFolder
    ? await findAnnotationFile(input.localPath, annotationFile)
    : input.localPath;
  const json = await readJsonFile(file);
  const source = basename(file);
  const groundTruth = parseCocoGroundTruth(json, source);
  return {
    annotationFile: file,
    folder: isFolder ? input.localPath : dirname(input.localPath),
    groundTruth,
    images: imageEntries(json, source),
  };
}
