// Content uploaded by a project's contributor (HTTP: src/http/content-api.ts), so that a
// version can be registered with `content:sha256:<hex>` where the hub cannot read the
// client's files. A file is sent in one request or in chunks; a folder is a listing of files
// sent before it. Each upload is verified against its digest before it is kept, and kept only
// within its project's quota.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { projects, uploadedContent } from '../../db/schema.ts';
import { DIGEST_PATTERN, folderDigest } from '../content/digest.ts';
import { ContentRefusedError } from '../content/local-files.ts';
import {
  assembleFolder,
  type Chunk,
  contentUri,
  partialOffset,
  storedContent,
  writeChunk,
} from '../content/store.ts';
import { requireRole } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { DigestMismatchError, ValidationError } from '../core/errors.ts';
import { ensureProject, SLUG_PATTERN } from './projects.ts';

export type UploadedContentRow = typeof uploadedContent.$inferSelect;

/** A file that would take its project's uploads past the quota: refused, nothing kept. */
export class UploadQuotaError extends Error {
  override name = 'UploadQuotaError';
  readonly quotaBytes: number;
  readonly usedBytes: number;
  constructor(project: string, quotaBytes: number, usedBytes: number, sizeBytes: number) {
    super(
      `project ${project} keeps ${usedBytes} bytes of uploads; ${sizeBytes} more would pass its quota ` +
        `of ${quotaBytes} bytes (EVALHUB_PROJECT_UPLOAD_QUOTA_BYTES)`,
    );
    this.quotaBytes = quotaBytes;
    this.usedBytes = usedBytes;
  }
}

/** What a project has of some content. */
export interface UploadStatus {
  /** The content, once the project has all of it. */
  stored: (UploadedContentRow & { uri: string }) | null;
  /** Bytes of an unfinished upload (a file's). */
  offset: number;
}

export type ChunkReceipt =
  | { complete: false; offset: number }
  | { complete: true; created: boolean; content: UploadedContentRow & { uri: string } };

/** A folder, as its files already uploaded: each path relative, `/`-separated. */
export interface FolderListing {
  files: Array<{ path: string; digest: string }>;
}

export type FolderReceipt =
  | { complete: false; missing: string[] }
  | { complete: true; created: boolean; content: UploadedContentRow & { uri: string } };

/** Lookups of many file digests are made this many at a time. */
const DIGESTS_PER_QUERY = 1000;

function contentStore(ctx: ServiceContext): string {
  const store = ctx.localContent?.contentStore;
  if (!store) throw new ValidationError('this hub keeps no uploaded content');
  return store;
}

/** Checks the digest and the caller's role in the project; returns the store. */
function checkTarget(ctx: ServiceContext, slug: string | null, digest: string): string {
  if (!slug) throw new ValidationError('say which project the content is for (?project=)');
  if (!SLUG_PATTERN.test(slug)) throw new ValidationError(`no project ${JSON.stringify(slug)}`);
  requireRole(ctx.actor, slug, 'contributor', 'uploading content');
  if (!DIGEST_PATTERN.test(digest))
    throw new ValidationError('a digest is "sha256:" followed by 64 lowercase hexadecimal digits');
  return contentStore(ctx);
}

const withUri = (row: UploadedContentRow) => ({ ...row, uri: contentUri(row.digest) });

async function recorded(
  ctx: ServiceContext,
  store: string,
  slug: string,
  digest: string,
): Promise<UploadedContentRow | null> {
  const [row] = await ctx.db
    .select({ content: uploadedContent })
    .from(uploadedContent)
    .innerJoin(projects, eq(projects.id, uploadedContent.projectId))
    .where(and(eq(projects.slug, slug), eq(uploadedContent.digest, digest)));
  // Recorded, and still in the store (an operator may have cleared it).
  return row && (await storedContent(store, digest)) ? row.content : null;
}

/** Whether the project has the content, or how much of its upload arrived. */
export async function uploadStatus(
  ctx: ServiceContext,
  slug: string | null,
  digest: string,
): Promise<UploadStatus> {
  const store = checkTarget(ctx, slug, digest);
  const row = await recorded(ctx, store, slug!, digest);
  if (row) return { stored: withUri(row), offset: row.sizeBytes };
  return { stored: null, offset: await partialOffset(store, slug!, digest) };
}

/**
 * Refuses a file of `sizeBytes` that would take the project past its quota, counting the
 * files it has uploaded (a folder is made of those, so it adds nothing).
 */
