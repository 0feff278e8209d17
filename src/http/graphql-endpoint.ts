// Apollo Server on a plain node:http server: reads the body, hands the request to
// Apollo, and writes its answer back. No web framework: three routes do not need one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import { recordStatements } from '../db/statements.ts';
import type { Actor } from '../resolvers/core/actor.ts';
import type { GraphQLContext } from '../schema/context.ts';

/** Request bodies larger than this are refused before they are parsed. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

/**
 * The request's body, up to `limit` bytes. Past it, the rest is discarded (not buffered)
 * rather than the connection cut, so the client gets the 413 that `refuseTooLarge` sends.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      chunks.length = 0;
      reject(new BodyTooLargeError(`request body over ${limit} bytes`));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Answers 413 and closes the connection, whose unread body is not worth reading. */
export function refuseTooLarge(res: ServerResponse, body: unknown): void {
  res.setHeader('connection', 'close');
  sendJson(res, 413, body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify(body));
}

export interface GraphQLEndpointOptions {
  apollo: ApolloServer<GraphQLContext>;
  /** The context of a request by `actor`, whose work stops when `signal` aborts. */
  contextFor: (actor: Actor, signal?: AbortSignal) => GraphQLContext;
  /** Told the SQL statements each request issued (tests count them). */
  onStatements?: ((statements: string[]) => void) | undefined;
}

export function graphqlEndpoint({ apollo, contextFor, onStatements }: GraphQLEndpointOptions) {
  return async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    actor: Actor,
    signal?: AbortSignal,
  ): Promise<void> => {
    let body: unknown;
    if (req.method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req);
      } catch (error) {
        if (error instanceof BodyTooLargeError)
          return refuseTooLarge(res, { errors: [{ message: error.message }] });
        throw error;
      }
      const type = req.headers['content-type'] ?? '';
      if (type.includes('application/json')) {
        try {
          body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          return sendJson(res, 400, {
            errors: [{ message: 'the request body is not valid JSON' }],
          });
        }
      } else {
        body = raw.toString('utf8');
      }
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const { result, statements } = await recordStatements(
      () =>
        apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
          context: async () => contextFor(actor, signal),
        }),
      signal,
    );
    onStatements?.(statements);
    // Past its deadline or after its client left, the request has been answered or closed.
    if (res.headersSent || res.destroyed) return;
    // An answer is the caller's own data, as of now: never cached (apollo.ts).
    const responseHeaders: Record<string, string> = {
      'cache-control': 'no-store',
      'x-evalhub-sql-statements': String(statements.length),
    };
    for (const [name, value] of result.headers) responseHeaders[name] = value;
    res.writeHead(result.status ?? 200, responseHeaders);
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
