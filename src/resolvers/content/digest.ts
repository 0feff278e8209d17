// Content digests, computed so that anyone can check them with coreutils:
//   a file:   sha256sum FILE
//   a folder: cd DIR && find . -type f | sed 's|^\./||' | LC_ALL=C sort \
//               | xargs -d '\n' sha256sum | sha256sum
import { createHash } from 'node:crypto';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { ContentRefusedError, isPseudoFile, openRegularFile } from './local-files.ts';

export interface ContentDigest {
  /** `sha256:<64 hex>` */
  digest: string;
  sizeBytes: number;
  fileCount: number;
  /** Each file with its sha256 (hex): a folder's files by relative path; a file's as "". */
  files: HashedFile[];
}

export interface HashedFile {
  path: string;
  hex: string;
  size: number;
}

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** Files hashed at once while digesting a folder: enough to keep a disk busy, few file handles. */
const PARALLEL_READS = 8;

export interface DigestOptions {
  /** Refuse content of more bytes, or a folder of more files. */
  maxBytes?: number;
  maxFiles?: number;
  /** Told the bytes hashed so far, now and then. */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** Stops the walk or the hashing (with its reason) when it aborts. */
  signal?: AbortSignal | undefined;
}

interface ListedFile {
  relativePath: string;
  size: number;
}

/**
 * A file's sha256 (hex), read without blocking on anything but a regular file of `size` bytes
 * (that was not moved outside `confinedTo` meanwhile).
 */
async function sha256OfFile(
  path: string,
  size: number,
  onBytes: (n: number) => void,
  confinedTo: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  signal?.throwIfAborted();
  const { handle, size: actual } = await openRegularFile(path, confinedTo);
  try {
    if (actual !== size) throw new ContentRefusedError(`${path} changed while it was being read`);
    const hash = createHash('sha256');
    let read = 0;
    for await (const chunk of handle.createReadStream({ autoClose: false })) {
      read += (chunk as Buffer).length;
      if (read > actual) throw new ContentRefusedError(`${path} grew while it was being read`);
      signal?.throwIfAborted();
      hash.update(chunk as Buffer);
      onBytes((chunk as Buffer).length);
    }
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/**
 * Regular files below `root` with their sizes, as paths relative to it; links are not
 * followed (as `find -type f`), kernel pseudo file systems are not entered, and the walk
 * stops as soon as a limit is passed.
 */
async function listFiles(
  root: string,
  maxFiles: number,
  maxBytes: number,
  signal: AbortSignal | undefined,
): Promise<ListedFile[]> {
  const files: ListedFile[] = [];
  let bytes = 0;
  const folders = [''];
  while (folders.length) {
    signal?.throwIfAborted();
    const relative = folders.pop()!;
    const folder = relative ? join(root, relative) : root;
    if (await isPseudoFile(folder)) continue;
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) folders.push(path);
      else if (entry.isFile()) {
        const { size } = await lstat(join(root, path));
        bytes += size;
        files.push({ relativePath: path, size });
        if (files.length > maxFiles)
          throw new ContentRefusedError(`the folder has more than ${maxFiles} files`);
        if (bytes > maxBytes)
          throw new ContentRefusedError(`the content is larger than ${maxBytes} bytes`);
      }
    }
  }
  return files;
}

/** The line sha256sum prints for one file, escaping names the way coreutils does. */
function checksumLine(hex: string, relativePath: string): string {
  if (!/[\\\n]/.test(relativePath)) return `${hex}  ${relativePath}\n`;
  const escaped = relativePath.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return `\\${hex}  ${escaped}\n`;
}

/** The byte order the folder rule sorts paths in (`LC_ALL=C sort`). */
export const byPathBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** A folder's digest from its files' paths (relative, `/`-separated) and sha256 hexes. */
export function folderDigest(files: ReadonlyArray<{ path: string; hex: string }>): string {
  const listing = createHash('sha256');
  for (const file of [...files].sort((a, b) => byPathBytes(a.path, b.path)))
    listing.update(checksumLine(file.hex, file.path));
  return `sha256:${listing.digest('hex')}`;
}

/** What a file or folder holds, before any byte is hashed (limits checked). */
export async function measureContent(
  path: string,
  options: DigestOptions = {},
): Promise<{ isFolder: boolean; files: ListedFile[]; sizeBytes: number }> {
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const info = await lstat(path);
  if (info.isDirectory()) {
    const base = path.replace(/\/+$/, '') || '/';
    const maxFiles = options.maxFiles ?? Number.POSITIVE_INFINITY;
    const files = await listFiles(base, maxFiles, maxBytes, options.signal);
    return { isFolder: true, files, sizeBytes: files.reduce((sum, f) => sum + f.size, 0) };
  }
  if (info.size > maxBytes)
    throw new ContentRefusedError(`the content is larger than ${maxBytes} bytes`);
  return { isFolder: false, files: [{ relativePath: '', size: info.size }], sizeBytes: info.size };
}

/** The digest of a file or a folder, as measured by `measureContent`. */
export async function digestMeasured(
  path: string,
  measured: Awaited<ReturnType<typeof measureContent>>,
  onProgress: DigestOptions['onProgress'] = () => {},
  signal?: AbortSignal,
): Promise<ContentDigest> {
  // Every file read must be the content measured, not one a symlink swapped in since.
  const confinedTo = await realpath(path);
  let done = 0;
  const onBytes = (n: number) => {
    done += n;
    onProgress(done, measured.sizeBytes);
  };
  if (!measured.isFolder) {
    const hex = await sha256OfFile(path, measured.sizeBytes, onBytes, confinedTo, signal);
    return {
      digest: `sha256:${hex}`,
      sizeBytes: measured.sizeBytes,
      fileCount: 1,
      files: [{ path: '', hex, size: measured.sizeBytes }],
    };
  }
  const base = path.replace(/\/+$/, '') || '/';
  const files = measured.files;
  const hexes = new Array<string>(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      const file = files[index]!;
      hexes[index] = await sha256OfFile(
        join(base, file.relativePath),
        file.size,
        onBytes,
        confinedTo,
        signal,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, files.length) }, worker));
  const hashed = files.map((file, i) => ({
    path: file.relativePath,
    hex: hexes[i]!,
    size: file.size,
  }));
  return {
    digest: folderDigest(hashed),
    sizeBytes: measured.sizeBytes,
    fileCount: files.length,
    files: hashed,
  };
}

/** The digest of a file or a folder. */
export async function digestPath(
  path: string,
  options: DigestOptions = {},
): Promise<ContentDigest> {
  const measured = await measureContent(path, options);
  return digestMeasured(path, measured, options.onProgress, options.signal);
}
