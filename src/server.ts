// The hub's HTTP server: GraphQL on /graphql, GraphiQL on /, health on /healthz.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { sql } from 'drizzle-orm';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { HubConfig } from './config.ts';
import { type DatabaseHandle, openDatabase } from './db/connect.ts';
import { migrate } from './db/migrate.ts';
import { serveGraphiQL } from './http/graphiql.ts';
import { graphqlEndpoint, sendJson } from './http/graphql-endpoint.ts';
import { log } from './logger.ts';
import { type Actor, localActor } from './resolvers/actor.ts';
import {
  ConflictError,
  DigestMismatchError,
  NotFoundError,
  ValidationError,
} from './resolvers/errors.ts';
import { createContext, type GraphQLContext } from './schema/context.ts';
import { schema } from './schema/index.ts';

const domainErrorCodes = new Map<unknown, string>([
  [ValidationError, 'BAD_USER_INPUT'],
  [NotFoundError, 'NOT_FOUND'],
  [ConflictError, 'CONFLICT'],
  [DigestMismatchError, 'DIGEST_MISMATCH'],
]);

export interface HubOptions {
  config: HubConfig;
  /** An open database to use instead of opening the configured one (tests). */
  database?: DatabaseHandle;
  /** Who a request acts as; the local operator by default. */
  actorFor?: (req: IncomingMessage) => Actor;
  /** Told the SQL statements of each GraphQL request. */
  onStatements?: (statements: string[]) => void;
}

export interface Hub {
  url: string;
  port: number;
  database: DatabaseHandle;
  close(): Promise<void>;
}

/**
 * Errors the client caused keep their message. Anything unexpected is logged here and
 * reported without its internals (SQL, stack), so a bug does not leak the database.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  // Outside a mutation's result union, the caller's own mistakes are errors with a code.
  const domainCode = domainErrorCodes.get((original as Error | null)?.constructor);
  if (domainCode)
    return { ...formatted, extensions: { ...formatted.extensions, code: domainCode } };
  const code = formatted.extensions?.code;
  if (code !== 'INTERNAL_SERVER_ERROR' || original instanceof GraphQLError) return formatted;
  const reference = Math.random().toString(36).slice(2, 10);
  log.error('unexpected error in a resolver', {
    reference,
    path: formatted.path,
    error: original instanceof Error ? (original.stack ?? original.message) : String(original),
  });
  return { ...formatted, message: `internal error (reference ${reference}; see the hub's log)` };
}

export async function startHub(options: HubOptions): Promise<Hub> {
  const { config } = options;
  const database =
    options.database ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }));
  const applied = await migrate(database.db);
  if (applied) log.info('applied migrations', { count: applied });

  const httpServer: Server = createServer();
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();
  const local = localActor(config.actorName);
  const actorFor = options.actorFor ?? (() => local);
  const graphql = graphqlEndpoint({
    apollo,
    contextFor: (req) => createContext(database.db, actorFor(req)),
    onStatements: options.onStatements,
  });

  httpServer.on('request', async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (url.pathname === '/graphql') return await graphql(req, res, url);
      if (url.pathname === '/healthz') {
        const healthy = await database.db.execute(sql`select 1`).then(
          () => true,
          () => false,
        );
        return sendJson(res, healthy ? 200 : 503, {
          status: healthy ? 'ok' : 'unavailable',
          database: { kind: database.kind, reachable: healthy },
        });
      }
      if (req.method === 'GET' && (await serveGraphiQL(url.pathname, res))) return;
      if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
      sendJson(res, 404, { error: `nothing at ${url.pathname}` });
    } catch (error) {
      log.error('request failed', { path: url.pathname, error: (error as Error).stack });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    }
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    database,
    close: async () => {
      await apollo.stop();
      if (!options.database) await database.close();
    },
  };
}
