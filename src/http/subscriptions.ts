// GraphQL subscriptions over WebSocket (graphql-ws, protocol graphql-transport-ws) on the
// same /graphql path as queries.
//
// A run watched by many clients sends each of them the same event objects (one feed per
// run); executing each subscriber's selection set on each event is what would cost, so
// results are cached per event object and per (document, variables, visible projects):
// a thousand subscribers with the same query cost one execution per event.
import type { IncomingMessage, Server } from 'node:http';
import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  type GraphQLSchema,
  print,
} from 'graphql';
import { WebSocketServer } from 'ws';
import { visibleSlugs } from '../resolvers/core/actor.ts';
import type { GraphQLContext } from '../schema/context.ts';
import { serveGraphQLWs } from './graphql-ws-server.ts';

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
    visibleSlugs(actor),
  ]);
}

/** Maps each value of `source` through `map`, passing return() (unsubscribe) through. */
function mapAsyncIterable<T, U>(
  source: AsyncIterable<T>,
  map: (value: T) => Promise<U> | U,
): AsyncIterableIterator<U> {
  const iterator = source[Symbol.asyncIterator]();
  return {
    async next() {
      const result = await iterator.next();
      return result.done
        ? { value: undefined, done: true }
        : { value: await map(result.value), done: false };
    },
    async return() {
      await iterator.return?.();
      return { value: undefined, done: true };
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

/** graphql-js's subscribe, executing each event once per distinct operation. */
async function subscribeWithSharedResults(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
  const key = operationKey(args);
  return mapAsyncIterable(source as AsyncIterable<unknown>, (event) => {
    if (event === null || typeof event !== 'object') return execute({ ...args, rootValue: event });
    let results = resultsByEvent.get(event);
    if (!results) {
      results = new Map();
      resultsByEvent.set(event, results);
    }
    let result = results.get(key);
    if (!result) {
      result = execute({ ...args, rootValue: event });
      results.set(key, result);
    }
    return result;
  });
}

export function serveSubscriptions(
  server: Server,
  schema: GraphQLSchema,
  contextFor: (request: IncomingMessage) => GraphQLContext,
): { close(): Promise<void> } {
  const wsServer = new WebSocketServer({ server, path: '/graphql' });
  const handle = serveGraphQLWs(
    {
      schema,
      context: (ctx) => contextFor(ctx.extra.request) as unknown as Record<string, unknown>,
      subscribe: subscribeWithSharedResults,
    },
    wsServer,
  );
  return { close: () => handle.dispose() };
}
