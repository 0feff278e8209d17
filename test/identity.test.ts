// Who is asking: a hub that requires tokens admits only hub-issued API tokens and OIDC tokens
// of the configured provider, gives each the roles it holds, records the real actor, and
// ends a WebSocket when its token is revoked or expires.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { selectRows } from '../src/db/rows.ts';
import { localOperator, type Role } from '../src/resolvers/core/actor.ts';
import { createApiToken, revokeApiToken } from '../src/resolvers/identity/tokens.ts';
import { RunnerRegistry } from '../src/runners/registry.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import {
  ApiTokens,
  CreateApiToken,
  ModelNames,
  RevokeApiToken,
  SetProjectMember,
} from './support/identity-documents.ts';
import { expectType, RegisterModel } from './support/registry-documents.ts';

let t: TestHub;
let idp: Server;
let signingKey: CryptoKey;
const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'evalhub';

/** A token issued on the server, as `evalhub token create` does. */
async function issue(input: { name: string; admin?: boolean; project?: string; role?: Role }) {
  const ctx = { db: t.database.db, actor: localOperator('ops'), runners: new RunnerRegistry([]) };
  return (await createApiToken(ctx, input)).secret;
}

/** An OIDC token of the test's identity provider. */
function oidcToken(
  claims: Record<string, unknown>,
  options: { key?: CryptoKey; expires?: string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expires ?? '10m')
    .sign(options.key ?? signingKey);
}

