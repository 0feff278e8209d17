// Files a program hands back by path: read only from inside the run's scratch folder
// (symlinks resolved, so no link leads out of it), only if regular and with no other name,
// never blocking, never more than the limit.
import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { RunnerInputError } from './input-error.ts';

const CHUNK = 1024 * 1024;

/**
 * Where the opened file really is. The program runs while its files are read, so a folder on
 * the checked path may have been swapped for a symlink between the check and the open: the
 * kernel's name for the open file decides (Linux), else the checked path must still be it.
 */
async function openedPath(handle: FileHandle, checked: string, info: Stats) {
  const name = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
  if (name !== null) return name;
  const now = await lstat(checked).catch(() => null);
  return now?.dev === info.dev && now.ino === info.ino ? checked : null;
}

/** The file's bytes, read until its end but never past `maxBytes` (it may still be growing). */
async function readAtMost(handle: FileHandle, maxBytes: number, tooLarge: () => Error) {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) return Buffer.concat(chunks, total);
    total += bytesRead;
    if (total > maxBytes) throw tooLarge();
    chunks.push(buffer.subarray(0, bytesRead));
  }
}

/** The bytes of the regular file at `path` (relative to `folder`, or absolute) inside `folder`. */
export async function readScratchFile(
  folder: string,
  path: string,
  maxBytes: number,
): Promise<Buffer> {
  const refused = () =>
    new RunnerInputError(`artifact path ${JSON.stringify(path)} is not a file in the run's folder`);
  const tooLarge = () => new RunnerInputError(`artifact ${path} is larger than ${maxBytes} bytes`);
  const root = await realpath(folder);
  const inside = (name: string | null) => name?.startsWith(root + sep) === true;
  const real = await realpath(isAbsolute(path) ? path : resolve(root, path)).catch(() => null);
  if (!real || !inside(real)) throw refused();
  const handle = await open(
    real,
    constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY,
  ).catch(() => null);
  if (!handle) throw refused();
  try {
    const info = await handle.stat();
    // A second name (a hard link) may be a file outside the folder under a name inside it.
    if (!info.isFile() || info.nlink !== 1) throw refused();
    if (!inside(await openedPath(handle, real, info))) throw refused();
    if (info.size > maxBytes) throw tooLarge();
    return await readAtMost(handle, maxBytes, tooLarge);
  } finally {
    await handle.close();
  }
}
