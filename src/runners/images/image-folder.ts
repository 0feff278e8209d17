// An IMAGE_FOLDER dataset: one subfolder per class, named after the class, holding that
// class's images (nested folders inside a class folder are part of that class).
import { join } from 'node:path';
import type { ResolvedInput } from '../contract.ts';
import { RunnerInputError } from '../contract.ts';
import { listFolderFiles } from './folder-files.ts';

export interface ImageFile {
  /** The path relative to the dataset root, with `/` separators: stable across machines. */
  id: string;
  /** The absolute path. */
  path: string;
}

export interface LabelledImage extends ImageFile {
  label: string;
  /** The label's index in the folder's label set (the model's class index). */
  labelIndex: number;
}

export interface ImageFolder {
  root: string;
  /** Class names in class-index order. */
  labels: string[];
  /** Images in class folders, sorted by id. */
  items: LabelledImage[];
  /**
   * Images directly in the root: they have no class. Returned rather than refused so a
   * profiler can report them as a label problem; evaluations leave them out.
   */
  unlabeled: ImageFile[];
  /** Images in a format that cannot be decoded (.bmp): ids. */
  unsupported: string[];
  /** Non-image files, hidden files and links, which are not items: ids. */
  ignored: string[];
  /**
   * Images in class folders outside the declared label set, labelled by their folder, sorted
   * by id. Always empty unless `outsideLabels` is 'keep': by default such a folder is refused.
   */
  outsideLabels: Array<ImageFile & { label: string }>;
}

export interface ReadImageFolderOptions {
  /**
   * Images in a class folder outside the declared label set: 'refuse' (the default) throws,
   * as an evaluation must; 'keep' returns them in `outsideLabels`, so a profiler can report them.
   */
  outsideLabels?: 'refuse' | 'keep';
}

/**
 * The label set a dataset version declares: its `labels`, else MAITE's
 * `metadata.index2label` ({"0": "cat", "1": "dog"} or ["cat", "dog"]); null when neither.
 */
export function declaredLabels(
  input: Pick<ResolvedInput, 'ref' | 'labels' | 'metadata'>,
): string[] | null {
  if (input.labels) return input.labels;
  const index2label = input.metadata.index2label;
  if (index2label == null) return null;
  const invalid = () =>
    new RunnerInputError(
      `metadata.index2label of ${input.ref} must map the indices 0, 1, 2... to class names`,
    );
  if (Array.isArray(index2label)) {
    if (!index2label.every((label) => typeof label === 'string')) throw invalid();
    return index2label as string[];
  }
  if (typeof index2label !== 'object') throw invalid();
  const entries = Object.entries(index2label as Record<string, unknown>);
  const labels: string[] = [];
  for (const [key, label] of entries) {
    const index = /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : -1;
    if (index < 0 || index >= entries.length || typeof label !== 'string') throw invalid();
    labels[index] = label;
  }
  return labels;
}

/**
 * Reads the image folder at `root`. With `declared` labels, class indices follow their order
 * and a class folder with images outside them is an error (or, with `outsideLabels: 'keep'`,
 * returned apart); without, the classes are the folders in the root, sorted (an empty class
 * folder is still a class, as the hub counts it).
 */
export async function readImageFolder(
  root: string,
  declared: readonly string[] | null = null,
  options: ReadImageFolderOptions = {},
): Promise<ImageFolder> {
  const files = await listFolderFiles(root);
  const labels = declared ? [...declared] : files.folders;
  const index = new Map(labels.map((label, i) => [label, i]));
  const items: LabelledImage[] = [];
  const unlabeled: ImageFile[] = [];
  const outsideLabels: ImageFolder['outsideLabels'] = [];
  const stray = new Set<string>();
  for (const id of files.images) {
    const slash = id.indexOf('/');
    if (slash < 0) {
      unlabeled.push({ id, path: join(root, id) });
      continue;
    }
    const label = id.slice(0, slash);
    const labelIndex = index.get(label);
    if (labelIndex === undefined) {
      stray.add(label);
      outsideLabels.push({ id, path: join(root, id), label });
    } else items.push({ id, path: join(root, id), label, labelIndex });
  }
  if (stray.size && options.outsideLabels !== 'keep') {
    const [first, ...more] = stray;
    throw new RunnerInputError(
      `label '${first}' (folder ${first}/) is not in the dataset's label set ` +
        `[${labels.join(', ')}]${more.length ? `; nor are ${more.join(', ')}` : ''}`,
    );
  }
  return {
    root,
    labels,
    items,
    unlabeled,
    unsupported: files.unsupported,
    ignored: [...files.other, ...files.omitted].sort(),
    outsideLabels,
  };
}

/** Reads an IMAGE_FOLDER dataset version, with the label set it declares. */
export async function readImageFolderInput(
  input: ResolvedInput,
  options: ReadImageFolderOptions = {},
): Promise<ImageFolder> {
  if (input.format !== 'IMAGE_FOLDER') {
    throw new RunnerInputError(`${input.ref} is a ${input.format} dataset, not an IMAGE_FOLDER`);
  }
  if (!input.localPath) {
    throw new RunnerInputError(`${input.ref} is at ${input.uri}, not in a local folder`);
  }
  return readImageFolder(input.localPath, declaredLabels(input), options);
}
