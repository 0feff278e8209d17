// Content uploaded to the hub's store by digest, for a hub that cannot read the client's
// files (its data roots hold none of them): verified on arrival, chunked and resumable,
// scoped to a project, registered as `content:sha256:<hex>`, and read by the workers.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows } from '../src/db/rows.ts';
import { STALE_UPLOAD_MS } from '../src/resolvers/content/store.ts';
import { graphql } from './gql/index.ts';
import {
  coreutilsFileDigest,
  coreutilsFolderDigest,
  tempFolder,
  writeTree,
} from './support/files.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { writeImageFolder } from './support/image-datasets.ts';
import {
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
  RegisterModel,
  RegisterModelVersion,
} from './support/registry-documents.ts';
import { StartRun, waitForStatus } from './support/run-documents.ts';

const FOLDER = 'application/vnd.evalhub.folder+json';

const ReproduceRun = graphql(`
  mutation ReproduceUploadedRun($id: ID!) {
    reproduceRun(id: $id) {
      __typename
      ... on RunPayload { run { id } }
      ... on Error { message }
    }
  }
`);
/** Each project's upload quota here: more than the other tests upload to one project. */
const QUOTA = 600_000;
const files = tempFolder();
const store = tempFolder('evalhub-store-');
let t: TestHub;

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const url = (hex: string, project = 'up') =>
  `${t.hub.url}/api/v1/content/sha256/${hex}?project=${project}`;
const head = (hex: string, project?: string) => fetch(url(hex, project), { method: 'HEAD' });
const put = (
  hex: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
  project?: string,
) =>
  fetch(url(hex, project), {
    method: 'PUT',
    body,
    headers: { 'content-type': 'application/octet-stream', ...headers },
  });

/** Rows of uploaded_content, as "project digest". */
async function uploadRows(): Promise<string[]> {
  const rows = await selectRows<{ slug: string; digest: string }>(
    t.database.db,
    sql`select p.slug, u.digest from uploaded_content u join projects p on p.id = u.project_id order by 1, 2`,
  );
  return rows.map((row) => `${row.slug} ${row.digest}`);
}

beforeAll(async () => {
  t = await startTestHub({
    config: {
      storeDir: store.path,
      // Like a hub on another machine: no local path of the client is readable.
      hostConfig: {
        ...(await import('../src/config.ts')).loadConfig({}).hostConfig,
        dataRoots: [join(store.path, 'nothing-here')],
        maxContentBytes: 1_000_000,
        // A folder's listing is then at most 1024 + 100 × 256 = 26,624 bytes.
        maxContentFiles: 100,
        projectUploadQuotaBytes: QUOTA,
      },
    },
  });
  await t.graphql(RegisterModel, { input: { project: 'up', name: 'net', task: 'OTHER' } });
  await t.graphql(RegisterDataset, {
    input: { project: 'up', name: 'pets', task: 'IMAGE_CLASSIFICATION' },
  });
});

afterAll(async () => {
  await t?.close();
  files.remove();
  store.remove();
});

