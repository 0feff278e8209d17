// The REST side of lineage, for tools that speak OpenLineage or PROV rather than GraphQL:
//   POST /api/v1/lineage                  OpenLineage events in (one, or an array)
//   GET  /api/v1/runs/{id}/openlineage    a run as OpenLineage RunEvents
//   GET  /api/v1/lineage/{id}/prov        a trace as a W3C PROV-JSON document
//   POST /api/v1/checkmaite/runs?project= a checkmaite run record in
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceContext } from '../resolvers/core/context.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../resolvers/core/errors.ts';
import { encodeGlobalId } from '../resolvers/core/global-id.ts';
import { importCheckmaiteRun } from '../resolvers/interop/checkmaite/import.ts';
import { exportRunAsOpenLineage } from '../resolvers/interop/openlineage/export.ts';
import { importOpenLineageEvents } from '../resolvers/interop/openlineage/import.ts';
import { OpenLineageEventError } from '../resolvers/interop/openlineage/validation.ts';
import { lineageProvDocument } from '../resolvers/lineage/prov.ts';
import { type LineageDirection, traceLineage } from '../resolvers/lineage/trace.ts';
import { BodyTooLargeError, readBody, refuseTooLarge, sendJson } from './graphql-endpoint.ts';

/** Answers a request under /api/v1/, or returns false when no route matches. */
export async function serveLineageApi(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const path = url.pathname;
  if (path === '/api/v1/lineage') {
    if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
    await receiveEvents(ctx, req, res, url);
    return true;
  }
  const exported = /^\/api\/v1\/runs\/([^/]+)\/openlineage$/.exec(path);
  if (exported) {
    if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
    const id = pathId(exported[1]!, res);
    if (id === null) return true;
    const events = await exportRunAsOpenLineage(ctx, id);
    if (!events) sendJson(res, 404, { error: 'no such run (or not visible to you)' });
    else sendJson(res, 200, events);
    return true;
  }
  if (path === '/api/v1/checkmaite/runs') {
    if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
    await receiveCheckmaiteRecord(ctx, req, res, url);
    return true;
  }
  const prov = /^\/api\/v1\/lineage\/([^/]+)\/prov$/.exec(path);
  if (prov) {
    if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
    const id = pathId(prov[1]!, res);
    if (id === null) return true;
    await sendProv(ctx, id, res, url);
    return true;
  }
  return false;
}

/** An id from the path, decoded; null (and a 400 sent) when it is not valid percent-encoding. */
export function pathId(segment: string, res: ServerResponse): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    sendJson(res, 400, { error: `the id in the path is not valid percent-encoding: ${segment}` });
    return null;
  }
}

export function methodNotAllowed(res: ServerResponse, allowed: string): true {
  res.setHeader('allow', allowed);
  sendJson(res, 405, { error: `use ${allowed} here` });
  return true;
}

async function receiveEvents(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
) {
  const parsed = await jsonBody(req, res);
  if (!parsed) return;
  const { body } = parsed;
  const events = Array.isArray(body) ? body : [body];
  if (events.length === 0) return sendJson(res, 400, { error: 'no events' });
  try {
    const imported = await importOpenLineageEvents(ctx, events, url.searchParams.get('project'));
    // runs: the hub runs of the RunEvents; events: what each event became, with its warnings.
    sendJson(res, 201, {
      runs: imported.flatMap(({ runId, id, status }) => (id ? [{ runId, id, status }] : [])),
      events: imported,
      warnings: imported.flatMap(({ warnings }, index) =>
        warnings.map((warning) => ({ ...warning, ...(Array.isArray(body) ? { index } : {}) })),
      ),
    });
  } catch (error) {
    if (error instanceof OpenLineageEventError)
      return sendJson(res, 400, {
        error: error.message,
        ...(Array.isArray(body) ? { index: error.index } : {}),
        problems: error.problems,
      });
    if (error instanceof ValidationError) return sendJson(res, 400, { error: error.message });
    // Not allowed to write there: not seeing the project, or too small a role in it.
    if (error instanceof NotFoundError || error instanceof ForbiddenError)
      return sendJson(res, 403, { error: error.message });
    if (error instanceof ConflictError) return sendJson(res, 409, { error: error.message });
    throw error;
  }
}

/** A body parsed as JSON, or null once a 400 or 413 has been sent. */
async function jsonBody(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<{ body: unknown } | null> {
  try {
    return { body: JSON.parse((await readBody(req)).toString('utf8')) };
  } catch (error) {
    if (error instanceof BodyTooLargeError) refuseTooLarge(res, { error: error.message });
    else sendJson(res, 400, { error: `the body is not JSON: ${(error as Error).message}` });
    return null;
  }
}

/** 201 with the new run, 200 with the run an earlier import of the same record made. */
async function receiveCheckmaiteRecord(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
) {
  const project = url.searchParams.get('project');
  if (!project)
    return sendJson(res, 400, {
      error: 'name the project: /api/v1/checkmaite/runs?project=<slug>',
    });
  const parsed = await jsonBody(req, res);
  if (!parsed) return;
  try {
    const { run, created } = await importCheckmaiteRun(ctx, { project, record: parsed.body });
    sendJson(res, created ? 201 : 200, {
      run: {
        id: encodeGlobalId('Run', run.id),
        runUid: run.externalId,
        status: run.status,
        project,
      },
      created,
    });
  } catch (error) {
    if (error instanceof ValidationError) {
      // The service names fields of its GraphQL input; here they are the body's, or the query's.
      const [, field, ...rest] = error.inputPath;
      const where =
        field === 'record'
          ? {
              pointer: rest
                .map((part) => `/${part.replaceAll('~', '~0').replaceAll('/', '~1')}`)
                .join(''),
            }
          : field
            ? { parameter: field }
            : {};
      return sendJson(res, 400, { error: error.message, ...where });
    }
    // Not allowed to write there: not seeing the project, or too small a role in it.
    if (error instanceof NotFoundError || error instanceof ForbiddenError)
      return sendJson(res, 403, { error: error.message });
    if (error instanceof ConflictError)
      return sendJson(res, 409, {
        error: error.message,
        existingId: error.existing ? encodeGlobalId(error.existing.type, error.existing.id) : null,
      });
    throw error;
  }
}

async function sendProv(ctx: ServiceContext, id: string, res: ServerResponse, url: URL) {
  const direction = (url.searchParams.get('direction') ?? 'UPSTREAM').toUpperCase();
  if (!['UPSTREAM', 'DOWNSTREAM', 'BOTH'].includes(direction))
    return sendJson(res, 400, { error: 'direction is UPSTREAM, DOWNSTREAM or BOTH' });
  const number = (name: string, fallback: number) => {
    const text = url.searchParams.get(name);
    return text === null ? fallback : Number(text);
  };
  try {
    const graph = await traceLineage(ctx, {
      id,
      direction: direction as LineageDirection,
      depth: number('depth', 10),
      maxNodes: number('maxNodes', 1000),
    });
    if (!graph) return sendJson(res, 404, { error: 'no such node (or not visible to you)' });
    res
      .writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-disposition': `attachment; filename="provenance-${id}.json"`,
      })
      .end(JSON.stringify(await lineageProvDocument(ctx, graph)));
  } catch (error) {
    if (error instanceof ValidationError) return sendJson(res, 400, { error: error.message });
    throw error;
  }
}
