// GET /artifacts/<id>: an artifact's bytes, with its media type, through the same scope
// as the API.
import type { ServerResponse } from 'node:http';
import type { Database } from '../db/connect.ts';
import type { Actor } from '../resolvers/core/actor.ts';
import { decodeGlobalId, UUID } from '../resolvers/core/global-id.ts';
import { readArtifact } from '../resolvers/runs/results.ts';
import { sendJson } from './graphql-endpoint.ts';

export async function serveArtifact(
  db: Database,
  actor: Actor,
  idText: string,
  res: ServerResponse,
): Promise<void> {
  const id = UUID.test(idText) ? idText : decodeGlobalId(idText)?.id;
  const found = id ? await readArtifact({ db, actor }, id) : null;
  if (!found) return sendJson(res, 404, { error: 'no such artifact (or not visible to you)' });
  res
    .writeHead(200, {
      'content-type': found.artifact.mediaType,
      'content-length': String(found.bytes.length),
      'content-disposition': `inline; filename="${found.artifact.name.replace(/["\\\r\n]/g, '_')}"`,
      etag: `"${found.artifact.digest}"`,
      // Artifacts are immutable: the same id always has the same bytes.
      'cache-control': 'private, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      // A runner's HTML or SVG must not run scripts with the hub's origin.
      'content-security-policy':
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'",
    })
    .end(found.bytes);
}
