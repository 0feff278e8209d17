// Content too large to hash in the request (EVALHUB_INLINE_HASH_BYTES, set low here) is
// registered in the background: the mutation answers a ContentRegistration at once; a hub
// process hashes it under a lease, its progress streams to subscribers, and the version it
// registers is the one inline hashing gives. A failure ends it with a typed error and no
// version; a registration whose hasher died is taken up again once its lease runs out.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selectRows } from '../src/db/rows.ts';
import { ContentHasher } from '../src/engine/content-hasher.ts';
import { localOperator } from '../src/resolvers/core/actor.ts';
import { createApiToken, revokeApiToken } from '../src/resolvers/identity/tokens.ts';
import {
  claimContentRegistration,
  OPEN_REGISTRATIONS_PER_PROJECT,
  recordHashingProgress,
} from '../src/resolvers/registry/content-registrations.ts';
import { RunnerRegistry } from '../src/runners/registry.ts';
import { localContentPolicy } from '../src/server.ts';
import { graphql } from './gql/index.ts';
import { runEvalhub } from './support/cli.ts';
import { coreutilsFileDigest, tempFolder, writeTree } from './support/files.ts';
import { memberOf, startTestHub, type TestHub, testHubConfig } from './support/hub.ts';
import { RegisterDataset, RegisterModel } from './support/registry-documents.ts';
import { subscriptionClient } from './support/ws.ts';

const INLINE_BYTES = 64 * 1024;
const config = { hostConfig: { ...testHubConfig().hostConfig, inlineHashBytes: INLINE_BYTES } };

const Register = graphql(`
  mutation BackgroundRegister($input: RegisterModelVersionInput!) {
    registerModelVersion(input: $input) {
      __typename
      ... on RegisterModelVersionPayload { created modelVersion { id digest } }
      ... on ContentRegistration { id state bytesHashed bytesTotal }
      ... on Error { message }
    }
  }
`);

const RegisterData = graphql(`
  mutation BackgroundRegisterDataset($input: RegisterDatasetVersionInput!) {
    registerDatasetVersion(input: $input) {
      __typename
      ... on RegisterDatasetVersionPayload { datasetVersion { id digest } }
      ... on ContentRegistration { id state bytesTotal }
      ... on Error { message }
    }
  }
`);

const Registration = graphql(`
  query BackgroundRegistration($id: ID!) {
    contentRegistration(id: $id) {
      id state bytesHashed bytesTotal versionCreated finishedAt
      project { slug }
      registeredModelVersion { id version digest sizeBytes }
      registeredDatasetVersion { id digest itemCount }
      error { __typename message ... on ValidationError { path } }
    }
  }
`);

const Progress = graphql(`
  subscription BackgroundProgress($id: ID!) {
    contentRegistrationProgress(id: $id) {
      state bytesHashed bytesTotal
      registeredModelVersion { id digest }
      error { __typename message }
    }
  }
`);

const files = tempFolder();
let t: TestHub;
const hashers: ContentHasher[] = [];

/** Another hub process's hasher, on the same database. */
function anotherHubProcess(pollMs?: number): ContentHasher {
  const hasher = new ContentHasher({
    db: t.database.db,
    runners: t.hub.runners,
    localContent: localContentPolicy(testHubConfig(config)),
    listener: t.hub.listener,
    leaseMs: 2000,
    ...(pollMs ? { pollMs } : {}),
  });
  hashers.push(hasher);
  hasher.start();
  return hasher;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const registration = async (id: string, as = memberOf('alice', ['bg'])) =>
  (await t.graphql(Registration, { id }, { as })).data.contentRegistration;

const finished = (id: string) =>
  waitFor(
    () => registration(id),
    (r) => r?.state === 'DONE' || r?.state === 'FAILED',
  );

async function register(name: string, uri: string, format: 'OTHER' | 'ONNX' = 'OTHER') {
  await t.graphql(RegisterModel, { input: { project: 'bg', name, task: 'OTHER' } });
  const { data } = await t.graphql(Register, { input: { model: `bg/${name}`, uri, format } });
  return data.registerModelVersion;
}

/** Rows of `table` where `where` holds, read straight from the database. */
async function count(table: string, where: SQL = sql`true`): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    t.database.db,
    sql`select count(*)::int as n from ${sql.identifier(table)} where ${where}`,
  );
  return row!.n;
}

