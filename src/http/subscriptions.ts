// GraphQL subscriptions over WebSocket (graphql-ws, protocol graphql-transport-ws) on the
// same /graphql path as queries.
//
// A run watched by many clients sends each of them the same event objects (one feed per
// run); executing each subscriber's selection set on each event is what would cost, so
// results are cached per event object and per (document, variables, the caller's roles):
// a thousand subscribers with the same query cost one execution per event, and, handed the
// same result object, one serialisation (graphql-ws-server.ts). Callers who differ in what
// they may see never share a result.
import type { IncomingMessage, Server } from 'node:http';
import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
  type ParseOptions,
  parse,
  print,
  specifiedRules,
  type ValidationRule,
  validate,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { WebSocketServer } from 'ws';
import type { Actor } from '../resolvers/core/actor.ts';
import { EventBatch } from '../resolvers/core/event-batch.ts';
import { AuthenticationError } from '../resolvers/identity/authenticate.ts';
import { IdentityProviderUnavailable } from '../resolvers/identity/oidc.ts';
import type { GraphQLContext } from '../schema/context.ts';
import { ResultBatch, serveGraphQLWs } from './graphql-ws-server.ts';
import type { Identify } from './identity.ts';
import { operationCost, tooLarge } from './query-cost.ts';

type Results = Map<string, Promise<ExecutionResult> | ExecutionResult>;
const resultsByEvent = new WeakMap<object, Results>();
const operationKeys = new WeakMap<object, string>();

function operationKey(args: ExecutionArgs): string {
  let document = operationKeys.get(args.document);
  if (document === undefined) {
    document = print(args.document);
    operationKeys.set(args.document, document);
  }
  const actor = (args.contextValue as GraphQLContext).actor;
  return JSON.stringify([
    document,
    args.operationName ?? null,
    args.variableValues ?? null,
    // Everything the answer may depend on of who asks: fields differ by role, not only by
    // which projects are seen (Project.members is a maintainer's).
    actor.admin,
    Object.entries(actor.roles).sort(([a], [b]) => a.localeCompare(b)),
  ]);
}

/**
 * Maps each value of `source` through `map`, passing return() (unsubscribe) through. A value
 * `map` gives as is (not a promise) costs no extra turn of the microtask queue.
 */