describe('uploading a file', () => {
  it('keeps a file whose bytes have its digest, once, and registers it by content uri', async () => {
    const bytes = Buffer.from('an onnx model, as far as this test cares');
    const hex = sha(bytes);
    expect((await head(hex)).status).toBe(404);
    const first = await put(hex, bytes);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({
      complete: true,
      digest: `sha256:${hex}`,
      uri: `content:sha256:${hex}`,
      isFolder: false,
      sizeBytes: bytes.length,
      fileCount: 1,
    });
    const known = await head(hex);
    expect(known.status).toBe(200);
    expect(known.headers.get('upload-length')).toBe(String(bytes.length));
    expect((await put(hex, bytes)).status).toBe(200);
    expect(readFileSync(join(store.path, 'content', `sha256-${hex}`))).toEqual(bytes);

    const { data } = await t.graphql(RegisterModelVersion, {
      input: { model: 'up/net', version: 'v1', uri: `content:sha256:${hex}`, format: 'OTHER' },
    });
    const { modelVersion } = expectType(data.registerModelVersion, 'RegisterModelVersionPayload');
    expect(modelVersion).toMatchObject({
      uri: `content:sha256:${hex}`,
      digest: `sha256:${hex}`,
      sizeBytes: bytes.length,
    });
  });

  it('refuses bytes that do not have the digest, and keeps nothing', async () => {
    const rowsBefore = await uploadRows();
    const claimed = sha('what the client meant');
    const response = await put(claimed, 'what arrived instead');
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      code: 'DIGEST_MISMATCH',
      expected: `sha256:${claimed}`,
      actual: `sha256:${sha('what arrived instead')}`,
    });
    const after = await head(claimed);
    expect([after.status, after.headers.get('upload-offset')]).toEqual([404, '0']);
    expect(existsSync(join(store.path, 'content', `sha256-${claimed}`))).toBe(false);
    expect(await uploadRows()).toEqual(rowsBefore);
  });

  it('refuses content over the size limit before reading it', async () => {
    const big = Buffer.alloc(1_000_001, 7);
    const response = await put(sha(big), big);
    expect([response.status, ((await response.json()) as { code: string }).code]).toEqual([
      413,
      'TOO_LARGE',
    ]);
    expect((await head(sha(big))).headers.get('upload-offset')).toBe('0');
  });

  it('takes a file in chunks, refuses a chunk out of place, and resumes after a broken request', async () => {
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251));
    const hex = sha(bytes);
    const chunk = (start: number, end: number) =>
      put(hex, bytes.subarray(start, end), {
        'content-range': `bytes ${start}-${end - 1}/${bytes.length}`,
      });
    const first = await chunk(0, 100_000);
    expect([first.status, await first.json()]).toEqual([200, { complete: false, offset: 100_000 }]);
    const misplaced = await chunk(150_000, 200_000);
    expect([misplaced.status, misplaced.headers.get('upload-offset')]).toEqual([409, '100000']);

    // A request that breaks off part way: what arrived is kept, and the client goes on from it.
    await new Promise<void>((resolve) => {
      const req = request(url(hex), {
        method: 'PUT',
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `bytes 100000-199999/${bytes.length}`,
        },
      });
      req.on('error', () => resolve());
      req.write(bytes.subarray(100_000, 150_000), () => {
        req.destroy();
        resolve();
      });
    });
    let answer: Response;
    for (;;) {
      const offset = Number((await head(hex)).headers.get('upload-offset'));
      answer = await chunk(offset, bytes.length);
      if (answer.status !== 409) break;
    }
    expect(answer.status).toBe(201);
    expect(((await answer.json()) as { sizeBytes: number }).sizeBytes).toBe(bytes.length);
    expect(sha(readFileSync(join(store.path, 'content', `sha256-${hex}`)))).toBe(hex);
    expect(readdirSync(join(store.path, 'uploads', 'up'))).not.toContain(`sha256-${hex}.part`);
  });
  it('stores a copy of its own: a partial another hub process holds open cannot change it', async () => {
    const bytes = Buffer.from('content many hub processes may be sent at once');
    const hex = sha(bytes);
    const partial = join(store.path, 'uploads', 'up', `sha256-${hex}.part`);
    await put(hex, bytes.subarray(0, 10), { 'content-range': `bytes 0-9/${bytes.length}` });
    // Another hub process (same store) writing a chunk of its own holds the partial open.
    const other = await open(partial, 'r+');
    try {
      const done = await put(hex, bytes.subarray(10), {
        'content-range': `bytes 10-${bytes.length - 1}/${bytes.length}`,
      });
      expect(done.status).toBe(201);
      await other.write(Buffer.from('X'.repeat(bytes.length)), 0, bytes.length, 0);
    } finally {
      await other.close();
    }
    expect(sha(readFileSync(join(store.path, 'content', `sha256-${hex}`)))).toBe(hex);
  });

  it('drops an unfinished upload left alone for a week when another starts', async () => {
    const bytes = Buffer.from('a big file, never finished');
    const hex = sha(bytes);
    const partial = join(store.path, 'uploads', 'up', `sha256-${hex}.part`);
    await put(hex, bytes.subarray(0, 5), { 'content-range': `bytes 0-4/${bytes.length}` });
    expect((await head(hex)).headers.get('upload-offset')).toBe('5');
    const weekAgo = new Date(Date.now() - STALE_UPLOAD_MS - 60_000);
    utimesSync(partial, weekAgo, weekAgo);
    expect((await put(sha('another'), 'another')).status).toBe(201);
    expect(existsSync(partial)).toBe(false);
    expect((await head(hex)).headers.get('upload-offset')).toBe('0');
  });
});

