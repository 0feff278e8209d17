// A page the user merely visits must not drive their hub: cross-site WebSockets, form-like
// POSTs and DNS-rebound requests (a foreign Host) are refused before anything runs.
import { request } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { selectRows } from '../src/db/rows.ts';
import { startTestHub, type TestHub } from './support/hub.ts';

let t: TestHub;
const FRIEND = 'https://ui.example.test';

beforeAll(async () => {
  t = await startTestHub({ config: { allowedOrigins: [FRIEND], allowedHosts: ['hub.internal'] } });
});
afterAll(async () => {
  await t?.close();
});

/** An HTTP request with any headers (fetch will not set Host). */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.hub.url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The status a WebSocket upgrade with these headers gets: 101 when it opens. */
function upgradeStatus(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `${t.hub.url.replace(/^http/, 'ws')}/graphql`,
      'graphql-transport-ws',
      {
        headers,
      },
    );
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', reject);
  });
}

const event = JSON.stringify({
  eventType: 'START',
  eventTime: '2026-01-01T00:00:00Z',
  producer: 'https://attacker.example',
  schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent',
  run: { runId: '01890000-0000-7000-8000-000000000000' },
  job: { namespace: 'evil', name: 'job' },
  inputs: [],
  outputs: [],
});

const projects = () => selectRows(t.database.db, sql`select slug from projects`);

describe('browser safety', () => {
  it('refuses a cross-site WebSocket and opens one from the hub itself or an allowed origin', async () => {
    expect(await upgradeStatus({ origin: 'https://attacker.example' })).toBe(403);
    expect(await upgradeStatus({ origin: t.hub.url })).toBe(101);
    expect(await upgradeStatus({ origin: FRIEND })).toBe(101);
    expect(await upgradeStatus({})).toBe(101);
  });

  it('refuses a text/plain lineage POST, from another origin or none, and changes nothing', async () => {
    const before = await projects();
    const foreign = await send(
      'POST',
      '/api/v1/lineage',
      { origin: 'https://attacker.example', 'content-type': 'text/plain' },
      event,
    );
    expect(foreign.status).toBe(403);
    const plain = await send('POST', '/api/v1/lineage', { 'content-type': 'text/plain' }, event);
    expect(plain.status).toBe(415);
    const form = await send(
      'POST',
      '/graphql',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'query=mutation{__typename}',
    );
    expect(form.status).toBe(415);
    expect(await projects()).toEqual(before);
  });

  it('refuses a JSON write from a foreign origin and serves one from an allowed origin', async () => {
    const json = { 'content-type': 'application/json' };
    const query = JSON.stringify({ query: '{ projects { totalCount } }' });
    expect(
      (await send('POST', '/graphql', { ...json, origin: 'https://attacker.example' }, query))
        .status,
    ).toBe(403);
    expect((await send('POST', '/graphql', { ...json, origin: FRIEND }, query)).status).toBe(200);
    expect((await send('POST', '/graphql', { ...json, origin: t.hub.url }, query)).status).toBe(
      200,
    );
  });

  it('refuses a request naming a foreign Host (DNS rebinding) and serves configured names', async () => {
    const port = t.hub.port;
    const rebound = await send('GET', '/graphql?query=%7B__typename%7D', {
      host: `attacker.example:${port}`,
    });
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain('__typename');
    expect((await send('GET', '/healthz', { host: `attacker.example:${port}` })).status).toBe(421);
    expect((await send('GET', '/healthz', { host: `localhost:${port}` })).status).toBe(200);
    expect((await send('GET', '/healthz', { host: `hub.internal:${port}` })).status).toBe(200);
    expect(await upgradeStatus({ host: `attacker.example:${port}` })).toBe(403);
  });

  it('never runs a mutation sent by GET', async () => {
    const before = await projects();
    const mutation = encodeURIComponent(
      'mutation { registerModel(input: {project: "viaget", name: "m", task: OTHER}) { __typename } }',
    );
    const response = await send('GET', `/graphql?query=${mutation}`, {
      'apollo-require-preflight': 'true',
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await projects()).toEqual(before);
  });
});