beforeAll(async () => {
  const keys = await generateKeyPair('RS256', { extractable: true });
  signingKey = keys.privateKey;
  const jwk: JWK = {
    ...(await exportJWK(keys.publicKey)),
    kid: 'test-key',
    alg: 'RS256',
    use: 'sig',
  };
  idp = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  t = await startTestHub({
    config: {
      auth: {
        mode: 'required',
        oidc: {
          issuer: ISSUER,
          audience: AUDIENCE,
          jwksUrl: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks`,
          userClaim: 'preferred_username',
          groupsClaim: 'groups',
          groupRoles: { 'vision-team': { vision: 'contributor' }, 'hub-admins': 'admin' },
        },
      },
    },
  });
});

afterAll(async () => {
  await t.close();
  await new Promise((resolve) => idp.close(resolve));
});

const register = (project: string, name: string, token?: string) =>
  t.graphql(RegisterModel, { input: { project, name, task: 'OTHER' } }, { token });

describe('a hub that requires tokens', () => {
  it('answers 401, with WWW-Authenticate, to every data route called without one', async () => {
    for (const [path, init] of [
      ['/graphql', { method: 'POST', body: '{"query":"{ projects { totalCount } }"}' }],
      ['/api/v1/lineage', { method: 'POST', body: '[]' }],
      ['/artifacts/00000000-0000-7000-8000-000000000000', {}],
    ] as const) {
      const response = await fetch(`${t.hub.url}${path}`, {
        ...init,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const bad = await register('vision', 'm', 'evh_not-a-real-token');
    expect(bad.status).toBe(401);
    expect(await selectRows(t.database.db, sql`select 1 from models`)).toEqual([]);
  });

  it('gives each token its role in its project, and nothing elsewhere', async () => {
    const admin = await issue({ name: 'ops', admin: true });
    expectType(
      (await register('vision', 'resnet', admin)).data.registerModel,
      'RegisterModelPayload',
    );
    expectType(
      (await register('secret', 'hidden', admin)).data.registerModel,
      'RegisterModelPayload',
    );

    const viewer = await issue({ name: 'nb', project: 'vision', role: 'viewer' });
    const refused = (await register('vision', 'another', viewer)).data.registerModel;
    expect(expectType(refused, 'ForbiddenError')).toMatchObject({
      message: 'writing takes the contributor role in project vision; you are a viewer there',
    });
    expect(expectType(refused, 'ForbiddenError').__typename).toBe('ForbiddenError');
    // What it may not see does not exist for it.
    const outside = (await register('secret', 'x', viewer)).data.registerModel;
    expect(expectType(outside, 'NotFoundError').message).toContain('"secret"');
    const listed = await t.graphql(ModelNames, {}, { token: viewer });
    expect(listed.data.models.edges.map((e) => e.node.name)).toEqual(['resnet']);

    const contributor = await issue({ name: 'ci', project: 'vision', role: 'contributor' });
    expectType(
      (await register('vision', 'vit', contributor)).data.registerModel,
      'RegisterModelPayload',
    );
    expectType((await register('secret', 'vit', contributor)).data.registerModel, 'NotFoundError');
  });

  it('lets maintainers issue tokens for their project only, and admins any', async () => {
    const maintainer = await issue({ name: 'lead', project: 'vision', role: 'maintainer' });
    const made = await t.graphql(
      CreateApiToken,
      { input: { name: 'notebook', project: 'vision', role: 'VIEWER', expiresInDays: 30 } },
      { token: maintainer },
    );
    const created = expectType(made.data.createApiToken, 'CreateApiTokenPayload');
    // Never one that does not expire, nor one that outlives the maintainer's own.
    const forever = await t.graphql(
      CreateApiToken,
      { input: { name: 'forever', project: 'vision', role: 'VIEWER' } },
      { token: maintainer },
    );
    expect(forever.data.createApiToken).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringContaining('expires'),
    });
    expect(created.secret).toMatch(/^evh_/);
    expect(created.apiToken).toMatchObject({ project: 'vision', role: 'VIEWER', admin: false });
    for (const input of [
      { name: 'x', admin: true },
      { name: 'x', project: 'secret', role: 'VIEWER' as const },
    ]) {
      const refused = await t.graphql(CreateApiToken, { input }, { token: maintainer });
      expect(['ForbiddenError', 'NotFoundError']).toContain(refused.data.createApiToken.__typename);
    }
    const theirs = await t.graphql(ApiTokens, { project: null }, { token: maintainer });
    expect(new Set(theirs.data.apiTokens.map((token) => token.project))).toEqual(
      new Set(['vision']),
    );
    // The secret itself is stored nowhere.
    const stored = await selectRows<{ secret_hash: string }>(
      t.database.db,
      sql`select secret_hash from api_tokens`,
    );
    expect(JSON.stringify(stored)).not.toContain(created.secret);
  });

  it('stops a revoked token at once, and records who did what under its real id', async () => {
    const token = await issue({ name: 'temp', project: 'vision', role: 'contributor' });
    expectType(
      (await register('vision', 'before-revoke', token)).data.registerModel,
      'RegisterModelPayload',
    );
    const [row] = await selectRows<{ id: string }>(
      t.database.db,
      sql`select id::text from api_tokens where name = 'temp'`,
    );
    const audited = await selectRows<{ actor: string }>(
      t.database.db,
      sql`select actor from audit_log where details->>'name' = 'before-revoke'`,
    );
    expect(audited).toEqual([{ actor: `token:${row!.id}` }]);

    const tokens = await t.graphql(
      ApiTokens,
      { project: 'vision' },
      { token: await issue({ name: 'a', admin: true }) },
    );
    const listed = tokens.data.apiTokens.find((tk) => tk.name === 'temp')!;
    expect(listed.lastUsedAt).not.toBeNull();
    const revoked = await t.graphql(RevokeApiToken, { id: listed.id }, { token });
    expect(
      expectType(revoked.data.revokeApiToken, 'ApiTokenPayload').apiToken.revokedAt,
    ).not.toBeNull();
    expect((await register('vision', 'after-revoke', token)).status).toBe(401);
  });
});

/** Opens a graphql-ws connection with `authorization` in connection_init; resolves with its close. */
function connect(authorization?: string) {
  const socket = new WebSocket(
    `${t.hub.url.replace(/^http/, 'ws')}/graphql`,
    'graphql-transport-ws',
  );
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const acked = new Promise<boolean>((resolve) => {
    socket.on('open', () =>
      socket.send(
        JSON.stringify({
          type: 'connection_init',
          payload: authorization ? { authorization } : {},
        }),
      ),
    );
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve(true);
    });
    socket.on('close', () => resolve(false));
  });
  return { socket, closed, acked };
}

describe('WebSocket connections', () => {
  it('are refused without a token, and accepted with one in connection_init', async () => {
    const anonymous = connect();
    expect(await anonymous.acked).toBe(false);
    expect((await anonymous.closed).code).toBe(4401);
    const token = await issue({ name: 'ws', project: 'vision', role: 'viewer' });
    const known = connect(`Bearer ${token}`);
    expect(await known.acked).toBe(true);
    known.socket.close();
  });

  it('end when their token is revoked', async () => {
    const token = await issue({ name: 'ws-revoked', project: 'vision', role: 'viewer' });
    const connection = connect(`Bearer ${token}`);
    expect(await connection.acked).toBe(true);
    const [row] = await selectRows<{ id: string }>(
      t.database.db,
      sql`select id::text from api_tokens where name = 'ws-revoked'`,
    );
    await revokeApiToken(
      { db: t.database.db, actor: localOperator('ops'), runners: new RunnerRegistry([]) },
      row!.id,
    );
    expect(await connection.closed).toEqual({ code: 4401, reason: 'the token was revoked' });
  });

  it('end when their token expires', async () => {
    const token = await issue({ name: 'ws-expiring', project: 'vision', role: 'viewer' });
    await t.database.db.execute(
      sql`update api_tokens set expires_at = now() + interval '2 seconds' where name = 'ws-expiring'`,
    );
    const connection = connect(`Bearer ${token}`);
    expect(await connection.acked).toBe(true);
    expect(await connection.closed).toEqual({ code: 4401, reason: 'the token expired' });
  });
});

describe('OIDC tokens', () => {
  it('act as the user, with the roles their groups and memberships give', async () => {
    const alice = await oidcToken({ preferred_username: 'alice', groups: ['vision-team'] });
    expectType(
      (await register('vision', 'alices', alice)).data.registerModel,
      'RegisterModelPayload',
    );
    expectType((await register('secret', 'alices', alice)).data.registerModel, 'NotFoundError');
    const audited = await selectRows<{ actor: string }>(
      t.database.db,
      sql`select actor from audit_log where details->>'name' = 'alices'`,
    );
    expect(audited).toEqual([{ actor: 'oidc:alice' }]);

    // An admin (by group) makes her a maintainer of secret: her next token is one there.
    const boss = await oidcToken({ preferred_username: 'boss', groups: ['hub-admins'] });
    const member = await t.graphql(
      SetProjectMember,
      { input: { project: 'secret', subject: 'oidc:alice', role: 'MAINTAINER' } },
      { token: boss },
    );
    expect(expectType(member.data.setProjectMember, 'SetProjectMemberPayload').member).toEqual({
      subject: 'oidc:alice',
      role: 'MAINTAINER',
    });
    const again = await oidcToken({ preferred_username: 'alice', groups: ['vision-team'] });
    expectType(
      (await register('secret', 'alices', again)).data.registerModel,
      'RegisterModelPayload',
    );
  });

  it("close a user's open WebSocket when their memberships change, to reconnect", async () => {
    const carol = await oidcToken({ preferred_username: 'carol', groups: ['vision-team'] });
    const connection = connect(`Bearer ${carol}`);
    expect(await connection.acked).toBe(true);
    const boss = await oidcToken({ preferred_username: 'boss', groups: ['hub-admins'] });
    const member = await t.graphql(
      SetProjectMember,
      { input: { project: 'vision', subject: 'oidc:carol', role: 'VIEWER' } },
      { token: boss },
    );
    expectType(member.data.setProjectMember, 'SetProjectMemberPayload');
    expect(await connection.closed).toEqual({
      code: 4403,
      reason: 'your roles changed: reconnect',
    });
  });

  it('are refused when expired or never expiring, for another audience, or signed by another key', async () => {
    const other = await generateKeyPair('RS256');
    const refused = [
      await oidcToken({ preferred_username: 'alice' }, { expires: '-1m' }),
      await oidcToken({ preferred_username: 'alice' }, { key: other.privateKey }),
      await new SignJWT({ preferred_username: 'alice' })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(ISSUER)
        .setAudience('someone-else')
        .setExpirationTime('10m')
        .sign(signingKey),
      await oidcToken({ groups: ['hub-admins'] }),
      // One that never expires.
      await new SignJWT({ preferred_username: 'alice' })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .sign(signingKey),
    ];
    for (const token of refused) expect((await register('vision', 'nope', token)).status).toBe(401);
  });
});