async function checkQuota(
  ctx: ServiceContext,
  db: Pick<ServiceContext['db'], 'select'>,
  slug: string,
  sizeBytes: number,
): Promise<void> {
  const quota = ctx.localContent?.projectUploadQuotaBytes ?? null;
  if (quota === null) return;
  const [row] = await db
    .select({ used: sql<string>`coalesce(sum(${uploadedContent.sizeBytes}), 0)` })
    .from(uploadedContent)
    .innerJoin(projects, eq(projects.id, uploadedContent.projectId))
    .where(and(eq(projects.slug, slug), eq(uploadedContent.isFolder, false)));
  const used = Number(row?.used ?? 0);
  if (used + sizeBytes > quota) throw new UploadQuotaError(slug, quota, used, sizeBytes);
}

/** Records that the project has the content; returns its row and whether it is new. */
async function record(
  ctx: ServiceContext,
  slug: string,
  values: Omit<UploadedContentRow, 'projectId' | 'uploadedBy' | 'createdAt'>,
): Promise<{ created: boolean; content: UploadedContentRow & { uri: string } }> {
  return ctx.db.transaction(async (tx) => {
    const project = await ensureProject(tx, ctx.actor, slug, ['project']);
    if (!values.isFolder) {
      // Uploads finishing at once wait for each other here, so that they cannot pass the
      // quota together; one that would is not recorded (its bytes stay in the store).
      await tx.select().from(projects).where(eq(projects.id, project.id)).for('update');
      const [had] = await tx
        .select({ digest: uploadedContent.digest })
        .from(uploadedContent)
        .where(
          and(eq(uploadedContent.projectId, project.id), eq(uploadedContent.digest, values.digest)),
        );
      if (!had) await checkQuota(ctx, tx, slug, values.sizeBytes);
    }
    const [created] = await tx
      .insert(uploadedContent)
      .values({ ...values, projectId: project.id, uploadedBy: ctx.actor.id })
      .onConflictDoNothing()
      .returning();
    if (!created) {
      const [existing] = await tx
        .select()
        .from(uploadedContent)
        .where(
          and(eq(uploadedContent.projectId, project.id), eq(uploadedContent.digest, values.digest)),
        );
      return { created: false, content: withUri(existing!) };
    }
    await recordAudit(tx, ctx.actor, {
      action: 'content.upload',
      projectId: project.id,
      targetType: 'Content',
      targetId: null,
      details: {
        digest: values.digest,
        isFolder: values.isFolder,
        sizeBytes: values.sizeBytes,
        fileCount: values.fileCount,
      },
    });
    return { created: true, content: withUri(created) };
  });
}

/**
 * Receives (a chunk of) a file's bytes for the project. Content the project already has is
 * not read again. Refused, with nothing kept: content over the hub's limit, or whose bytes do
 * not have the digest (DigestMismatchError).
 */
export async function receiveChunk(
  ctx: ServiceContext,
  slug: string | null,
  digest: string,
  chunk: Chunk,
  body: AsyncIterable<Buffer>,
): Promise<ChunkReceipt> {
  const store = checkTarget(ctx, slug, digest);
  const maxBytes = ctx.localContent?.maxBytes ?? 0;
  if (chunk.total > maxBytes)
    throw new ContentRefusedError(`the content is larger than ${maxBytes} bytes`);
  const existing = await recorded(ctx, store, slug!, digest);
  if (existing) return { complete: true, created: false, content: withUri(existing) };
  // Before any byte is kept, a partial upload's included.
  await checkQuota(ctx, ctx.db, slug!, chunk.total);
  const written = await writeChunk(store, slug!, digest, chunk, body);
  if (!written.complete) return written;
  return {
    complete: true,
    ...(await record(ctx, slug!, {
      digest,
      isFolder: false,
      sizeBytes: written.sizeBytes,
      fileCount: 1,
    })),
  };
}

/**
 * Bytes of a folder's listing per file the hub's file limit allows (EVALHUB_MAX_CONTENT_FILES):
 * an entry's JSON is ~100 bytes (its keys and digest) and a path of ~150 bytes on average.
 */
const LISTING_BYTES_PER_FILE = 256;

/** The most bytes a folder's listing may take: the hub's file limit times what an entry takes. */
function maxListingBytes(maxFiles: number): number {
  return 1024 + maxFiles * LISTING_BYTES_PER_FILE;
}

/**
 * Reads a folder's listing (JSON bytes), keeping at most `maxBytes`: null when there are more,
 * of which no more are read than needed to know it.
 */
export type ListingReader = (maxBytes: number) => Promise<Buffer | null>;

