// Where a version's bytes are, and what their digest is.
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { and, eq } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import { projects, uploadedContent } from '../../db/schema.ts';
import type { Actor } from '../core/actor.ts';
import type { LocalContentPolicy } from '../core/context.ts';
import { DigestMismatchError, ValidationError } from '../core/errors.ts';
import { DIGEST_PATTERN, digestMeasured, measureContent } from './digest.ts';
import {
  allowedLocalPath,
  ContentRefusedError,
  NO_LOCAL_CONTENT,
  outside,
  rootsFor,
} from './local-files.ts';
import { CONTENT_URI, outputsFolder, storedContent, storedPath } from './store.ts';

export interface ResolvedContent {
  /** The uri as given, or the `file://` URL of a local path. */
  uri: string;
  digest: string;
  sizeBytes: number | null;
  /** The local path when the hub can read the content itself. */
  localPath: string | null;
  isFolder: boolean;
}

/** A local path named by the uri, or null when the uri names something remote. */
export function localPathOf(uri: string, path: string[]): string | null {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) return null;
  if (!isAbsolute(uri)) {
    throw new ValidationError(
      'a local uri must be an absolute path (the hub does not know your working directory)',
      path,
    );
  }
  return uri;
}

function checkShape(
  isFolder: boolean,
  shape: 'file' | 'folder' | 'either',
  format: string,
  uriPath: string[],
): void {
  if (shape !== 'either' && isFolder !== (shape === 'folder'))
    throw new ValidationError(`${format} content is a single ${shape}`, uriPath);
}

/** Local content larger than the policy hashes in a request: to be hashed in the background. */
export interface LargeContent {
  large: true;
  sizeBytes: number;
}

/** Who asks for local content, and what the operator allows. */
export interface ContentAccess {
  actor: Actor;
  policy: LocalContentPolicy | undefined;
  /** The project the content is registered in: uploaded content must have been sent there. */
  project?: { db: Queryable; id: string };
  /** Stops the hashing when the request is abandoned. */
  signal?: AbortSignal | undefined;
  /**
   * Hashing in the background (content-registrations.ts): content of any size is hashed,
   * and its progress told here.
   */
  background?: { onProgress: (bytesDone: number, bytesTotal: number) => void } | undefined;
}

/**
 * The roots the actor may read below for the project the content is for: the project's own
 * roots are looked up only when the operator gave some.
 */
async function rootsOf(
  access: ContentAccess,
  policy: LocalContentPolicy,
): Promise<readonly string[]> {
  let slug: string | null = null;
  if (access.project && Object.keys(policy.projectRoots ?? {}).length) {
    const [project] = await access.project.db
      .select({ slug: projects.slug })
      .from(projects)
      .where(eq(projects.id, access.project.id));
    slug = project?.slug ?? null;
  }
  return rootsFor(policy, access.actor, slug);
}

/**
 * Content uploaded to the hub's store (`content:sha256:<hex>`): verified when it arrived,
 * so it is not hashed again; the data roots do not apply, the store being the hub's own.
 */
async function uploaded(
  access: ContentAccess,
  digest: string,
  expected: string | null,
  uriPath: string[],
): Promise<ResolvedContent> {
  if (expected && expected !== digest) throw new DigestMismatchError(expected, digest);
  const store = access.policy?.contentStore;
  const project = access.project;
  const [row] =
    store && project
      ? await project.db
          .select()
          .from(uploadedContent)
          .where(and(eq(uploadedContent.projectId, project.id), eq(uploadedContent.digest, digest)))
      : [];
  if (!row || !store || !(await storedContent(store, digest))) {
    throw new ValidationError(
      `no content ${digest} was uploaded to this project: upload it first (PUT /api/v1/content/${digest}?project=...)`,
      uriPath,
    );
  }
  return {
    uri: `content:${digest}`,
    digest,
    sizeBytes: row.sizeBytes,
    localPath: storedPath(store, digest),
    isFolder: row.isFolder,
  };
}

/** A file vanished or was replaced by something else while it was read (ENOENT, ENOTDIR...). */
const VANISHED = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'EISDIR']);