function mapAsyncIterable<T, U>(
  source: AsyncIterable<T>,
  map: (value: T) => Promise<U> | U,
): AsyncIterableIterator<U> {
  const iterator = source[Symbol.asyncIterator]();
  const done = { value: undefined, done: true } as const;
  return {
    next() {
      return iterator.next().then((result) => {
        if (result.done) return done;
        const mapped = map(result.value);
        return mapped instanceof Promise
          ? mapped.then((value) => ({ value, done: false }))
          : { value: mapped, done: false };
      });
    },
    async return() {
      await iterator.return?.();
      return done;
    },
    async throw(error) {
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** The result of `event` for the operation `key`: executed once, shared by every caller. */
function sharedResult(
  args: ExecutionArgs,
  key: string,
  event: unknown,
): Promise<ExecutionResult> | ExecutionResult {
  if (event === null || typeof event !== 'object') return execute({ ...args, rootValue: event });
  let results = resultsByEvent.get(event);
  if (!results) {
    results = new Map();
    resultsByEvent.set(event, results);
  }
  let result = results.get(key);
  if (!result) {
    const executed = execute({ ...args, rootValue: event });
    result = executed;
    results.set(key, executed);
    // Settled, the result is handed out as is to the subscribers that come after.
    if (executed instanceof Promise)
      void executed.then((value) => results.set(key, value)).catch(() => {});
  }
  return result;
}

/**
 * graphql-js's subscribe, executing each event once per distinct operation; a batch of
 * events (EventBatch) becomes one batch of results, written to the socket in one go.
 */
async function subscribeWithSharedResults(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
  const key = operationKey(args);
  return mapAsyncIterable(source as AsyncIterable<unknown>, (event) => {
    if (!(event instanceof EventBatch)) return sharedResult(args, key, event);
    const results = event.events.map((one) => sharedResult(args, key, one));
    return results.some((result) => result instanceof Promise)
      ? Promise.all(results).then((settled) => new ResultBatch(settled).asResult())
      : new ResultBatch(results as ExecutionResult[]).asResult();
  });
}

export interface SubscriptionsOptions {
  identify: Identify;
  contextFor: (actor: Actor) => GraphQLContext;
  /** Whether an upgrade request may open a WebSocket at all (Host, Origin); 403 if not. */
  admit: (req: IncomingMessage) => boolean;
  /** The limits HTTP requests get (tokens, depth, aliases, expensive fields, size). */
  limits: {
    parseOptions: ParseOptions;
    validationRules: ValidationRule[];
    maxCost: number;
    maxExpensive: number;
  };
  /** What HTTP does to errors: nothing internal reaches the client. */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

/**
 * A subscription as HTTP would take a query: parsed and validated under the same limits.
 * Queries and mutations go over HTTP; the socket carries subscriptions only.
 */
function admitOperation(
  schema: GraphQLSchema,
  limits: SubscriptionsOptions['limits'],
  payload: { query: string; operationName?: string | null; variables?: unknown },
): ExecutionArgs | readonly GraphQLError[] {
  let document: ReturnType<typeof parse>;
  try {
    document = parse(payload.query, limits.parseOptions);
  } catch (error) {
    return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
  }
  const errors = validate(schema, document, [...specifiedRules, ...limits.validationRules]);
  if (errors.length) return errors;
  const operation = getOperationAST(document, payload.operationName);
  if (operation?.operation !== 'subscription')
    return [
      new GraphQLError(
        'this socket carries subscriptions: send queries and mutations to /graphql over HTTP',
      ),
    ];
  const variables = payload.variables as Record<string, unknown> | undefined;
  const cost = operationCost(schema, document, variables, payload.operationName ?? undefined);
  const tooBig = cost && tooLarge(cost, limits);
  if (tooBig) return [tooBig];
  return {
    schema,
    document,
    operationName: payload.operationName,
    variableValues: payload.variables as Record<string, unknown> | null | undefined,
  };
}

/** The largest WebSocket message read: far more than a subscription document needs. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Serves subscriptions. A connection is identified when it opens (the `authorization` of its
 * connection_init payload, else its upgrade request's header): one that is not closes with
 * 4401; one whose token expires or is revoked closes then (4401 as well), ending its
 * subscriptions; one of an OIDC user whose memberships change closes with 4403, to reconnect.
 */
export function serveSubscriptions(
  server: Server,
  schema: GraphQLSchema,
  { identify, contextFor, admit, limits, formatError }: SubscriptionsOptions,
): { close(): Promise<void>; endSessionsOf(key: string): void } {
  const wsServer = new WebSocketServer({
    server,
    path: '/graphql',
    // ws buffers a whole message before anything sees it, a connection_init too, before the
    // caller is known: its default of 100 MiB let anyone grow the hub by that much a socket.
    maxPayload: MAX_MESSAGE_BYTES,
    verifyClient: ({ req }, done) => done(admit(req), 403, 'origin or host not allowed'),
  });
  const handle = serveGraphQLWs(
    {
      schema,
      onConnect: async (ctx) => {
        const given = ctx.connectionParams?.authorization;
        try {
          const actor = await identify(
            ctx.extra.request,
            typeof given === 'string' ? given : undefined,
          );
          ctx.extra.actor = actor;
          return true;
        } catch (error) {
          // 1013: try again later (the identity provider could not be asked).
          if (error instanceof IdentityProviderUnavailable) {
            ctx.extra.socket.close(1013, error.message.slice(0, 120));
            return false;
          }
          if (!(error instanceof AuthenticationError)) throw error;
          ctx.extra.socket.close(CloseCode.Unauthorized, error.message.slice(0, 120));
          return false;
        }
      },
      context: (ctx) => contextFor(ctx.extra.actor!) as unknown as Record<string, unknown>,
      onSubscribe: (_ctx, _id, payload) => admitOperation(schema, limits, payload),
      formatResult: (result) =>
        result.errors
          ? {
              ...result,
              errors: result.errors.map(
                (error) => formatError(error.toJSON(), error) as unknown as GraphQLError,
              ),
            }
          : result,
      subscribe: subscribeWithSharedResults,
    },
    wsServer,
  );
  return {
    close: () => handle.dispose(),
    endSessionsOf: (key) => handle.endSessionsOf(key),
  };
}
