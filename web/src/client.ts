// The GraphQL client: queries and mutations over HTTP, subscriptions over graphql-ws, both
// carrying the session's token. A 401 sends the user to the login page.
import { createClient as createWsClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from 'urql';
import { fetchPreloaded, HUB_REQUESTS } from './preload.ts';
import { session } from './session.ts';

export function createHubClient(onUnauthorized: () => void): Client {
  const ws = createWsClient({
    url: new URL('/graphql', location.href).href.replace(/^http/, 'ws'),
    connectionParams: () => {
      const token = session.token();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    lazy: true,
    retryAttempts: 5,
  });
  return new Client({
    ...HUB_REQUESTS,
    requestPolicy: 'cache-and-network',
    fetch: fetchPreloaded,
    exchanges: [
      mapExchange({
        onError: (error) => {
          if ((error.response as Response | undefined)?.status === 401) onUnauthorized();
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink),
          }),
        }),
      }),
    ],
  });
}