describe("a project's upload quota", () => {
  it('refuses a file that would pass it before keeping any byte, and counts per project', async () => {
    const first = Buffer.alloc(400_000, 1);
    const second = Buffer.alloc(300_000, 2);
    expect((await put(sha(first), first, {}, 'quota')).status).toBe(201);
    const rowsBefore = await uploadRows();

    const refused = await put(sha(second), second, {}, 'quota');
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({
      code: 'QUOTA_EXCEEDED',
      error:
        'project quota keeps 400000 bytes of uploads; 300000 more would pass its quota of ' +
        `${QUOTA} bytes (EVALHUB_PROJECT_UPLOAD_QUOTA_BYTES)`,
      quotaBytes: QUOTA,
      usedBytes: 400_000,
    });
    // Its first chunk is refused as well: the whole file's size counts.
    const chunk = await put(
      sha(second),
      second.subarray(0, 100),
      {
        'content-range': `bytes 0-99/${second.length}`,
      },
      'quota',
    );
    expect(chunk.status).toBe(413);
    expect(((await chunk.json()) as { code: string }).code).toBe('QUOTA_EXCEEDED');
    const status = await head(sha(second), 'quota');
    expect(status.status).toBe(404);
    expect(status.headers.get('upload-offset')).toBe('0');
    expect(existsSync(join(store.path, 'content', `sha256-${sha(second)}`))).toBe(false);
    expect(await uploadRows()).toEqual(rowsBefore);

    // Content the project has already costs nothing more; another project has its own quota.
    expect((await put(sha(first), first, {}, 'quota')).status).toBe(200);
    expect((await put(sha(second), second, {}, 'quota-other')).status).toBe(201);
  });
});

describe('uploading a folder', () => {
  it('assembles a folder from its uploaded files, and a run reads it from the store', async () => {
    const root = join(files.path, 'pets');
    const written = await writeImageFolder(root, {
      cat: [{ colour: [200, 30, 30] }, { colour: [210, 40, 20], noise: 5 }],
      dog: [{ colour: [30, 30, 200] }],
    });
    const listing = written.map((path) => ({
      path,
      digest: `sha256:${sha(readFileSync(join(root, path)))}`,
    }));
    const folderHex = coreutilsFolderDigest(root).replace('sha256:', '');
    const send = () =>
      put(folderHex, JSON.stringify({ files: listing }), { 'content-type': FOLDER });

    // The first file is uploaded; the folder then names the others as missing.
    expect((await put(listing[0]!.digest.slice(7), readFileSync(join(root, written[0]!)))).ok).toBe(
      true,
    );
    const missing = await send();
    expect(missing.status).toBe(409);
    expect(((await missing.json()) as { missing: string[] }).missing.sort()).toEqual(
      [...new Set(listing.slice(1).map((file) => file.digest))].sort(),
    );
    for (const [i, file] of listing.entries())
      await put(file.digest.slice(7), readFileSync(join(root, written[i]!)));
    const made = await send();
    expect(made.status).toBe(201);
    expect(await made.json()).toMatchObject({ isFolder: true, fileCount: written.length });
    expect(coreutilsFolderDigest(join(store.path, 'content', `sha256-${folderHex}`))).toBe(
      `sha256:${folderHex}`,
    );

    // By path, this hub reads nothing; by content uri, the version is registered and inspected.
    const byPath = await t.graphql(RegisterDatasetVersion, {
      input: { dataset: 'up/pets', version: 'local', uri: root, format: 'IMAGE_FOLDER' },
    });
    expect(expectType(byPath.data.registerDatasetVersion, 'ValidationError').message).toContain(
      'outside the allowed roots',
    );
    const { data } = await t.graphql(RegisterDatasetVersion, {
      input: {
        dataset: 'up/pets',
        version: 'v1',
        uri: `content:sha256:${folderHex}`,
        format: 'IMAGE_FOLDER',
      },
    });
    const { datasetVersion } = expectType(
      data.registerDatasetVersion,
      'RegisterDatasetVersionPayload',
    );
    expect(datasetVersion).toMatchObject({
      digest: coreutilsFolderDigest(root),
      itemCount: 3,
      labels: ['cat', 'dog'],
    });

    const started = await t.graphql(StartRun, {
      input: {
        project: 'up',
        runner: 'profile-dataset',
        inputs: [{ role: 'dataset', version: datasetVersion.id }],
      },
    });
    const { run } = expectType(started.data.startRun, 'StartRunPayload');
    const done = await waitForStatus(t, run.id, ['SUCCEEDED', 'FAILED']);
    expect([done.status, done.error]).toEqual(['SUCCEEDED', null]);

    // Reproduced: its uploaded input is checked again in the store, and the run is redone.
    const reproduced = await t.graphql(ReproduceRun, { id: run.id });
    const again = expectType(reproduced.data.reproduceRun, 'RunPayload').run;
    expect((await waitForStatus(t, again.id, ['SUCCEEDED', 'FAILED'])).status).toBe('SUCCEEDED');
  });

  it('refuses a listing whose digest is not the folder digest, or with unsafe paths', async () => {
    const hex = sha('x');
    const listing = { files: [{ path: 'a.txt', digest: `sha256:${hex}` }] };
    const wrong = await put(sha('not the folder'), JSON.stringify(listing), {
      'content-type': FOLDER,
    });
    expect([wrong.status, ((await wrong.json()) as { code: string }).code]).toEqual([
      422,
      'DIGEST_MISMATCH',
    ]);
    for (const path of ['../a', '/etc/passwd', 'a//b', 'a/./b']) {
      const unsafe = await put(
        hex,
        JSON.stringify({ files: [{ path, digest: `sha256:${hex}` }] }),
        { 'content-type': FOLDER },
      );
      expect(unsafe.status, path).toBe(400);
    }
  });

  it('refuses a listing past what the file limit allows before reading more, and keeps nothing', async () => {
    const rowsBefore = await uploadRows();
    const stored = () => readdirSync(join(store.path, 'content')).sort();
    const storedBefore = stored();
    const hex = sha('a folder of long names');
    const entry = (i: number) => ({
      path: `${'n'.repeat(3000)}-${i}`,
      digest: `sha256:${sha(String(i))}`,
    });
    // Ten files, within the file limit, but 30 KB of listing.
    const long = JSON.stringify({ files: Array.from({ length: 10 }, (_, i) => entry(i)) });
    expect(long.length).toBeGreaterThan(26_624);
    const refused = await put(hex, long, { 'content-type': FOLDER });
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({
      code: 'TOO_LARGE',
      error: expect.stringContaining("a folder's listing is at most 26624 bytes"),
    });

    // Sent without a length, the hub answers once the cap is passed, the request still open.
    const streamed = request(url(hex), {
      method: 'PUT',
      headers: { 'content-type': FOLDER, 'transfer-encoding': 'chunked' },
    });
    streamed.on('error', () => {});
    const answered = new Promise<{ status: number; body: string }>((resolve) =>
      streamed.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      }),
    );
    streamed.write(`{"files": [${' '.repeat(30_000)}`);
    const answer = await answered;
    expect(streamed.writableEnded).toBe(false);
    streamed.destroy();
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'TOO_LARGE' });

    // Within the cap, more files than the limit are refused too.
    const many = JSON.stringify({
      files: Array.from({ length: 101 }, (_, i) => ({ path: `f${i}`, digest: entry(i).digest })),
    });
    expect(many.length).toBeLessThan(26_624);
    const tooMany = await put(hex, many, { 'content-type': FOLDER });
    expect([tooMany.status, await tooMany.json()]).toEqual([
      413,
      { code: 'TOO_LARGE', error: 'the folder has more than 100 files' },
    ]);
    expect(await uploadRows()).toEqual(rowsBefore);
    expect(stored()).toEqual(storedBefore);
  });
});

