// Uploads to the hub's content store, keyed by digest (the hub's rule, DESIGN.md), so that a
// version can be registered as `content:sha256:<hex>` where the hub cannot read the client's
// files (README, "Uploading content"):
//   HEAD /api/v1/content/sha256/{hex}?project=   200: the project has it; 404: not yet, and
//                                                 Upload-Offset says how many bytes arrived
//   PUT  /api/v1/content/sha256/{hex}?project=   a file: its bytes whole, or a chunk
//                                                 (Content-Range: bytes START-END/TOTAL, START
//                                                 the Upload-Offset); or a folder: the listing
//                                                 of its uploaded files (FOLDER_MEDIA_TYPE)
// The caller must be a contributor in the project. Errors are JSON: {error, code}; a file that
// would pass the project's upload quota is a 413 QUOTA_EXCEEDED before any byte is kept.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ContentRefusedError } from '../resolvers/content/local-files.ts';
import { UploadOffsetError } from '../resolvers/content/store.ts';
import type { ServiceContext } from '../resolvers/core/context.ts';
import {
  DigestMismatchError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../resolvers/core/errors.ts';
import {
  receiveChunk,
  receiveFolder,
  type UploadedContentRow,
  UploadQuotaError,
  uploadStatus,
} from '../resolvers/registry/uploads.ts';
import { BodyTooLargeError, readBody, sendJson } from './graphql-endpoint.ts';

/** The media type of a folder's listing: {"files": [{"path": "a/b.png", "digest": "sha256:..."}]}. */
export const FOLDER_MEDIA_TYPE = 'application/vnd.evalhub.folder+json';

const ROUTE = /^\/api\/v1\/content\/sha256\/([^/]+)$/;
const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;

/** Answers a request under /api/v1/content/, or returns false when no route matches. */
export async function serveContentApi(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const match = ROUTE.exec(url.pathname);
  if (!match) return false;
  const digest = `sha256:${match[1]}`;
  const project = url.searchParams.get('project');
  try {
    if (req.method === 'HEAD') await sendStatus(ctx, res, project, digest);
    else if (req.method === 'PUT') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (type === FOLDER_MEDIA_TYPE) await putFolder(ctx, req, res, project, digest);
      else await putFile(ctx, req, res, project, digest);
    } else {
      res.setHeader('allow', 'HEAD, PUT');
      refuse(req, res, 405, 'METHOD_NOT_ALLOWED', 'use HEAD or PUT here');
    }
  } catch (error) {
    if (!res.headersSent) sendError(req, res, error);
    else res.end();
  }
  return true;
}

async function sendStatus(
  ctx: ServiceContext,
  res: ServerResponse,
  project: string | null,
  digest: string,
) {
  const status = await uploadStatus(ctx, project, digest);
  res
    .writeHead(status.stored ? 200 : 404, {
      'upload-offset': String(status.offset),
      ...(status.stored
        ? { 'upload-length': String(status.stored.sizeBytes), 'evalhub-uri': status.stored.uri }
        : {}),
    })
    .end();
}

/** What the client hears of content the project has. */
function described(content: UploadedContentRow & { uri: string }) {
  return {
    complete: true,
    digest: content.digest,
    uri: content.uri,
    isFolder: content.isFolder,
    sizeBytes: content.sizeBytes,
    fileCount: content.fileCount,
  };
}

async function putFile(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  project: string | null,
  digest: string,
) {
  const declared = req.headers['content-length'];
  const length = declared === undefined ? null : Number(declared);
  const range = req.headers['content-range'];
  let chunk: { start: number; length: number | null; total: number };
  if (range !== undefined) {
    const parts = CONTENT_RANGE.exec(range);
    const [start, end, total] = parts ? parts.slice(1).map(Number) : [];
    if (
      start === undefined ||
      end === undefined ||
      total === undefined ||
      end < start ||
      end >= total
    )
      return refuse(req, res, 400, 'BAD_USER_INPUT', 'Content-Range is "bytes START-END/TOTAL"');
    if (length !== null && length !== end - start + 1)
      return refuse(req, res, 400, 'BAD_USER_INPUT', 'Content-Length and Content-Range disagree');
    chunk = { start, length: end - start + 1, total };
  } else {
    if (length === null)
      return refuse(
        req,
        res,
        411,
        'LENGTH_REQUIRED',
        'say the size: Content-Length, or Content-Range',
      );
    chunk = { start: 0, length, total: length };
  }
  const receipt = await receiveChunk(ctx, project, digest, chunk, req);
  if (!receipt.complete) {
    res.setHeader('upload-offset', String(receipt.offset));
    return sendJson(res, 200, { complete: false, offset: receipt.offset });
  }
  res.setHeader('upload-offset', String(receipt.content.sizeBytes));
  if (!req.readableEnded) res.setHeader('connection', 'close');
  sendJson(res, receipt.created ? 201 : 200, described(receipt.content));
}

async function putFolder(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  project: string | null,
  digest: string,
) {
  const receipt = await receiveFolder(ctx, project, digest, (maxBytes) =>
    readListingBody(req, maxBytes),
  );
  if (!receipt.complete)
    return sendJson(res, 409, {
      error: `${receipt.missing.length} of the folder's files are not uploaded to the project yet`,
      code: 'MISSING_FILES',
      missing: receipt.missing,
    });
  sendJson(res, receipt.created ? 201 : 200, described(receipt.content));
}

/**
 * The body, if at most `maxBytes`: a larger Content-Length is refused before any byte is read,
 * and a body that runs past it is not kept further (null either way).
 */
async function readListingBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  if (Number(req.headers['content-length']) > maxBytes) return null;
  try {
    return await readBody(req, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return null;
    throw error;
  }
}

/** Answers an error; a body left unread closes the connection rather than being drained. */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  error: string,
  more: Record<string, unknown> = {},
): void {
  if (!req.readableEnded) res.setHeader('connection', 'close');
  sendJson(res, status, { error, code, ...more });
}

function sendError(req: IncomingMessage, res: ServerResponse, error: unknown) {
  if (error instanceof ValidationError)
    return refuse(req, res, 400, 'BAD_USER_INPUT', error.message, { path: error.inputPath });
  // Not allowed to write there: not seeing the project, or too small a role in it.
  if (error instanceof NotFoundError || error instanceof ForbiddenError)
    return refuse(req, res, 403, 'FORBIDDEN', error.message);
  if (error instanceof DigestMismatchError)
    return refuse(
      req,
      res,
      422,
      'DIGEST_MISMATCH',
      `the content sent has ${error.actual}, not ${error.expected}: nothing was kept`,
      { expected: error.expected, actual: error.actual },
    );
  if (error instanceof UploadOffsetError) {
    res.setHeader('upload-offset', String(error.offset));
    return refuse(req, res, 409, 'OFFSET_MISMATCH', error.message, { offset: error.offset });
  }
  if (error instanceof ContentRefusedError)
    return refuse(req, res, 413, 'TOO_LARGE', error.message);
  if (error instanceof UploadQuotaError)
    return refuse(req, res, 413, 'QUOTA_EXCEEDED', error.message, {
      quotaBytes: error.quotaBytes,
      usedBytes: error.usedBytes,
    });
  throw error;
}