const bigFile = (name: string, bytes = 4 * 2 ** 20) => {
  const path = join(files.path, name);
  writeFileSync(path, randomBytes(bytes));
  return path;
};

beforeAll(async () => {
  t = await startTestHub({ config });
  // The hub's own hasher is stopped: each test starts "another hub process" when it is ready.
  await t.hub.hasher.stop();
}, 60_000);

afterEach(async () => {
  await Promise.all(hashers.splice(0).map((h) => h.stop()));
});

afterAll(async () => {
  await t.close();
  files.remove();
});

describe('background registration', () => {
  it('hashes above the threshold in the background, streaming progress to the version inline hashing gives', async () => {
    const path = bigFile('weights.bin');
    const answer = await register('big', path);
    expect(answer.__typename).toBe('ContentRegistration');
    if (answer.__typename !== 'ContentRegistration') return;
    expect(answer).toMatchObject({ state: 'QUEUED', bytesHashed: 0, bytesTotal: 4 * 2 ** 20 });

    const ws = subscriptionClient(t.hub.url, memberOf('alice', ['bg'], 'viewer'));
    const seen: Array<{ state: string; bytesHashed: number; digest: string | null }> = [];
    const stream = ws.iterate(Progress, { id: answer.id });
    const first = await stream.next();
    const now = first.value!.data!.contentRegistrationProgress;
    expect(now.state).toBe('QUEUED');
    anotherHubProcess();
    for await (const result of stream) {
      expect(result.errors).toBeUndefined();
      const r = result.data!.contentRegistrationProgress;
      seen.push({
        state: r.state,
        bytesHashed: r.bytesHashed,
        digest: r.registeredModelVersion?.digest ?? null,
      });
    }
    await ws.close();

    // Rising, never falling, to the total; then the version.
    const bytes = seen.map((s) => s.bytesHashed);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(
      seen.some((s) => s.state === 'HASHING' && s.bytesHashed > 0 && s.bytesHashed < 4 * 2 ** 20),
    ).toBe(true);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ state: 'DONE', bytesHashed: 4 * 2 ** 20 });
    expect(last.digest).toBe(coreutilsFileDigest(path));

    const done = await registration(answer.id);
    expect(done).toMatchObject({
      state: 'DONE',
      versionCreated: true,
      project: { slug: 'bg' },
      registeredModelVersion: {
        version: 'v1',
        digest: coreutilsFileDigest(path),
        sizeBytes: 4 * 2 ** 20,
      },
      error: null,
    });
    // Recorded as the request would have: one version, one audit record, by the caller.
    const audit = await selectRows<{ actor: string }>(
      t.database.db,
      sql`select actor from audit_log where action = 'model.version.register' and details->>'digest' = ${coreutilsFileDigest(path)}`,
    );
    expect(audit).toEqual([{ actor: 'local:tester' }]);

    // The same content again is hashed again in the background, and dedupes to that version.
    const again = await t.graphql(Register, {
      input: { model: 'bg/big', uri: path, format: 'OTHER' },
    });
    const second = again.data.registerModelVersion;
    if (second.__typename !== 'ContentRegistration') throw new Error(second.__typename);
    anotherHubProcess();
    expect(await finished(second.id)).toMatchObject({
      state: 'DONE',
      versionCreated: false,
      registeredModelVersion: { id: done!.registeredModelVersion!.id },
    });
  });

  it('keeps small content in the request, as before', async () => {
    writeTree(files.path, { 'small.bin': 'x'.repeat(INLINE_BYTES) });
    const path = join(files.path, 'small.bin');
    const answer = await register('small', path);
    expect(answer).toMatchObject({
      __typename: 'RegisterModelVersionPayload',
      created: true,
      modelVersion: { digest: coreutilsFileDigest(path) },
    });
  });

  it('shows a registration only to those who may see its project', async () => {
    const answer = await register('hidden', bigFile('hidden.bin', INLINE_BYTES + 1));
    if (answer.__typename !== 'ContentRegistration') throw new Error(answer.__typename);
    expect(await registration(answer.id, memberOf('bob', ['elsewhere']))).toBeNull();
    expect((await registration(answer.id, memberOf('carol', ['bg'], 'viewer')))?.state).toBe(
      'QUEUED',
    );

    const ws = subscriptionClient(t.hub.url, memberOf('bob', ['elsewhere']));
    const outsider = await ws.iterate(Progress, { id: answer.id }).next();
    await ws.close();
    expect(outsider.done).toBe(true);

    // A viewer may not register: refused in the request, and nothing is queued.
    const before = await count('content_registrations');
    const { data } = await t.graphql(
      Register,
      {
        input: {
          model: 'bg/hidden',
          uri: bigFile('viewer.bin', INLINE_BYTES + 1),
          format: 'OTHER',
        },
      },
      { as: memberOf('carol', ['bg'], 'viewer') },
    );
    expect(data.registerModelVersion.__typename).toBe('ForbiddenError');
    expect(await count('content_registrations')).toBe(before);
  });

  it('fails with a typed error and no version when the content vanished, or is not what it says', async () => {
    const path = bigFile('vanishing.bin', INLINE_BYTES * 4);
    const vanishing = await register('vanishing', path);
    if (vanishing.__typename !== 'ContentRegistration') throw new Error(vanishing.__typename);
    rmSync(path);

    const fake = await register('fake', bigFile('fake.onnx', INLINE_BYTES * 2), 'ONNX');
    if (fake.__typename !== 'ContentRegistration') throw new Error(fake.__typename);

    anotherHubProcess();
    expect(await finished(vanishing.id)).toMatchObject({
      state: 'FAILED',
      registeredModelVersion: null,
      error: {
        __typename: 'ValidationError',
        message: expect.stringMatching(/changed while it was being read|no file or folder/),
        path: ['input', 'uri'],
      },
    });
    expect(await finished(fake.id)).toMatchObject({
      state: 'FAILED',
      registeredModelVersion: null,
      error: {
        __typename: 'ModelContentError',
        message: expect.stringContaining('not an ONNX model'),
      },
    });
    expect(
      await count('model_versions', sql`digest is not null and uri like ${'%vanishing%'}`),
    ).toBe(0);
    expect(await count('model_versions', sql`uri like ${'%fake.onnx%'}`)).toBe(0);
  });

  it('registers nothing for a token revoked before its content was hashed', async () => {
    const ops = { db: t.database.db, actor: localOperator('ops'), runners: new RunnerRegistry([]) };
    const { token } = await createApiToken(ops, {
      name: 'uploader',
      owner: 'dave',
      project: 'bg',
      role: 'contributor',
    });
    const dave = { ...memberOf(`token:${token.id}`, ['bg'], 'contributor'), tokenId: token.id };
    await t.graphql(RegisterModel, { input: { project: 'bg', name: 'revoked', task: 'OTHER' } });
    const path = bigFile('revoked.bin', INLINE_BYTES * 2);
    const { data } = await t.graphql(
      Register,
      { input: { model: 'bg/revoked', uri: path, format: 'OTHER' } },
      { as: dave },
    );
    const answer = data.registerModelVersion;
    if (answer.__typename !== 'ContentRegistration') throw new Error(answer.__typename);
    await revokeApiToken(ops, token.id);

    anotherHubProcess();
    expect(await finished(answer.id)).toMatchObject({
      state: 'FAILED',
      registeredModelVersion: null,
      error: { __typename: 'ForbiddenError', message: expect.stringContaining('revoked') },
    });
    expect(await count('model_versions', sql`uri = ${path}`)).toBe(0);
  });

  it('registers a dataset in the background too', async () => {
    writeTree(files.path, { 'rows.csv': `label\n${'cat\n'.repeat(INLINE_BYTES)}` });
    const path = join(files.path, 'rows.csv');
    await t.graphql(RegisterDataset, { input: { project: 'bg', name: 'rows', task: 'OTHER' } });
    const { data } = await t.graphql(RegisterData, {
      input: { dataset: 'bg/rows', uri: path, format: 'CSV' },
    });
    const answer = data.registerDatasetVersion;
    if (answer.__typename !== 'ContentRegistration') throw new Error(answer.__typename);
    anotherHubProcess();
    expect(await finished(answer.id)).toMatchObject({
      state: 'DONE',
      registeredModelVersion: null,
      registeredDatasetVersion: { digest: coreutilsFileDigest(path), itemCount: INLINE_BYTES },
    });
  });

  it('takes up a registration whose hasher died once its lease has run out', async () => {
    const path = bigFile('orphan.bin', INLINE_BYTES * 2);
    const answer = await register('orphan', path);
    if (answer.__typename !== 'ContentRegistration') throw new Error(answer.__typename);
    // A hub process claims it, then dies: its lease is written into the past.
    const claimed = await claimContentRegistration(t.database.db, 'dead-hub', 60_000);
    expect(claimed?.state).toBe('HASHING');
    await t.database.db.execute(
      sql`update content_registrations set lease_expires_at = now() - interval '1 second' where id = ${claimed!.id}`,
    );

    anotherHubProcess(50);
    const done = await finished(answer.id);
    expect(done).toMatchObject({
      state: 'DONE',
      registeredModelVersion: { digest: coreutilsFileDigest(path) },
    });
    // The dead process, were it to wake, can write nothing more.
    expect(
      await recordHashingProgress(t.database.db, claimed!.id, { owner: 'dead-hub', attempt: 1 }, 1),
    ).toBe(false);
    expect(await count('content_registrations', sql`id = ${claimed!.id} and attempt = 2`)).toBe(1);
  });

  it('`evalhub register` waits for the hub to hash in the background, and prints the version', async () => {
    const path = bigFile('cli.bin', INLINE_BYTES * 8);
    anotherHubProcess();
    const home = tempFolder('evalhub-cli-home-');
    try {
      const result = await runEvalhub(
        ['register', 'model', 'bg/cli@v7', path, '--json', '--hub', t.hub.url],
        { home: home.path },
      );
      expect(result.code, result.stderr).toBe(0);
      const printed = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
      expect(printed).toMatchObject({
        created: true,
        version: 'v7',
        digest: coreutilsFileDigest(path),
        sizeBytes: INLINE_BYTES * 8,
      });
      expect(
        await count(
          'content_registrations',
          sql`state = 'DONE' and bytes_total = ${INLINE_BYTES * 8}`,
        ),
      ).toBe(1);
    } finally {
      home.remove();
    }
  });

  it('the client surfaces a background failure as the typed error', async () => {
    const { connect } = await import('../src/client/index.ts');
    const path = bigFile('refused.onnx', INLINE_BYTES * 2);
    anotherHubProcess();
    const client = connect({ url: t.hub.url });
    await expect(
      client.registerModelVersion({ ref: 'bg/refused@v1', uri: path, format: 'ONNX' }),
    ).rejects.toMatchObject({ code: 'ModelContentError' });
  });

  it('queues no more than a project may have open, refusing the rest with a typed error', async () => {
    // No hasher runs here: what is queued stays open.
    await t.graphql(RegisterModel, { input: { project: 'busy', name: 'm', task: 'OTHER' } });
    const path = bigFile('busy.bin', INLINE_BYTES + 1);
    const queue = () =>
      t.graphql(Register, { input: { model: 'busy/m', uri: path, format: 'OTHER' } });
    for (let i = 0; i < OPEN_REGISTRATIONS_PER_PROJECT; i++)
      expect((await queue()).data.registerModelVersion.__typename).toBe('ContentRegistration');
    const refused = (await queue()).data.registerModelVersion;
    expect(refused).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringContaining('waiting to be hashed'),
    });
    const open = sql`project_id = (select id from projects where slug = 'busy')`;
    expect(await count('content_registrations', open)).toBe(OPEN_REGISTRATIONS_PER_PROJECT);
    // Another project is not held up by this one.
    expect((await register('elsewhere', path)).__typename).toBe('ContentRegistration');
  });
});
