// The hub's content store: files and folders uploaded by clients, kept once each under their
// digest in `<store>/content/sha256-<hex>`, read-only. An upload grows a partial file of its
// own project in `<store>/uploads/` until it has every byte; then it is hashed and moves into
// the store only if its digest is the one it was sent as. The store is the folder of
// EVALHUB_STORE_DIR, which every worker of the hub sees (as for the datasets runs make).
import { createHash, type Hash } from 'node:crypto';
import { copyFile, link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { newId } from '../../db/ids.ts';
import { DigestMismatchError } from '../core/errors.ts';
import { ContentRefusedError } from './local-files.ts';

/** A uri naming content in the hub's store: `content:sha256:<hex>`. */
export const CONTENT_URI = /^content:(sha256:[0-9a-f]{64})$/;

export const contentUri = (digest: string) => `content:${digest}`;

/** Where the datasets runs make are kept in the store (runs/outputs.ts). */
export const outputsFolder = (store: string) => resolve(store, 'datasets');

/** Where the content of `digest` is (or would be) in the store. */
export function storedPath(store: string, digest: string): string {
  return join(resolve(store), 'content', digest.replace(':', '-'));
}

function partialPath(store: string, projectId: string, digest: string): string {
  return join(resolve(store), 'uploads', projectId, `${digest.replace(':', '-')}.part`);
}

const exists = (path: string) =>
  stat(path).then(
    (info) => info,
    () => null,
  );

/** What the store holds under `digest`, or null. */
export async function storedContent(
  store: string,
  digest: string,
): Promise<{ isFolder: boolean } | null> {
  const info = await exists(storedPath(store, digest));
  return info && { isFolder: info.isDirectory() };
}

/** How many bytes of `digest` a project's unfinished upload has. */
export async function partialOffset(
  store: string,
  projectId: string,
  digest: string,
): Promise<number> {
  return (await exists(partialPath(store, projectId, digest)))?.size ?? 0;
}

/** An unfinished upload nobody added to for this long is dropped (when a new one starts). */
export const STALE_UPLOAD_MS = 7 * 24 * 3600 * 1000;

/** Drops unfinished uploads of every project that were left alone for STALE_UPLOAD_MS. */
async function dropStaleUploads(store: string): Promise<void> {
  const uploads = join(resolve(store), 'uploads');
  const projects = await readdir(uploads).catch(() => [] as string[]);
  for (const project of projects) {
    const folder = join(uploads, project);
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      const path = join(folder, name);
      const info = await exists(path);
      if (info && !writers.has(path) && Date.now() - info.mtimeMs > STALE_UPLOAD_MS) {
        hashes.delete(path);
        await rm(path, { force: true });
      }
    }
  }
}

/** The offset a chunk started at is not where the upload is. */
export class UploadOffsetError extends Error {
  override name = 'UploadOffsetError';
  readonly offset: number;
  constructor(offset: number) {
    super(`the upload has ${offset} bytes: send from byte ${offset}`);
    this.offset = offset;
  }
}

/** One request's part of an upload: bytes `start` to `start + length` of `total`. */
export interface Chunk {
  start: number;
  /** The bytes this request carries, when it said (Content-Length). */
  length: number | null;
  total: number;
}

export type ChunkResult =
  | { complete: false; offset: number }
  | { complete: true; sizeBytes: number };

/**
 * The hash of each partial upload as far as it was written, so that the next chunk goes on
 * from it; a partial this process did not write (another hub process) is hashed from disk.
 */
const hashes = new Map<string, { hash: Hash; offset: number }>();
/** Bytes of a request body gathered before they are written. */
const WRITE_BATCH_BYTES = 2 ** 20;
/** One writer at a time per partial upload in this process. */
const writers = new Map<string, Promise<unknown>>();

async function hashOfFirst(path: string, bytes: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (bytes === 0) return hash;
  const handle = await open(path, 'r');
  try {
    for await (const piece of handle.createReadStream({ start: 0, end: bytes - 1 }))
      hash.update(piece as Buffer);
  } finally {
    await handle.close().catch(() => {});
  }
  return hash;
}

/**
 * Writes a chunk of the upload of `digest` to the project's partial file, hashing on arrival.
 * Bytes that arrived before the request broke off are kept (the client resumes after them).
 * With the last byte in, the content is verified: it moves into the store, or is removed
 * and DigestMismatchError thrown.
 */
export function writeChunk(
  store: string,
  projectId: string,
  digest: string,
  chunk: Chunk,
  body: AsyncIterable<Buffer>,
): Promise<ChunkResult> {
  const path = partialPath(store, projectId, digest);
  const previous = writers.get(path) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(() => writeLocked(store, path, digest, chunk, body));
  writers.set(path, next);
  return next.finally(() => {
    if (writers.get(path) === next) writers.delete(path);
  });
}

