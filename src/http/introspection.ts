// Introspection, and the "Did you mean ...?" hints in validation errors, map the schema for
// whoever asks. The local operator keeps both (GraphiQL, codegen); token and OIDC callers
// get neither unless EVALHUB_INTROSPECTION=on.
import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, type DocumentNode, GraphQLError, visit } from 'graphql';
import type { GraphQLContext } from '../schema/context.ts';

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

function mayIntrospect(context: GraphQLContext, enabled: boolean): boolean {
  return enabled || context.actor.kind === 'operator';
}

/** Whether each document introspects: the document store hands out one object per document. */
const introspecting = new WeakMap<DocumentNode, boolean>();

function introspects(document: DocumentNode): boolean {
  let found = introspecting.get(document);
  if (found !== undefined) return found;
  found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
    },
  });
  introspecting.set(document, found);
  return found;
}

/** Refuses introspection, and hides suggestions, for callers other than the local operator. */
export function introspectionGate(enabled: boolean): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (mayIntrospect(contextValue, enabled)) return;
      return {
        async didResolveOperation({ document }) {
          if (introspects(document)) {
            throw new GraphQLError(
              'introspection is off for this caller (EVALHUB_INTROSPECTION=on allows it)',
              { extensions: { code: 'INTROSPECTION_DISABLED', http: { status: 400 } } },
            );
          }
        },
        async validationDidStart() {
          return async (errors) => {
            for (const error of errors ?? []) error.message = error.message.replace(SUGGESTION, '');
          };
        },
      };
    },
  };
}
