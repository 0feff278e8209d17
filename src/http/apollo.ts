// The GraphQL engine behind /graphql: Apollo Server with the query limits and the
// introspection gate, set up so that what does not depend on the request is not redone for
// each one. A document is parsed and validated once (Apollo's document store, keyed by its
// hash; a refused document is never stored, so it is refused every time); fields are not
// wrapped for cache hints the schema does not give (every GraphQL response is `no-store`,
// set by the endpoint); answers are written as compact JSON.
import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerOptions } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { GraphQLSchema } from 'graphql';
import type { GraphQLContext } from '../schema/context.ts';
import { introspectionGate } from './introspection.ts';
import type { queryLimits } from './query-limits.ts';

export interface ApolloOptions {
  schema: GraphQLSchema;
  limits: ReturnType<typeof queryLimits>;
  /** Whether callers other than the local operator may introspect (EVALHUB_INTROSPECTION). */
  introspection: boolean;
  formatError: ApolloServerOptions<GraphQLContext>['formatError'];
  /** The server whose connections Apollo drains when it stops. */
  httpServer: Server;
}

export function createApollo(options: ApolloOptions): ApolloServer<GraphQLContext> {
  const { limits } = options;
  return new ApolloServer<GraphQLContext>({
    schema: options.schema,
    formatError: options.formatError,
    includeStacktraceInErrorResponses: false,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    stringifyResult: (result) => JSON.stringify(result),
    plugins: [
      ...limits.plugins,
      introspectionGate(options.introspection),
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer }),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
}