async function writeLocked(
  store: string,
  path: string,
  digest: string,
  chunk: Chunk,
  body: AsyncIterable<Buffer>,
): Promise<ChunkResult> {
  if (chunk.start === 0) await dropStaleUploads(store);
  await mkdir(dirname(path), { recursive: true });
  const offset = (await exists(path))?.size ?? 0;
  // A whole upload (start 0) starts the partial over; a chunk must go on where it is.
  if (chunk.start !== 0 && chunk.start !== offset) throw new UploadOffsetError(offset);
  const cached = hashes.get(path);
  const hash =
    chunk.start === 0
      ? createHash('sha256')
      : cached?.offset === offset
        ? cached.hash
        : await hashOfFirst(path, offset);
  hashes.delete(path);
  const handle = await open(path, chunk.start === 0 ? 'w' : 'r+');
  let position = chunk.start;
  const end = chunk.length === null ? chunk.total : chunk.start + chunk.length;
  // Pieces of the body as they arrive, written (and hashed) a batch at a time.
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (!pendingBytes) return;
    await handle.writev(pending, position);
    for (const piece of pending) hash.update(piece);
    position += pendingBytes;
    pending.length = 0;
    pendingBytes = 0;
  };
  try {
    let bodyError: unknown = null;
    try {
      for await (const piece of body) {
        if (position + pendingBytes + piece.length > end)
          throw new ContentRefusedError(
            `the request carries more bytes than it said (${end - chunk.start})`,
          );
        pending.push(piece);
        pendingBytes += piece.length;
        if (pendingBytes >= WRITE_BATCH_BYTES) await flush();
      }
    } catch (error) {
      bodyError = error;
    }
    // Bytes past what was said are not kept; what arrived before the client broke off is.
    if (bodyError instanceof ContentRefusedError) {
      pending.length = 0;
      pendingBytes = 0;
    }
    await flush();
    if (bodyError instanceof ContentRefusedError) {
      hashes.set(path, { hash, offset: position });
      throw bodyError;
    }
    if (bodyError) {
      // The client broke off: it resumes from what arrived.
      hashes.set(path, { hash, offset: position });
      return { complete: false, offset: position };
    }
  } catch (error) {
    // Writing failed: what is on disk is what counts, the next chunk hashes it again.
    await handle.truncate(position).catch(() => {});
    throw error;
  } finally {
    await handle.close().catch(() => {});
  }
  if (position < chunk.total) {
    hashes.set(path, { hash, offset: position });
    return { complete: false, offset: position };
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== digest) {
    await rm(path, { force: true });
    throw new DigestMismatchError(digest, actual);
  }
  const target = storedPath(store, digest);
  await mkdir(dirname(target), { recursive: true });
  try {
    if (!(await exists(target))) await storeCopy(path, target, digest, position);
  } finally {
    await rm(path, { force: true });
  }
  return { complete: true, sizeBytes: position };
}

/**
 * Puts a copy of the partial `from` in the store at `target`, hashed as it is written: a
 * file nobody else ever had open. Another hub process writing a chunk of the same upload
 * holds the partial open; had the partial itself been moved into the store, its writes
 * would land in stored content after it was verified. DigestMismatchError, and nothing
 * kept, when the partial changed meanwhile.
 */
async function storeCopy(from: string, target: string, digest: string, size: number) {
  const copy = `${target}.partial-${newId()}`;
  const hash = createHash('sha256');
  try {
    const source = await open(from, 'r');
    try {
      const sink = await open(copy, 'wx', 0o444);
      try {
        if (size > 0)
          for await (const piece of source.createReadStream({ start: 0, end: size - 1 })) {
            hash.update(piece as Buffer);
            await sink.write(piece as Buffer);
          }
      } finally {
        await sink.close();
      }
    } finally {
      await source.close().catch(() => {});
    }
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) throw new DigestMismatchError(digest, actual);
    await rename(copy, target);
  } finally {
    await rm(copy, { force: true });
  }
}

/**
 * Makes the folder `digest` in the store from files already there (linked, or copied where
 * the file system links nothing). The caller checked the paths and that the listing's digest
 * is `digest`.
 */
export async function assembleFolder(
  store: string,
  digest: string,
  files: ReadonlyArray<{ path: string; digest: string }>,
): Promise<void> {
  const target = storedPath(store, digest);
  if (await exists(target)) return;
  const building = `${target}.partial-${newId()}`;
  try {
    for (const file of files) {
      const to = join(building, file.path);
      await mkdir(dirname(to), { recursive: true });
      const from = storedPath(store, file.digest);
      await link(from, to).catch(() => copyFile(from, to));
    }
    await mkdir(building, { recursive: true });
    await rename(building, target).catch(async (error) => {
      // Another upload of the same folder finished first: the same digest, the same files.
      if (!(await exists(target))) throw error;
    });
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}
