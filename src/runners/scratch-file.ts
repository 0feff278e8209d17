// Files a program hands back by path: read only from inside the run's scratch folder
// (symlinks resolved, so no link leads out of it), only if regular, never blocking.
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { RunnerInputError } from './input-error.ts';

/** The bytes of the regular file at `path` (relative to `folder`, or absolute) inside `folder`. */
export async function readScratchFile(
  folder: string,
  path: string,
  maxBytes: number,
): Promise<Buffer> {
  const refused = () =>
    new RunnerInputError(`artifact path ${JSON.stringify(path)} is not a file in the run's folder`);
  const root = await realpath(folder);
  const real = await realpath(isAbsolute(path) ? path : resolve(root, path)).catch(() => null);
  if (!real?.startsWith(root + sep)) throw refused();
  const handle = await open(
    real,
    constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY,
  ).catch(() => null);
  if (!handle) throw refused();
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw refused();
    if (info.size > maxBytes)
      throw new RunnerInputError(`artifact ${path} is larger than ${maxBytes} bytes`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
