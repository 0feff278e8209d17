// Signed evidence over REST:
//   GET  /api/v1/keys                     the hub's public signing keys (anyone may read them)
//   GET  /api/v1/lineage/{id}/bundle      the provenance bundle of a run or finding
import type { ServerResponse } from 'node:http';
import type { Database } from '../db/connect.ts';
import type { ServiceContext } from '../resolvers/core/context.ts';
import { ValidationError } from '../resolvers/core/errors.ts';
import { publishedKeys } from '../resolvers/evidence/key-store.ts';
import { provenanceBundle } from '../resolvers/provenance/bundle.ts';
import { sendJson } from './graphql-endpoint.ts';
import { methodNotAllowed, pathId } from './lineage-api.ts';

/**
 * Answers GET /api/v1/keys, which needs no identity: public keys are meant to be handed to
 * whoever checks the evidence. False for any other path.
 */
export async function servePublicKeys(
  db: Database,
  method: string | undefined,
  url: URL,
  res: ServerResponse,
): Promise<boolean> {
  if (url.pathname !== '/api/v1/keys') return false;
  if (method !== 'GET') return methodNotAllowed(res, 'GET');
  const keys = await publishedKeys(db);
  sendJson(res, 200, {
    keys: keys.map((key) => ({ ...key, createdAt: key.createdAt.toISOString() })),
  });
  return true;
}

/** Answers GET /api/v1/lineage/{id}/bundle; false for any other path. */
export async function serveBundleApi(
  ctx: ServiceContext,
  method: string | undefined,
  url: URL,
  res: ServerResponse,
): Promise<boolean> {
  const match = /^\/api\/v1\/lineage\/([^/]+)\/bundle$/.exec(url.pathname);
  if (!match) return false;
  if (method !== 'GET') return methodNotAllowed(res, 'GET');
  const id = pathId(match[1]!, res);
  if (id === null) return true;
  let bundle: Awaited<ReturnType<typeof provenanceBundle>>;
  try {
    bundle = await provenanceBundle(ctx, id);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    sendJson(res, 400, { error: error.message });
    return true;
  }
  if (!bundle) {
    sendJson(res, 404, { error: 'no such run or finding (or not visible to you)' });
    return true;
  }
  res
    .writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="bundle-${id}.json"`,
    })
    .end(JSON.stringify(bundle));
  return true;
}
