// A real hub on a free port with its own database, and a client that calls it through
// typed documents (graphql-codegen) over HTTP, as any user of the API would.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type DocumentNode, type GraphQLFormattedError, getOperationAST, print } from 'graphql';
import { type HubConfig, loadConfig } from '../../src/config.ts';
import type { Actor, Role } from '../../src/resolvers/core/actor.ts';
import type { RunnerModule } from '../../src/runners/contract.ts';
import { type Hub, startHub } from '../../src/server.ts';
import {
  openTestDatabase,
  TEST_AUDIT_KEY,
  TEST_SIGNING_KEY,
  type TestDatabase,
} from './database.ts';

export interface GraphQLResponse<T> {
  data: T;
  errors?: GraphQLFormattedError[];
  /** The SQL statements the request issued, in order. */
  statements: string[];
  status: number;
}

export interface TestHub {
  hub: Hub;
  database: TestDatabase;
  /** Calls the API; `as` runs the request as another actor, `token` sends a bearer token. */
  graphql<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables?: TVariables,
    options?: { as?: Actor; token?: string },
  ): Promise<GraphQLResponse<TResult>>;
  close(): Promise<void>;
}

const ACTOR_HEADER = 'x-test-actor';

/**
 * An actor holding `role` (maintainer unless said) in each of `projects`, as a token of that
 * scope would: for tests of what a caller outside other projects sees.
 */
export function memberOf(
  id: string,
  projects: readonly string[],
  role: Role = 'maintainer',
): Actor {
  return {
    id,
    kind: 'token',
    name: id,
    admin: false,
    roles: Object.fromEntries(projects.map((slug) => [slug, role])),
  };
}

/** The configuration of a hub in a test, with `config` over it. */
export function testHubConfig(config: Partial<HubConfig> = {}): HubConfig {
  return {
    ...loadConfig({}),
    port: 0,
    dataDir: 'memory://',
    auditKey: TEST_AUDIT_KEY,
    signingKey: TEST_SIGNING_KEY,
    actorName: 'tester',
    // Short leases, so that a dead worker is noticed within a test's patience.
    leaseMs: 2000,
    // Datasets runs make go to a temporary store, not the repository's .evalhub.
    storeDir: join(tmpdir(), 'evalhub-test-store'),
    // Tests register content from temporary folders.
    hostConfig: { ...loadConfig({}).hostConfig, dataRoots: [tmpdir()] },
    ...config,
  };
}

/** The body `text` as a GraphQL answer (data, errors or both), or null if it is not one. */
function answerOf(text: string): { data: never; errors?: GraphQLFormattedError[] } | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null || !('data' in body || 'errors' in body))
    return null;
  return body as { data: never; errors?: GraphQLFormattedError[] };
}

function operationName(document: DocumentNode): string | undefined {
  return getOperationAST(document)?.name?.value;
}

export async function startTestHub(
  options: { config?: Partial<HubConfig>; runners?: RunnerModule[] } = {},
): Promise<TestHub> {
  const database = await openTestDatabase();
  let statements: string[] = [];
  const hub = await startHub({
    config: testHubConfig(options.config),
    database,
    // Only this harness reads the header; without it a request is the local operator's, or
    // its token's when the hub requires tokens.
    actorOverride: (req) => {
      const header = req.headers[ACTOR_HEADER];
      return typeof header === 'string' ? (JSON.parse(header) as Actor) : null;
    },
    onStatements: (recorded) => {
      statements = recorded;
    },
    runners: options.runners ?? [],
  });
  return {
    hub,
    database,
    async graphql(document, variables, options) {
      const response = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options?.as ? { [ACTOR_HEADER]: JSON.stringify(options.as) } : {}),
          ...(options?.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        body: JSON.stringify({ query: print(document), variables }),
      });
      const text = await response.text();
      const body = answerOf(text);
      // Anything but a GraphQL answer (the 504 of a request past its deadline, on a busy
      // machine) is thrown here, or a test's seeding would fail later as "no data".
      if (!body) {
        const name = operationName(document) ?? 'an anonymous operation';
        throw new Error(
          `the hub answered ${name} with ${response.status} and no GraphQL result: ${text.slice(0, 500)}`,
        );
      }
      // A request refused before GraphQL (401) has errors and no data.
      return { ...body, statements, status: response.status };
    },
    async close() {
      await hub.close();
      await database.close();
    },
  };
}
