// How the client reaches a hub: GraphQL over HTTP for queries and mutations, graphql-ws over
// a WebSocket for subscriptions, and plain GET for the REST routes (reports, exports); each
// carries the token as a bearer token.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type GraphQLFormattedError, print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';

export interface ConnectOptions {
  /** The hub, e.g. http://127.0.0.1:4000 */
  url: string;
  /** An evalhub API token or an OIDC token; none for a local hub that needs none. */
  token?: string | null;
}

/** The hub refused or failed a request: its message, and the HTTP status when it had one. */
export class HubError extends Error {
  readonly status: number | null;
  /** The typed error's kind (`ValidationError`, `DIGEST_MISMATCH`...), when the hub said. */
  readonly code: string | null;
  /** For a ValidationError: the input field it is about. */
  readonly path: readonly string[] | null;
  constructor(
    message: string,
    status: number | null = null,
    typed: { code?: string | null; path?: readonly string[] | null } = {},
  ) {
    super(message);
    this.name = 'HubError';
    this.status = status;
    this.code = typed.code ?? null;
    this.path = typed.path ?? null;
  }
}

export class Connection {
  readonly url: string;
  readonly #token: string | null;

  constructor(options: ConnectOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#token = options.token ?? null;
  }

  #headers(): Record<string, string> {
    return this.#token ? { authorization: `Bearer ${this.#token}` } : {};
  }

  async #fetch(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        ...init,
        headers: { ...this.#headers(), ...(init.headers as Record<string, string>) },
      });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new HubError(`cannot reach the hub at ${this.url}${cause ? `: ${cause}` : ''}`);
    }
    return response;
  }

  /** Runs a query or mutation; throws HubError on any GraphQL or HTTP error. */
  async request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
  ): Promise<TResult> {
    const response = await this.#fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
    });
    const body = (await response.json().catch(() => null)) as {
      data?: TResult;
      errors?: GraphQLFormattedError[];
      error?: string;
    } | null;
    if (body?.errors?.length) throw new HubError(body.errors[0]!.message, response.status);
    if (!response.ok || !body?.data) {
      throw new HubError(body?.error ?? `the hub answered ${response.status}`, response.status);
    }
    return body.data;
  }

  /** Sends any request to a route under the hub, as is; throws HubError only if unreachable. */
  send(path: string, init: RequestInit): Promise<Response> {
    return this.#fetch(path, init);
  }

  /** GETs a REST route under the hub; throws HubError unless it answers 2xx. */
  async get(path: string): Promise<Response> {
    const response = await this.#fetch(path);
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as { error?: string } | null;
      throw new HubError(body?.error ?? `the hub answered ${response.status}`, response.status);
    }
    return response;
  }

  /**
   * A fresh WebSocket client for subscriptions. It does not reconnect by itself: a resumed
   * subscription must start from its own last cursor, which only its caller knows.
   */
  subscriptions(): Client {
    return createClient({
      url: `${this.url.replace(/^http/, 'ws')}/graphql`,
      connectionParams: this.#token ? { authorization: `Bearer ${this.#token}` } : {},
      retryAttempts: 0,
      lazy: true,
    });
  }
}