/** The listing `read` gives, parsed: bounded by the file limit, refused past it. */
async function readListing(read: ListingReader, maxFiles: number): Promise<unknown> {
  const maxBytes = maxListingBytes(maxFiles);
  const bytes = await read(maxBytes);
  if (!bytes)
    throw new ContentRefusedError(
      `a folder's listing is at most ${maxBytes} bytes (${LISTING_BYTES_PER_FILE} for each of ` +
        `the ${maxFiles} files a folder may have, EVALHUB_MAX_CONTENT_FILES): nothing was kept`,
    );
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ValidationError('the listing is not JSON');
  }
}

/** A listing's paths, checked: relative, normalised, unique, none both a file and a folder. */
function checkListing(listing: unknown, maxFiles: number): FolderListing['files'] {
  const files = (listing as FolderListing | null)?.files;
  if (!Array.isArray(files))
    throw new ValidationError('a folder is {"files": [{"path": ..., "digest": ...}, ...]}', [
      'files',
    ]);
  if (files.length > maxFiles)
    throw new ContentRefusedError(`the folder has more than ${maxFiles} files`);
  const paths = new Set<string>();
  for (const [i, file] of files.entries()) {
    const where = ['files', String(i)];
    const path = (file as { path?: unknown })?.path;
    const digest = (file as { digest?: unknown })?.digest;
    if (
      typeof path !== 'string' ||
      path.includes('\0') ||
      path.split('/').some((part) => part === '' || part === '.' || part === '..')
    )
      throw new ValidationError('a path is relative, "/"-separated, without "." or ".."', [
        ...where,
        'path',
      ]);
    if (typeof digest !== 'string' || !DIGEST_PATTERN.test(digest))
      throw new ValidationError('a digest is "sha256:" and 64 lowercase hex digits', [
        ...where,
        'digest',
      ]);
    if (paths.has(path)) throw new ValidationError(`${path} is listed twice`, [...where, 'path']);
    paths.add(path);
  }
  for (const path of paths) {
    const parts = path.split('/');
    for (let n = 1; n < parts.length; n += 1)
      if (paths.has(parts.slice(0, n).join('/')))
        throw new ValidationError(`${parts.slice(0, n).join('/')} is both a file and a folder`, [
          'files',
        ]);
  }
  return files as FolderListing['files'];
}

/**
 * Receives a folder as the listing of its files, each uploaded to the project before. The
 * listing (read by `read` once the caller may upload, at most as many bytes as the file limit
 * allows) must have the digest (the folder rule); files the project does not have yet are
 * returned as missing, and nothing is made until none is.
 */
export async function receiveFolder(
  ctx: ServiceContext,
  slug: string | null,
  digest: string,
  read: ListingReader,
): Promise<FolderReceipt> {
  const store = checkTarget(ctx, slug, digest);
  const maxFiles = ctx.localContent?.maxFiles ?? 0;
  const files = checkListing(await readListing(read, maxFiles), maxFiles);
  const actual = folderDigest(
    files.map((file) => ({ path: file.path, hex: file.digest.slice(7) })),
  );
  if (actual !== digest) throw new DigestMismatchError(digest, actual);
  const existing = await recorded(ctx, store, slug!, digest);
  if (existing) return { complete: true, created: false, content: withUri(existing) };
  const wanted = [...new Set(files.map((file) => file.digest))];
  const sizes = new Map<string, number>();
  for (let i = 0; i < wanted.length; i += DIGESTS_PER_QUERY) {
    const rows = await ctx.db
      .select({ digest: uploadedContent.digest, sizeBytes: uploadedContent.sizeBytes })
      .from(uploadedContent)
      .innerJoin(projects, eq(projects.id, uploadedContent.projectId))
      .where(
        and(
          eq(projects.slug, slug!),
          eq(uploadedContent.isFolder, false),
          inArray(uploadedContent.digest, wanted.slice(i, i + DIGESTS_PER_QUERY)),
        ),
      );
    for (const row of rows)
      if ((await storedContent(store, row.digest))?.isFolder === false)
        sizes.set(row.digest, row.sizeBytes);
  }
  const missing = wanted.filter((fileDigest) => !sizes.has(fileDigest));
  if (missing.length) return { complete: false, missing };
  const sizeBytes = files.reduce((sum, file) => sum + sizes.get(file.digest)!, 0);
  const maxBytes = ctx.localContent?.maxBytes ?? 0;
  if (sizeBytes > maxBytes)
    throw new ContentRefusedError(`the content is larger than ${maxBytes} bytes`);
  await assembleFolder(store, digest, files);
  return {
    complete: true,
    ...(await record(ctx, slug!, { digest, isFolder: true, sizeBytes, fileCount: files.length })),
  };
}