describe('who may upload, and where it may be used', () => {
  it('takes a contributor in the project; content of one project is not another’s', async () => {
    const bytes = Buffer.from('content of the up project only');
    const hex = sha(bytes);
    writeTree(files.path, { 'other.bin': bytes });
    expect(coreutilsFileDigest(join(files.path, 'other.bin'))).toBe(`sha256:${hex}`);
    const as = (actor: ReturnType<typeof memberOf>) => ({
      'x-test-actor': JSON.stringify(actor),
    });
    const viewer = await fetch(url(hex), {
      method: 'PUT',
      body: bytes,
      headers: {
        ...as(memberOf('v', ['up'], 'viewer')),
        'content-type': 'application/octet-stream',
      },
    });
    expect([viewer.status, ((await viewer.json()) as { code: string }).code]).toEqual([
      403,
      'FORBIDDEN',
    ]);
    const outsider = await fetch(url(hex), {
      method: 'HEAD',
      headers: as(memberOf('o', ['else'])),
    });
    expect(outsider.status).toBe(403);
    expect((await put(hex, bytes)).status).toBe(201);

    // Registered in another project, the upload to "up" does not count.
    await t.graphql(RegisterModel, { input: { project: 'elsewhere', name: 'net', task: 'OTHER' } });
    const { data } = await t.graphql(RegisterModelVersion, {
      input: { model: 'elsewhere/net', uri: `content:sha256:${hex}`, format: 'OTHER' },
    });
    expect(expectType(data.registerModelVersion, 'ValidationError').message).toContain(
      'was uploaded to this project',
    );
    expect((await head(hex, 'elsewhere')).status).toBe(404);
  });
});
