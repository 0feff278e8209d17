// The files of a dataset folder, sorted and sorted out: images sharp can decode, images it
// cannot, and everything else. Hidden entries and symbolic links are left out, as the
// folder digest (`find . -type f`) and macOS's `._x.jpg` sidecars suggest.
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { RunnerInputError } from '../contract.ts';

/**
 * Extensions of the images read: the formats the prebuilt sharp decodes (JPEG, PNG, WebP,
 * GIF, TIFF, AVIF). GIF and TIFF are read as their first frame / page.
 */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
];

/** Image extensions the hub counts as items but sharp (without ImageMagick) cannot decode. */
export const UNSUPPORTED_IMAGE_EXTENSIONS: readonly string[] = ['.bmp'];

export interface FolderFiles {
  /** The folders directly in the root (not hidden), sorted. */
  folders: string[];
  /** Decodable images, as paths relative to the root with `/` separators, sorted. */
  images: string[];
  /** Images in a format sharp cannot decode (.bmp), relative paths, sorted. */
  unsupported: string[];
  /** Other regular files, relative paths, sorted. */
  other: string[];
  /** Hidden files and folders, symbolic links, relative paths, sorted. */
  omitted: string[];
}

/** Lists the files under `root` (recursively) by kind; a missing root is the user's problem. */
export async function listFolderFiles(root: string): Promise<FolderFiles> {
  const found: FolderFiles = { folders: [], images: [], unsupported: [], other: [], omitted: [] };
  const walk = async (relative: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, relative), { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (relative === '' && (code === 'ENOENT' || code === 'ENOTDIR')) {
        throw new RunnerInputError(`dataset folder ${root} does not exist or is not a folder`);
      }
      throw error;
    }
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.name.startsWith('.') || entry.isSymbolicLink()) found.omitted.push(path);
      else if (entry.isDirectory()) {
        if (relative === '') found.folders.push(path);
        await walk(path);
      } else if (!entry.isFile()) found.omitted.push(path);
      else {
        const extension = extname(entry.name).toLowerCase();
        if (IMAGE_EXTENSIONS.includes(extension)) found.images.push(path);
        else if (UNSUPPORTED_IMAGE_EXTENSIONS.includes(extension)) found.unsupported.push(path);
        else found.other.push(path);
      }
    }
  };
  await walk('');
  // The default sort compares UTF-16 code units, not locale: the same order on every machine.
  for (const list of Object.values(found)) list.sort();
  return found;
}
