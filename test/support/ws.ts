// A real graphql-ws client (protocol graphql-transport-ws), as a UI or notebook uses one.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Actor } from '../../src/resolvers/core/actor.ts';

export interface SubscriptionClient {
  client: Client;
  iterate<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: TVariables,
  ): AsyncIterableIterator<ExecutionResult<TResult>>;
  close(): Promise<void>;
}

export function subscriptionClient(
  httpUrl: string,
  as?: Actor,
  token?: string,
): SubscriptionClient {
  const headers = as ? { 'x-test-actor': JSON.stringify(as) } : {};
  class WebSocketWithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocketWithHeaders,
    retryAttempts: 0,
    lazy: true,
    ...(token ? { connectionParams: { authorization: `Bearer ${token}` } } : {}),
  });
  return {
    client,
    iterate: (document, variables) =>
      client.iterate({
        query: print(document),
        variables: variables as Record<string, unknown>,
      }) as never,
    close: () => client.dispose() as Promise<void>,
  };
}