/**
 * Computes the digest of local content and checks the caller's digest against it; for
 * remote content the caller's digest is taken as given, so it is required. Local content is
 * read only inside the roots the policy allows the actor, within its limits. Local content
 * larger than the policy's `inlineHashBytes` is measured, not hashed (LargeContent), unless
 * this is the background hashing of it.
 */
export async function resolveContent(
  access: ContentAccess,
  uri: string,
  givenDigest: string | null | undefined,
  path: string[],
  /** What the format needs; checked before any byte is hashed. */
  shape: 'file' | 'folder' | 'either',
  format: string,
): Promise<ResolvedContent | LargeContent> {
  const uriPath = [...path, 'uri'];
  const digestField = [...path, 'digest'];
  if (!uri.trim()) throw new ValidationError('uri must not be empty', uriPath);
  const expected = givenDigest?.trim().toLowerCase() || null;
  if (expected && !DIGEST_PATTERN.test(expected)) {
    throw new ValidationError(
      'a digest is "sha256:" followed by 64 hexadecimal digits',
      digestField,
    );
  }
  const upload = CONTENT_URI.exec(uri.trim());
  if (upload) {
    const content = await uploaded(access, upload[1]!, expected, uriPath);
    checkShape(content.isFolder, shape, format, uriPath);
    return content;
  }
  const localPath = localPathOf(uri, uriPath);
  if (!localPath) {
    if (!expected) {
      throw new ValidationError(
        'the hub cannot read this uri, so give the digest of its content',
        digestField,
      );
    }
    return { uri, digest: expected, sizeBytes: null, localPath: null, isFolder: false };
  }
  const policy = access.policy ?? NO_LOCAL_CONTENT;
  const allowed = await allowedLocalPath(
    localPath,
    await rootsOf(access, policy),
    uriPath,
    policy.hubFolders,
  );
  checkShape(allowed.isFolder, shape, format, uriPath);
  let content: Awaited<ReturnType<typeof digestMeasured>>;
  try {
    const measured = await measureContent(allowed.realPath, { ...policy, signal: access.signal });
    if (!access.background && measured.sizeBytes > (policy.inlineHashBytes ?? Infinity))
      return { large: true, sizeBytes: measured.sizeBytes };
    content = await digestMeasured(
      allowed.realPath,
      measured,
      access.background?.onProgress,
      access.signal,
    );
  } catch (error) {
    if (error instanceof ContentRefusedError) throw new ValidationError(error.message, uriPath);
    const code = (error as NodeJS.ErrnoException).code;
    if (code && VANISHED.has(code))
      throw new ValidationError('the content changed while it was being read', uriPath);
    throw error;
  }
  if (expected && expected !== content.digest)
    throw new DigestMismatchError(expected, content.digest);
  return {
    uri: pathToFileURL(allowed.realPath).href,
    digest: content.digest,
    sizeBytes: content.sizeBytes,
    localPath: allowed.realPath,
    isFolder: allowed.isFolder,
  };
}

/**
 * Checks, without reading a byte, that the hub may read a recorded version's content for
 * `access.actor` (a run is to use it): a local path inside the roots the policy allows them,
 * or a dataset a run made (in the store); content uploaded to the version's project
 * (`access.project`). A version an import recorded names whatever its tool said, so its uri
 * is checked as a registration's would be. Remote content, which the hub never reads, passes.
 */
export async function checkReadableContent(
  access: ContentAccess,
  uri: string,
  path: string[],
): Promise<void> {
  const uriPath = [...path, 'uri'];
  const upload = CONTENT_URI.exec(uri);
  if (upload) {
    await uploaded(access, upload[1]!, null, uriPath);
    return;
  }
  let localPath: string | null;
  try {
    localPath = localPathOf(uri, uriPath);
  } catch {
    // A file URL naming another host, or a path that is not absolute: nothing the hub reads.
    throw outside(uriPath);
  }
  if (!localPath) return;
  const policy = access.policy ?? NO_LOCAL_CONTENT;
  const made = policy.contentStore ? [outputsFolder(policy.contentStore)] : [];
  const inMade = await allowedLocalPath(localPath, made, uriPath).then(
    () => true,
    () => false,
  );
  if (!inMade)
    await allowedLocalPath(localPath, await rootsOf(access, policy), uriPath, policy.hubFolders);
}
