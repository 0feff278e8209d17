// A hub on a free port over a bench's database, and a client that posts typed documents to
// it over HTTP, as any user of the API would, keeping the SQL statements of each request.

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { type HubConfig, loadConfig } from '../../src/config.ts';
import type { DatabaseHandle } from '../../src/db/connect.ts';
import { localOperator } from '../../src/resolvers/core/actor.ts';
import type { ServiceContext } from '../../src/resolvers/core/context.ts';
import { type Hub, startHub } from '../../src/server.ts';
import { graphql } from '../../test/gql/index.ts';
import { TEST_SIGNING_KEY } from '../../test/support/database.ts';
import { BENCH_AUDIT_KEY } from './audit.ts';
import { type BareHttp, startBareHttp } from './bare-http.ts';
import { postJson } from './post-json.ts';

const Ping = graphql(`
  query BenchPing { __typename }
`);

export interface BenchHub {
  hub: Hub;
  /** What a resolver gets, to time the services without HTTP and GraphQL. */
  services: ServiceContext;
  /** Posts a document; throws on GraphQL errors. */
  request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: TVariables,
  ): Promise<TResult>;
  /** Posts `{ __typename }`: what every request costs, HTTP and GraphQL with no resolver. */
  ping(): Promise<unknown>;
  /** A round trip to a hello-world server in this process, by the same client: HTTP's floor. */
  bare: BareHttp['roundTrip'];
  /** The SQL statements of the last request. */
  statements(): string[];
  close(): Promise<void>;
}

/**
 * A bench hub's configuration: on a free port, no workers, the bench's audit key and the tests'
 * signing key, with `overrides`.
 */
export function benchHubConfig(overrides: Partial<HubConfig> = {}): HubConfig {
  return {
    ...loadConfig({}),
    port: 0,
    dataDir: 'memory://',
    actorName: 'bench',
    workers: 0,
    auditKey: BENCH_AUDIT_KEY,
    signingKey: TEST_SIGNING_KEY,
    ...overrides,
  };
}

/** Starts a hub (no workers) on `database`. */
export async function startBenchHub(database: DatabaseHandle): Promise<BenchHub> {
  let last: string[] = [];
  const hub = await startHub({
    config: benchHubConfig(),
    database,
    onStatements: (recorded) => {
      last = recorded;
    },
  });
  const url = `${hub.url}/graphql`;
  // Printed once per document, so that the client's own work stays out of the timings.
  const printed = new WeakMap<object, string>();
  const request: BenchHub['request'] = async (document, variables) => {
    if (!printed.has(document)) printed.set(document, print(document));
    const body = (await postJson(
      url,
      JSON.stringify({ query: printed.get(document), variables }),
    )) as { data: never; errors?: { message: string }[] };
    if (body.errors?.length)
      throw new Error(`the hub answered with errors: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  const bare = await startBareHttp();
  return {
    hub,
    services: { db: database.db, actor: localOperator('bench'), runners: hub.runners },
    request,
    ping: () => request(Ping, {}),
    bare: () => bare.roundTrip(),
    statements: () => last,
    close: async () => {
      await bare.close();
      await hub.close();
    },
  };
}
