// What the hub can tell about a dataset's content when it can read it: how many items,
// and which labels. Formats: an image folder (one subfolder per class), a COCO JSON
// file, CSV or JSONL with a label column.
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ValidationError } from '../core/errors.ts';

export interface DatasetContentSummary {
  itemCount: number | null;
  labels: string[] | null;
}

export const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.bmp',
  '.tif',
  '.tiff',
  '.avif',
]);

const isImage = (name: string) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase());

async function inspectImageFolder(root: string): Promise<DatasetContentSummary> {
  const entries = await readdir(root, { withFileTypes: true });
  const classes = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name);
  let itemCount = entries.filter((e) => e.isFile() && isImage(e.name)).length;
  for (const name of classes) {
    const files = await readdir(join(root, name), { recursive: true, withFileTypes: true });
    itemCount += files.filter((e) => e.isFile() && isImage(e.name)).length;
  }
  return { itemCount, labels: classes.length ? classes.sort() : null };
}

async function inspectCoco(file: string, path: string[]): Promise<DatasetContentSummary> {
  let coco: { images?: unknown[]; categories?: Array<{ id: number; name: string }> };
  try {
    coco = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ValidationError(`not a COCO JSON file: ${(error as Error).message}`, path);
  }
  if (!Array.isArray(coco.images) || !Array.isArray(coco.categories)) {
    throw new ValidationError('a COCO file needs "images" and "categories" arrays', path);
  }
  const labels = [...coco.categories].sort((a, b) => a.id - b.id).map((c) => String(c.name));
  return { itemCount: coco.images.length, labels };
}

async function* lines(file: string): AsyncGenerator<string> {
  const reader = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of reader) if (line.trim()) yield line;
}

async function inspectJsonl(
  file: string,
  labelField: string,
  path: string[],
): Promise<DatasetContentSummary> {
  let itemCount = 0;
  const labels = new Set<string>();
  for await (const line of lines(file)) {
    itemCount += 1;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line);
    } catch {
      throw new ValidationError(`line ${itemCount} of the JSONL file is not JSON`, path);
    }
    if (record[labelField] != null) labels.add(String(record[labelField]));
  }
  return { itemCount, labels: labels.size ? [...labels].sort() : null };
}

async function inspectCsv(file: string, labelField: string): Promise<DatasetContentSummary> {
  let header: string[] | null = null;
  let labelIndex = -1;
  let itemCount = 0;
  const labels = new Set<string>();
  for await (const line of lines(file)) {
    // Label columns are plain words; a full CSV parser is the runners' business.
    const cells = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (!header) {
      header = cells;
      labelIndex = header.indexOf(labelField);
      continue;
    }
    itemCount += 1;
    if (labelIndex >= 0 && cells[labelIndex]) labels.add(cells[labelIndex]!);
  }
  return { itemCount, labels: labels.size ? [...labels].sort() : null };
}

export async function inspectDataset(
  format: string,
  localPath: string,
  metadata: Record<string, unknown>,
  path: string[],
): Promise<DatasetContentSummary> {
  const labelField = typeof metadata.labelField === 'string' ? metadata.labelField : 'label';
  switch (format) {
    case 'IMAGE_FOLDER':
      return inspectImageFolder(localPath);
    case 'COCO':
      return inspectCoco(localPath, path);
    case 'JSONL':
      return inspectJsonl(localPath, labelField, path);
    case 'CSV':
      return inspectCsv(localPath, labelField);
    default:
      return { itemCount: null, labels: null };
  }
}
