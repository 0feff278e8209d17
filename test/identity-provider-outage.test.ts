// An identity provider that cannot be reached: OIDC callers get 503 with Retry-After (not a
// 500, not a 401 as if their token were bad), WebSockets close with 1013 (try again later),
// nothing is written, and the hub does not ask the provider again on every request.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { print } from 'graphql';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { selectRows } from '../src/db/rows.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { RegisterModel } from './support/registry-documents.ts';

let t: TestHub;
let idp: Server;
let issuer: string;
let discoveries = 0;

beforeAll(async () => {
  // The provider is down: its discovery document answers 500.
  idp = createServer((_req, res) => {
    discoveries += 1;
    res.writeHead(500).end('down for maintenance');
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  t = await startTestHub({
    config: {
      auth: {
        mode: 'required',
        oidc: {
          issuer,
          audience: 'evalhub',
          jwksUrl: null,
          userClaim: 'sub',
          groupsClaim: 'groups',
          groupRoles: {},
        },
      },
    },
  });
});

afterAll(async () => {
  await t.close();
  await new Promise((resolve) => idp.close(resolve));
});

async function aliceToken() {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k' })
    .setIssuer(issuer)
    .setAudience('evalhub')
    .setExpirationTime('10m')
    .sign(privateKey);
}

it('answers 503 with Retry-After, asks the provider once, and writes nothing', async () => {
  const token = await aliceToken();
  const variables = { input: { project: 'vision', name: 'm', task: 'OTHER' } };
  for (let attempt = 0; attempt < 3; attempt++) {
    const response = await fetch(`${t.hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: print(RegisterModel), variables }),
    });
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /identity provider is unavailable/,
    );
  }
  expect(discoveries).toBe(1);
  expect(await selectRows(t.database.db, sql`select 1 from models`)).toEqual([]);
});

it('closes a WebSocket with 1013, try again later', async () => {
  const token = await aliceToken();
  const socket = new WebSocket(
    `${t.hub.url.replace('http', 'ws')}/graphql`,
    'graphql-transport-ws',
  );
  socket.on('open', () =>
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
    ),
  );
  const code = await new Promise<number>((resolve) =>
    socket.on('close', (closeCode) => resolve(closeCode)),
  );
  expect(code).toBe(1013);
});
