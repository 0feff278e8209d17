// Which local files the hub reads for a caller, and how it opens them: only inside the roots
// the operator configured, after resolving symlinks; never a device, FIFO, socket or a file of
// a kernel pseudo file system (/proc, /sys...), whose reads can block forever; within limits.
import { constants } from 'node:fs';
import { type FileHandle, open, readlink, realpath, stat, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, normalize, sep } from 'node:path';
import type { Actor } from '../core/actor.ts';
import type { LocalContentPolicy } from '../core/context.ts';
import { ValidationError } from '../core/errors.ts';

/** Content over a limit, or that changed while it was read: refused, nothing recorded. */
export class ContentRefusedError extends Error {
  override name = 'ContentRefusedError';
}

/** Nothing local is read: the policy of a context that was given none. */
export const NO_LOCAL_CONTENT: LocalContentPolicy = {
  roots: [],
  maxBytes: 0,
  maxFiles: 0,
};

/**
 * The roots an actor may read below for a version of the project `projectSlug`: every
 * project's, and that project's own.
 */
export function rootsFor(
  policy: LocalContentPolicy,
  actor: Actor,
  projectSlug: string | null,
): readonly string[] {
  const shared = policy.roots ?? (actor.kind === 'operator' ? [homedir()] : []);
  const own = projectSlug ? (policy.projectRoots?.[projectSlug] ?? []) : [];
  return [...shared, ...own];
}

/** Magic numbers (statfs f_type) of kernel file systems whose files are not content. */
const PSEUDO_FILE_SYSTEMS = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x64626720, // debugfs
  0x74726163, // tracefs
  0x73636673, // securityfs
  0x1cd1, // devpts
  0x63677270, // cgroup2
  0x27e0eb, // cgroup
  0x62656570, // configfs
  0x6e736673, // nsfs
  0xcafe4a11, // bpf
  0x50495045, // pipefs
  0x534f434b, // sockfs
]);
const PSEUDO_PREFIXES = ['/proc', '/sys', '/dev'];

/** Whether `path` is `root` or below it (both resolved). */
export const within = (root: string, path: string) =>
  path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** Refused: the same words whether or not anything is there, so nothing is revealed. */
export function outside(path: string[]): ValidationError {
  return new ValidationError('the path is outside the allowed roots', path);
}

/** Whether a path (already resolved) is on a kernel pseudo file system. */
export async function isPseudoFile(realPath: string): Promise<boolean> {
  if (PSEUDO_PREFIXES.some((prefix) => within(prefix, realPath))) return true;
  const fs = await statfs(realPath).catch(() => null);
  return fs !== null && PSEUDO_FILE_SYSTEMS.has(fs.type);
}

/** The deepest existing folder on the way to `path`, resolved. */
async function resolvedAncestor(path: string): Promise<string | null> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const real = await realpath(dir).catch(() => null);
    if (real) return real;
    if (dir === dirname(dir)) return null;
  }
}

export interface AllowedPath {
  /** The path with every symlink resolved. */
  realPath: string;
  isFolder: boolean;
}

/** The folders that exist among `folders`, resolved. */
const resolvedFolders = async (folders: readonly string[]) =>
  (await Promise.all(folders.map((folder) => realpath(folder).catch(() => null)))).filter(
    (folder): folder is string => folder !== null,
  );

/**
 * Checks that `path` names a regular file or a folder inside one of `roots` and none of
 * `hubFolders`, symlinks resolved; whatever is refused is refused with the same message.
 */
export async function allowedLocalPath(
  path: string,
  roots: readonly string[],
  inputPath: string[],
  hubFolders: readonly string[] = [],
): Promise<AllowedPath> {
  if (!isAbsolute(path)) throw outside(inputPath);
  const [realRoots, hubs] = await Promise.all([
    resolvedFolders(roots),
    resolvedFolders(hubFolders),
  ]);
  const inRoots = (real: string) =>
    realRoots.some((root) => within(root, real)) && !hubs.some((hub) => within(hub, real));
  const real = await realpath(path).catch(() => null);
  if (real === null) {
    // Nothing there: say so only where the caller may look.
    const ancestor = await resolvedAncestor(normalize(path));
    if (ancestor && inRoots(ancestor)) {
      throw new ValidationError(`no file or folder at ${path}`, inputPath);
    }
    throw outside(inputPath);
  }
  if (!inRoots(real) || (await isPseudoFile(real))) throw outside(inputPath);
  const info = await stat(real).catch(() => null);
  if (!info || !(info.isFile() || info.isDirectory())) {
    throw new ValidationError('the path is neither a regular file nor a folder', inputPath);
  }
  return { realPath: real, isFolder: info.isDirectory() };
}

/**
 * Opens a regular file for reading without ever blocking on it: a FIFO or device put in its
 * place after a check is refused, not waited on. Symlinks are not followed. With `confinedTo`
 * (a resolved path), the file actually opened must be there or below: a folder on the way
 * swapped for a symlink after the path was checked is caught, not read.
 */
export async function openRegularFile(
  path: string,
  confinedTo?: string,
): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(
    path,
    constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY,
  );
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ContentRefusedError(`${path} is not a regular file`);
    if (confinedTo !== undefined) {
      // Linux names the file behind a descriptor; elsewhere the check before opening stands.
      const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
      if (opened !== null && !within(confinedTo, opened))
        throw new ContentRefusedError(`${path} was moved outside ${confinedTo} while it was read`);
    }
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
