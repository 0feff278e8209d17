// Uploading a file or a folder to a hub's content store (README, "Uploading content"), for a
// hub that cannot read the caller's files: a file in chunks, each PUT at the offset the hub
// has (HEAD), so a broken connection costs at most one chunk; a folder as its files, then
// their listing. The caller gives the digests, computed with the hub's rule.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { type Connection, HubError } from './connection.ts';

/** Bytes sent in one request. */
export const CHUNK_BYTES = 8 * 2 ** 20;
/** Failed requests in a row (no byte accepted in between) before the upload gives up. */
const ATTEMPTS = 5;
/** Files of a folder sent at once. */
const PARALLEL_FILES = 4;
const FOLDER_MEDIA_TYPE = 'application/vnd.evalhub.folder+json';

/** A file of the content, hashed: `path` relative to the folder ("" for a single file). */
export interface ContentFile {
  path: string;
  /** sha256, hex */
  hex: string;
  size: number;
}

/** What to upload: a file or folder on this machine, and its digest by the hub's rule. */
export interface UploadSource {
  /** The file, or the folder its files' paths are relative to. */
  path: string;
  digest: string;
  isFolder: boolean;
  files: readonly ContentFile[];
}

export interface UploadedContent {
  /** `content:sha256:<hex>`: what a version is registered with. */
  uri: string;
  digest: string;
  sizeBytes: number;
  /** False when the project already had it (no byte was sent). */
  sent: boolean;
}

const route = (digest: string, project: string) =>
  `/api/v1/content/${digest.replace(':', '/')}?project=${encodeURIComponent(project)}`;

async function refusal(response: Response): Promise<HubError> {
  const body = (await response.json().catch(() => null)) as {
    error?: string;
    code?: string;
  } | null;
  return new HubError(body?.error ?? `the hub answered ${response.status}`, response.status, {
    code: body?.code ?? null,
  });
}

/** How many bytes of `digest` the project has: all of it (`stored`), or an upload's offset. */
async function offsetOf(
  connection: Connection,
  project: string,
  digest: string,
): Promise<{ stored: boolean; offset: number }> {
  const response = await connection.send(route(digest, project), { method: 'HEAD' });
  if (response.status !== 200 && response.status !== 404) throw await refusal(response);
  return {
    stored: response.status === 200,
    offset: Number(response.headers.get('upload-offset') ?? 0),
  };
}

/** Sends one file, resuming where the hub's copy ends; `onBytes` is told each chunk sent. */
async function uploadFile(
  connection: Connection,
  project: string,
  path: string,
  file: { digest: string; size: number },
  onBytes: (n: number) => void,
): Promise<boolean> {
  let { stored, offset } = await offsetOf(connection, project, file.digest);
  if (stored) {
    onBytes(file.size);
    return false;
  }
  onBytes(offset);
  const handle = await open(path, 'r');
  try {
    let failures = 0;
    for (;;) {
      const end = Math.min(offset + CHUNK_BYTES, file.size);
      const chunk = Buffer.alloc(end - offset);
      await handle.read(chunk, 0, chunk.length, offset);
      const response = await connection
        .send(route(file.digest, project), {
          method: 'PUT',
          headers: {
            'content-type': 'application/octet-stream',
            ...(file.size > 0
              ? { 'content-range': `bytes ${offset}-${end - 1}/${file.size}` }
              : {}),
          },
          body: chunk,
        })
        .catch((error: HubError) => error);
      if (response instanceof Response && response.ok) {
        const answer = (await response.json()) as { complete: boolean };
        onBytes(end - offset);
        if (answer.complete) return true;
        offset = end;
        failures = 0;
        continue;
      }
      // Refused for what it is (digest, size, role): no retry changes that.
      if (response instanceof Response && ![409, 500, 502, 503, 504].includes(response.status))
        throw await refusal(response);
      if (++failures >= ATTEMPTS)
        throw response instanceof Response ? await refusal(response) : response;
      // Broken off, or out of place: go on from what the hub has.
      const now = await offsetOf(connection, project, file.digest);
      if (now.stored) return true;
      onBytes(now.offset - end);
      offset = now.offset;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Uploads a file or a folder to the project's content store, unless the project has it.
 * `onProgress` is told the bytes done and the total.
 */
export async function uploadContent(
  connection: Connection,
  project: string,
  source: UploadSource,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<UploadedContent> {
  const total = source.files.reduce((sum, file) => sum + file.size, 0);
  let done = 0;
  const onBytes = (n: number) => {
    done += n;
    onProgress(done, total);
  };
  if (!source.isFolder) {
    const sent = await uploadFile(
      connection,
      project,
      source.path,
      { digest: source.digest, size: total },
      onBytes,
    );
    return { uri: `content:${source.digest}`, digest: source.digest, sizeBytes: total, sent };
  }
  const listing = JSON.stringify({
    files: source.files.map((file) => ({ path: file.path, digest: `sha256:${file.hex}` })),
  });
  const sendListing = () =>
    connection.send(route(source.digest, project), {
      method: 'PUT',
      headers: { 'content-type': FOLDER_MEDIA_TYPE },
      body: listing,
    });
  let answer = await sendListing();
  const sent = answer.status === 409;
  if (answer.status === 409) {
    const { missing } = (await answer.json()) as { missing?: string[] };
    if (!missing) throw new HubError('the hub refused the folder listing', 409);
    const byDigest = new Map(source.files.map((file) => [`sha256:${file.hex}`, file]));
    const queue = [...missing];
    onBytes(total - missing.reduce((sum, digest) => sum + (byDigest.get(digest)?.size ?? 0), 0));
    const worker = async () => {
      for (let digest = queue.shift(); digest; digest = queue.shift()) {
        const file = byDigest.get(digest);
        if (!file) throw new HubError(`the hub asked for ${digest}, which is not in the folder`);
        await uploadFile(
          connection,
          project,
          join(source.path, file.path),
          { digest, size: file.size },
          onBytes,
        );
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_FILES }, worker));
    answer = await sendListing();
  } else onBytes(total);
  if (!answer.ok) throw await refusal(answer);
  return { uri: `content:${source.digest}`, digest: source.digest, sizeBytes: total, sent };
}
