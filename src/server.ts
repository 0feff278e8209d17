// The hub's server: GraphQL on /graphql (HTTP, and WebSocket subscriptions), the web UI on
// /ui/ (`/` redirects there), GraphiQL on /graphiql,
// health on /healthz, artifact downloads on /artifacts/<id>, the REST API on /api/v1/ (content
// uploads too); and, unless told otherwise,
// workers executing runs in this process.
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { unwrapResolverError } from '@apollo/server/errors';
import { sql } from 'drizzle-orm';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { HubConfig } from './config.ts';
import { isAbandonedStatement } from './db/abandoned.ts';
import { type Database, type DatabaseHandle, openDatabase } from './db/connect.ts';
import { type Listener, startListener } from './db/listener.ts';
import { migrate } from './db/migrate.ts';
import { recordStatements } from './db/statements.ts';
import { ContentHasher } from './engine/content-hasher.ts';
import { WorkerPool, type WorkerPoolOptions } from './engine/worker-pool.ts';
import { createApollo } from './http/apollo.ts';
import { serveArtifact } from './http/artifacts.ts';
import { serveContentApi } from './http/content-api.ts';
import { requestDeadline } from './http/deadline.ts';
import { serveBundleApi, servePublicKeys } from './http/evidence-api.ts';
import { serveGraphiQL } from './http/graphiql.ts';
import { graphqlEndpoint, sendJson } from './http/graphql-endpoint.ts';
import { refusal } from './http/guards/index.ts';
import { type Identify, identifyOrRefuse, isLoopbackHost } from './http/identity.ts';
import { serveLineageApi } from './http/lineage-api.ts';
import { listenHttp } from './http/listen.ts';
import { queryLimits } from './http/query-limits.ts';
import { serveReportApi } from './http/report-api.ts';
import { refusedOverBudget } from './http/rest-cost.ts';
import { serveSubscriptions } from './http/subscriptions.ts';
import { serveUi } from './http/ui.ts';
import { log } from './logger.ts';
import { type Actor, localOperator } from './resolvers/core/actor.ts';
import { openAuditChain } from './resolvers/core/audit-chain.ts';
import { resolveAuditKey } from './resolvers/core/audit-key.ts';
import type { LocalContentPolicy } from './resolvers/core/context.ts';
import {
  ConflictError,
  DigestMismatchError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from './resolvers/core/errors.ts';
import { openSigningKey } from './resolvers/evidence/key-store.ts';
import { resolveSigningKey, type SigningKey } from './resolvers/evidence/signing-key.ts';
import { createAuthenticator } from './resolvers/identity/authenticate.ts';
import { anyUsableApiToken } from './resolvers/identity/tokens.ts';
import { RunEventStreams } from './resolvers/runs/stream.ts';
import { commandRunner } from './runners/command.ts';
import type { RunnerModule } from './runners/contract.ts';
import { builtInRunners } from './runners/index.ts';
import { loadRunnerModules, RunnerRegistry } from './runners/registry.ts';
import { createContext } from './schema/context.ts';
import { schema } from './schema/index.ts';

const domainErrorCodes = new Map<unknown, string>([
  [ValidationError, 'BAD_USER_INPUT'],
  [NotFoundError, 'NOT_FOUND'],
  [ConflictError, 'CONFLICT'],
  [DigestMismatchError, 'DIGEST_MISMATCH'],
  [ForbiddenError, 'FORBIDDEN'],
]);

/** Time past the PDF printer's limit for a report request to answer that it gave up. */
const PDF_ANSWER_MARGIN_MS = 5000;

export interface HubOptions {
  config: HubConfig;
  /** An open database to use instead of opening the configured one (tests). */
  database?: DatabaseHandle;
  /** Who a request acts as when this names someone (tests); its bearer token otherwise. */
  actorOverride?: (req: IncomingMessage) => Actor | null;
  /** Told the SQL statements of each GraphQL request. */
  onStatements?: (statements: string[]) => void;
  /** Runner modules besides the built-in ones and those of EVALHUB_RUNNER_MODULES. */
  runners?: RunnerModule[];
}

export interface Hub {
  url: string;
  port: number;
  database: DatabaseHandle;
  runners: RunnerRegistry;
  listener: Listener;
  /** This process's workers, unless EVALHUB_WORKERS is 0. */
  workers: WorkerPool | null;
  /** Hashes registrations' large content in the background. */
  hasher: ContentHasher;
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
  // Stopped because its client left: no one to tell, nothing went wrong.
  if (isAbandonedStatement(original)) return { ...formatted, message: 'the request was abandoned' };
  const reference = Math.random().toString(36).slice(2, 10);
  log.error('unexpected error in a resolver', {
    reference,
    path: formatted.path,
    error: original instanceof Error ? (original.stack ?? original.message) : String(original),
  });
  return { ...formatted, message: `internal error (reference ${reference}; see the hub's log)` };
}

/** Every runner this process can execute: built in, given, and loaded from files. */
export async function runnerRegistry(
  config: HubConfig,
  extra: RunnerModule[] = [],
): Promise<RunnerRegistry> {
  const { commandAllow, commandPath } = config.hostConfig;
  return new RunnerRegistry([
    ...builtInRunners,
    // Off unless the operator allowlists programs.
    ...(commandAllow.length ? [commandRunner({ allow: commandAllow, path: commandPath })] : []),
    ...extra,
    ...(await loadRunnerModules(config.runnerModules)),
  ]);
}

/** What local content the hub reads for its callers. */
export function localContentPolicy(config: HubConfig): LocalContentPolicy {
  const host = config.hostConfig;
  return {
    roots: host.dataRoots,
    projectRoots: host.projectDataRoots,
    maxBytes: host.maxContentBytes,
    maxFiles: host.maxContentFiles,
    hubFolders: [config.dataDir, config.storeDir, config.workDir]
      .filter((folder) => !folder.startsWith('memory://'))
      .map((folder) => resolve(folder)),
    inlineHashBytes: host.inlineHashBytes,
    contentStore: config.storeDir,
    projectUploadQuotaBytes: host.projectUploadQuotaBytes,
  };
}

/**
 * Whether requests without a token act as the local operator: a hub over the embedded
 * database, listening on a loopback address, with auth not required.
 */
export function localMode(config: HubConfig): boolean {
  return config.auth.mode === 'auto' && !config.databaseUrl && isLoopbackHost(config.host);
}

/**
 * A hub that requires tokens, with neither a token nor an identity provider, admits nobody:
 * on an address others can reach that is a mistake, and it does not start; on a loopback
 * address it starts and says how to make the first token.
 */
async function checkSomeoneCanSignIn(config: HubConfig, db: Database): Promise<void> {
  if (localMode(config) || config.auth.oidc || (await anyUsableApiToken(db))) return;
  const how =
    'make an admin token on the server with `evalhub token create --admin --name <name>` ' +
    '(same DATABASE_URL / EVALHUB_DATA_DIR), or configure OIDC (EVALHUB_OIDC_ISSUER, ' +
    'EVALHUB_OIDC_AUDIENCE); see README, "Running for a team"';
  if (!isLoopbackHost(config.host))
    throw new Error(
      `refusing to listen on ${config.host}: requests need a token, and none exists; ${how}`,
    );
  log.warn(`requests need a token, and none exists: ${how}`);
}

/** The key of the database's audit chain: EVALHUB_AUDIT_KEY, or the embedded database's own. */
export function auditKeyOf(config: HubConfig, database: DatabaseHandle): Buffer {
  return resolveAuditKey({ given: config.auditKey, kind: database.kind, dataDir: config.dataDir });
}

/** The key evidence is signed with: EVALHUB_SIGNING_KEY's, or the embedded database's own. */
export function signingKeyOf(config: HubConfig, database: DatabaseHandle): SigningKey {
  return resolveSigningKey({
    given: config.signingKey,
    kind: database.kind,
    dataDir: config.dataDir,
  });
}

/** The settings of a pool of workers, from the hub's configuration. */
function workerPoolOptions(
  config: HubConfig,
  db: Database,
  listener: Listener,
  runners: RunnerRegistry,
): WorkerPoolOptions {
  return {
    db,
    listener,
    runners,
    concurrency: config.workers,
    leaseMs: config.leaseMs,
    cancelGraceMs: config.cancelGraceMs,
    externalRunTimeoutMs: config.externalRunTimeoutMs,
    workRoot: config.workDir,
    storeDir: config.storeDir,
  };
}

export async function startHub(options: HubOptions): Promise<Hub> {
  // Bound first: a port in use stops the start before the data folder is touched.
  const httpServer = await listenHttp(options.config.port, options.config.host);
  try {
    return await serveOn(httpServer, options);
  } catch (error) {
    httpServer.close();
    throw error;
  }
}

async function serveOn(httpServer: Server, options: HubOptions): Promise<Hub> {
  const { config } = options;
  const database =
    options.database ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      statementTimeoutMs: config.requestTimeoutMs,
    }));
  const applied = await migrate(database.db);
  if (applied) log.info('applied migrations', { count: applied });
  await openAuditChain(database.db, auditKeyOf(config, database));
  await openSigningKey(database.db, signingKeyOf(config, database));
  const runners = await runnerRegistry(config, options.runners);
  const listener = await startListener(database);
  const streams = new RunEventStreams(database.db, listener);
  const localContent = localContentPolicy(config);
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const publicUrl = config.publicUrl ?? `http://${host}:${port}`;
  const services = { db: database.db, runners, streams, listener, localContent, publicUrl };

  const limits = queryLimits(config.queryLimits, database.db);
  const apollo = createApollo({
    schema,
    limits,
    introspection: config.introspection,
    formatError,
    httpServer,
  });
  await apollo.start();
  await checkSomeoneCanSignIn(config, database.db);
  const authenticator = createAuthenticator({
    db: database.db,
    localOperator: localMode(config) ? localOperator(config.actorName) : null,
    oidc: config.auth.oidc,
  });
  const identify: Identify = async (req, authorization) =>
    options.actorOverride?.(req) ??
    authenticator.actorOf(authorization ?? req.headers.authorization);
  const contextFor = (actor: Actor, signal?: AbortSignal) => createContext(services, actor, signal);
  const printer = { chromium: config.chromium, timeoutMs: config.pdfTimeoutMs };
  const graphql = graphqlEndpoint({ apollo, contextFor, onStatements: options.onStatements });
  const guards = {
    bindHost: config.host,
    allowedHosts: config.allowedHosts,
    allowedOrigins: config.allowedOrigins,
  };
  const subscriptions = serveSubscriptions(httpServer, schema, {
    identify,
    contextFor,
    admit: (req) => refusal(req, guards) === null,
    limits,
    formatError,
  });
  // A revoked token's id, or an OIDC subject whose memberships changed.
  const stopRevocations = listener.on('evalhub_access_changed', (key) =>
    subscriptions.endSessionsOf(key),
  );

  httpServer.on('request', async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refused = refusal(req, guards);
    if (refused) return sendJson(res, refused.status, { error: refused.error });
    // Printing a PDF report has its own, longer limit (EVALHUB_PDF_TIMEOUT_SECONDS).
    const deadline = requestDeadline(
      res,
      url.pathname.endsWith('/report')
        ? Math.max(config.requestTimeoutMs, config.pdfTimeoutMs + PDF_ANSWER_MARGIN_MS)
        : config.requestTimeoutMs,
    );
    try {
      if (url.pathname === '/graphql') {
        const actor = await identifyOrRefuse(identify, req, res);
        return actor ? await graphql(req, res, url, actor, deadline) : undefined;
      }
      if (url.pathname === '/healthz') {
        const healthy = await database.db.execute(sql`select 1`).then(
          () => true,
          () => false,
        );
        return sendJson(res, healthy ? 200 : 503, {
          status: healthy ? 'ok' : 'unavailable',
          database: { kind: database.kind, reachable: healthy },
          workers: workers ? { concurrency: config.workers, active: workers.activeRuns } : null,
        });
      }
      if (await servePublicKeys(database.db, req.method, url, res)) return;
      if (url.pathname.startsWith('/api/v1/') || url.pathname.startsWith('/artifacts/')) {
        const actor = await identifyOrRefuse(identify, req, res);
        if (!actor) return;
        if (url.pathname.startsWith('/api/v1/')) {
          if (await refusedOverBudget(limits.budget, actor, req.method, url, res)) return;
          const ctx = { db: database.db, actor, runners, localContent, signal: deadline };
          // Its statements are the request's: stopped if it is abandoned (db/abandoned.ts).
          const { result: served } = await recordStatements(
            async () =>
              (await serveContentApi(ctx, req, res, url)) ||
              (await serveReportApi(ctx, req, res, url, printer)) ||
              (await serveLineageApi(ctx, req, res, url)) ||
              (await serveBundleApi(ctx, req.method, url, res)),
            deadline,
          );
          if (served) return;
        }
        if (req.method === 'GET' && url.pathname.startsWith('/artifacts/')) {
          return await serveArtifact(
            database.db,
            actor,
            url.pathname.slice('/artifacts/'.length),
            res,
          );
        }
      }
      if (req.method === 'GET' && (await serveGraphiQL(url.pathname, res))) return;
      if (req.method === 'GET' && serveUi(url.pathname, res)) return;
      if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
      sendJson(res, 404, { error: `nothing at ${url.pathname}` });
    } catch (error) {
      // Answered with a 504, or its client left: what failed after that is no news.
      if (deadline.aborted) return void res.end();
      log.error('request failed', { path: url.pathname, error: (error as Error).stack });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    }
  });

  const workers =
    config.workers > 0
      ? new WorkerPool(workerPoolOptions(config, database.db, listener, runners))
      : null;
  workers?.start();
  const hasher = new ContentHasher({
    db: database.db,
    runners,
    localContent,
    listener,
    leaseMs: config.leaseMs,
  });
  hasher.start();

  return {
    url: `http://${host}:${port}`,
    port,
    database,
    runners,
    listener,
    workers,
    hasher,
    close: async () => {
      stopRevocations();
      await workers?.stop();
      await hasher.stop();
      await subscriptions.close();
      await apollo.stop();
      streams.close();
      await listener.close();
      if (!options.database) await database.close();
    },
  };
}

export interface Worker {
  pool: WorkerPool;
  runners: RunnerRegistry;
  /** Stops claiming, waits up to `waitMs` for running runs, then releases the rest. */
  stop(waitMs?: number): Promise<void>;
}

/** Workers without the API: `evalhub worker`, on any machine that reaches the database. */
export async function startWorker(
  config: HubConfig,
  extraRunners: RunnerModule[] = [],
): Promise<Worker> {
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  await migrate(database.db);
  await openAuditChain(database.db, auditKeyOf(config, database));
  await openSigningKey(database.db, signingKeyOf(config, database));
  const runners = await runnerRegistry(config, extraRunners);
  const listener = await startListener(database);
  const pool = new WorkerPool(workerPoolOptions(config, database.db, listener, runners));
  pool.start();
  return {
    pool,
    runners,
    stop: async (waitMs = 0) => {
      await pool.stop(waitMs);
      await listener.close();
      await database.close();
    },
  };
}
