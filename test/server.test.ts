// The HTTP surface: GraphiQL, health, malformed requests, and data that survives a restart.

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempFolder, writeTree } from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { onnxBytes } from './support/onnx-models.ts';
import { startHubProcess } from './support/process.ts';
import { countRows } from './support/rows.ts';
import { adminToken, bearer } from './support/tokens.ts';

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});

afterAll(() => t.close());

const post = (body: string, type = 'application/json') =>
  fetch(`${t.hub.url}/graphql`, { method: 'POST', headers: { 'content-type': type }, body });

describe('GraphiQL', () => {
  it('is served at /graphiql with every script and style from the hub itself', async () => {
    const response = await fetch(`${t.hub.url}/graphiql`);
    expect(response.status).toBe(200);
    const html = await response.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset.startsWith('/graphiql/')).toBe(true);
      const file = await fetch(`${t.hub.url}${asset}`);
      expect(file.status).toBe(200);
      expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
  });
});

describe('healthz', () => {
  it('reports that the database answers', async () => {
    const response = await fetch(`${t.hub.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      database: { kind: t.database.kind, reachable: true },
      workers: { concurrency: 2, active: 0 },
    });
  });
});

describe('malformed requests', () => {
  it.each([
    ['a body that is not JSON', '{"query": ', 400],
    ['a syntax error', JSON.stringify({ query: '{ models { ' }), 400],
    ['an unknown field', JSON.stringify({ query: '{ modelz { totalCount } }' }), 400],
    [
      'a variable of the wrong type',
      JSON.stringify({
        query: 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { __typename } }',
        variables: { i: { project: 'p', name: 'm', task: 'NOT_A_TASK' } },
      }),
      400,
    ],
    [
      'a missing required input field',
      JSON.stringify({
        query: 'mutation { registerModel(input: {project: "p", name: "m"}) { __typename } }',
      }),
      400,
    ],
  ])(
    'answers %s with a GraphQL error, never a 500, and changes nothing',
    async (_case, body, status) => {
      const before = await countRows(t, 'models');
      const response = await post(body);
      expect(response.status).toBe(status);
      const json = (await response.json()) as { errors: Array<{ message: string }> };
      expect(json.errors[0]!.message).toBeTruthy();
      expect(await countRows(t, 'models')).toBe(before);
    },
  );

  it('refuses a body over 16 MiB', async () => {
    const response = await post(
      JSON.stringify({ query: `{ models { totalCount } } #${'x'.repeat(17 * 1024 * 1024)}` }),
    );
    expect(response.status).toBe(413);
  });

  it('answers an unknown path with 404', async () => {
    expect((await fetch(`${t.hub.url}/nope`)).status).toBe(404);
  });

  it('answers a UI path that is not valid percent-encoding, or holds a NUL, with 400', async () => {
    expect((await fetch(`${t.hub.url}/ui/%E0`)).status).toBe(400);
    expect((await fetch(`${t.hub.url}/ui/assets/a%00b.js`)).status).toBe(400);
  });
});

// These tests start hub processes, which take long on a busy machine: the limit is generous.
describe('the evalhub command', { timeout: 300_000 }, () => {
  it('keeps what was registered across a restart', async () => {
    const data = tempFolder();
    const weights = writeTree(data.path, { 'weights.onnx': onnxBytes('kept') });
    // On PostgreSQL the processes share this test's database; otherwise a data folder.
    const env: Record<string, string> = {
      EVALHUB_DATA_ROOTS: data.path,
      ...(t.database.url
        ? { DATABASE_URL: t.database.url }
        : { DATABASE_URL: '', EVALHUB_DATA_DIR: `${data.path}/db` }),
    };
    // A hub on PostgreSQL requires tokens.
    const token = t.database.url ? await adminToken(t.database.db) : undefined;
    const call = async (url: string, query: string) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(token) },
        body: JSON.stringify({ query }),
      });
      return (await response.json()) as { data: Record<string, unknown> };
    };
    try {
      const first = await startHubProcess(['serve'], env);
      await call(
        first.url,
        'mutation { registerModel(input: {project: "restart", name: "kept", task: OTHER}) { __typename } }',
      );
      const registered = await call(
        first.url,
        `mutation { registerModelVersion(input: {model: "restart/kept", uri: "${weights}/weights.onnx", format: ONNX}) {
          ... on RegisterModelVersionPayload { modelVersion { digest } } } }`,
      );
      expect(await first.stop('SIGTERM')).toBe(0);
      const second = await startHubProcess(['serve'], env);
      const read = await call(
        second.url,
        '{ models(filter: {project: "restart"}) { edges { node { name latestVersion { digest } } } } }',
      );
      await second.stop();
      const digest = (registered.data.registerModelVersion as { modelVersion: { digest: string } })
        .modelVersion.digest;
      expect(read.data.models).toEqual({
        edges: [{ node: { name: 'kept', latestVersion: { digest } } }],
      });
    } finally {
      data.remove();
    }
  });

  it('applies migrations with `evalhub migrate`, once', async () => {
    const data = tempFolder();
    try {
      const env: Record<string, string> = { DATABASE_URL: '', EVALHUB_DATA_DIR: `${data.path}/db` };
      const first = await startHubProcess(['migrate'], env);
      expect(await first.exited).toBe(0);
      expect(first.output()).toMatch(/^applied \d+ migration\(s\)/);
      const second = await startHubProcess(['migrate'], env);
      expect(await second.exited).toBe(0);
      expect(second.output()).toContain('the database is up to date');
    } finally {
      data.remove();
    }
  });
  it('refuses a port in use in one line, before it opens the data folder', async () => {
    const data = tempFolder();
    try {
      const env = {
        DATABASE_URL: '',
        EVALHUB_DATA_DIR: `${data.path}/db`,
        PORT: String(t.hub.port),
      };
      const serve = await startHubProcess(['serve'], env).catch((error: Error) => error);
      expect(serve).toBeInstanceOf(Error);
      expect((serve as Error).message).toBe(
        `evalhub exited with 1 before it was ready:\nevalhub: port ${t.hub.port} on 127.0.0.1 is in use by another process; stop it, or set PORT to a free port\n`,
      );
      expect(existsSync(`${data.path}/db`)).toBe(false);
    } finally {
      data.remove();
    }
  });
});
