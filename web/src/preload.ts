// The first page's data, asked for by the entry script before React and the pages have
// loaded: the runs list (the page `/ui/` opens) would otherwise wait for them to download and
// start. The request is built by urql's own functions, so it is the one the GraphQL client
// sends when the page asks; the client's fetch then takes the answer instead of asking again.
import { createRequest, formatDocument, makeOperation } from '@urql/core';
import { makeFetchBody, makeFetchOptions, makeFetchURL } from '@urql/core/internal';
import { RunsQuery, runsVariables } from './pages/runs-query.ts';
import { session } from './session.ts';

/** How the GraphQL client reaches the hub (client.ts). */
export const HUB_REQUESTS = {
  url: '/graphql',
  // The hub takes queries by POST (GET is refused without a CSRF-safe header).
  preferGetMethod: false,
  fetchOptions: () => ({ headers: session.headers() }),
} as const;

let preloaded: { body: string; response: Promise<Response> } | null = null;

/** Sends the runs list's query when the address is the runs list's. */
export function preloadFirstPage(): void {
  const path = location.pathname.replace(/\/+$/, '');
  if (path !== '/ui' && path !== '/ui/runs') return;
  const request = createRequest(
    RunsQuery,
    runsVariables(new URLSearchParams(location.search), null),
  );
  // With the __typename fields urql's cache exchange adds to every query.
  const operation = makeOperation(
    'query',
    { ...request, query: formatDocument(request.query) },
    {
      ...HUB_REQUESTS,
      requestPolicy: 'cache-and-network',
    },
  );
  const body = makeFetchBody(operation);
  const options = makeFetchOptions(operation, body);
  if (typeof options.body !== 'string') return;
  const response = fetch(makeFetchURL(operation, body), options);
  // A failure is the page's to report, when it takes the answer.
  response.catch(() => undefined);
  preloaded = { body: options.body, response };
}

/** The GraphQL client's fetch: the preloaded answer to the same request, once; else the network. */
export function fetchPreloaded(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  if (preloaded && init?.body === preloaded.body) {
    const { response } = preloaded;
    preloaded = null;
    return response;
  }
  return fetch(input, init);
}
