// Thousands of generated hostile requests (fast-check, fixed seed) against a real hub:
// malformed and oversized documents and variables, alias, depth, fragment and directive
// bombs, hostile URIs in registrations, bad tokens, bad OpenLineage events, hostile paths.
// None may get a 5xx, each must be refused, the hub must answer afterwards with its memory
// bounded, and every table must be as it was (count and digest).
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';

const SEED = 20261205;
/** Requests sent at once by each generated batch. */
const CONCURRENCY = 8;
/** Batches per family of requests; 8 families x 160 batches x 8 requests = 10,240. */
const BATCHES = 160;
/** Generous: a leak over 10,000 requests shows as far more. */
const MAX_RSS_GROWTH_BYTES = 400 * 1024 * 1024;

interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

let t: TestHub;
let modelId: string;

/** Bodies over the hub's limit: it answers 413 and closes, so the client may see a reset. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

async function send(request: HostileRequest): Promise<{ status: number; text: string }> {
  try {
    const response = await fetch(`${t.hub.url}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    if ((request.body?.length ?? 0) > MAX_BODY_BYTES) return { status: 413, text: '' };
    throw new Error(`no answer to ${String(described(request)[fc.toStringMethod]())}`, {
      cause: error,
    });
  }
}

/** A request as fast-check reports it: its start, not megabytes. */
function described(
  request: HostileRequest,
): HostileRequest & { [fc.toStringMethod]: () => string } {
  return Object.assign(request, {
    [fc.toStringMethod]: () =>
      `${request.method} ${request.path.slice(0, 120)} ${JSON.stringify(request.headers).slice(0, 200)} ${(request.body ?? '').slice(0, 300)} (${request.body?.length ?? 0} chars)`,
  });
}

const json = { 'content-type': 'application/json' };
const graphqlPost = (body: unknown, headers: Record<string, string> = {}): HostileRequest => ({
  method: 'POST',
  path: '/graphql',
  headers: { ...json, ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const actorHeader = (actor: ReturnType<typeof memberOf>) => ({
  'x-test-actor': JSON.stringify(actor),
});

/**
 * Whether the hub refused the request: a 4xx, GraphQL errors, a mutation's typed error, or
 * a read of something that is not there (null), or the GraphiQL page.
 */
function refused({ status, text }: { status: number; text: string }): boolean {
  if (status >= 400 && status < 500) return true;
  // A path that normalizes to / (`/artifacts/%2e%2e`) gets the GraphiQL page.
  if (text.startsWith('<!doctype html>')) return true;
  let body: { errors?: unknown[]; data?: Record<string, { __typename?: string } | null> };
  try {
    body = JSON.parse(text);
  } catch {
    return false;
  }
  if (body.errors?.length) return true;
  return Object.values(body.data ?? {}).every(
    (value) => value === null || /Error$/.test(value.__typename ?? ''),
  );
}

/** Count and digest of every table, so that any change to any row shows. */
async function tableDigests(): Promise<Record<string, string>> {
  const rowsOf = (result: unknown) =>
    (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<
      string,
      unknown
    >[];
  const tables = rowsOf(
    await t.database.db.execute(
      sql`select table_name from information_schema.tables
          where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    ),
  ).map((row) => String(row.table_name));
  const digests: Record<string, string> = {};
  for (const table of tables) {
    const [row] = rowsOf(
      await t.database.db.execute(
        sql.raw(
          `select count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as d from "${table}" t`,
        ),
      ),
    );
    digests[table] = String(row?.d);
  }
  return digests;
}

// --- generators -------------------------------------------------------------------------

const junk = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('', '{', '}', '{{{', 'query {', '"', '\u0000', 'mutation', '#'),
);
const big = (unit: string) =>
  fc.integer({ min: 50_000, max: 400_000 }).map((n) => unit.repeat(Math.ceil(n / unit.length)));

const malformedDocuments = fc.oneof(
  { arbitrary: junk.map((query) => graphqlPost({ query })), weight: 10 },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((body) => graphqlPost(body)), weight: 10 },
  { arbitrary: junk.map((body) => graphqlPost(body)), weight: 10 },
  {
    arbitrary: big('{ projects { totalCount } }').map((query) => graphqlPost({ query })),
    weight: 10,
  },
  { arbitrary: big('a').map((query) => graphqlPost({ query: `{ ${query} }` })), weight: 10 },
  // Over the 16 MiB body limit: rarer, each costs a 17 MB upload.
  { arbitrary: fc.constant(graphqlPost('x'.repeat(17 * 1024 * 1024))), weight: 1 },
);

const bombs = fc.oneof(
  fc.integer({ min: 31, max: 3000 }).map((n) =>
    graphqlPost({
      query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: projects { totalCount }`).join(' ')} }`,
    }),
  ),
  fc.integer({ min: 13, max: 400 }).map((depth) =>
    graphqlPost({
      query: `{ projects { nodes { ${'models { nodes { project { '.repeat(depth)} slug ${'} } } '.repeat(depth)} } } }`,
    }),
  ),
  // Each fragment spreads the next twice: 2^n fields once expanded.
  fc.integer({ min: 10, max: 60 }).map((n) => {
    const fragments = Array.from(
      { length: n },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    );
    return graphqlPost({
      query: `{ ...F0 } ${fragments.join(' ')} fragment F${n} on Query { projects { totalCount } }`,
    });
  }),
  // A fragment that spreads itself.
  fc.constant(
    graphqlPost({ query: '{ ...A } fragment A on Query { ...A projects { totalCount } }' }),
  ),
  fc
    .integer({ min: 51, max: 5000 })
    .map((n) =>
      graphqlPost({ query: `{ projects ${'@include(if: true) '.repeat(n)} { totalCount } }` }),
    ),
  fc.integer({ min: 11, max: 500 }).map((n) =>
    graphqlPost({
      query: `{ ${Array.from({ length: n }, (_, i) => `s${i}: search(query: "x") { __typename }`).join(' ')} }`,
    }),
  ),
);

const badVariables = fc.oneof(
  fc
    .anything({ maxDepth: 3 })
    .map((id) =>
      graphqlPost({ query: 'query ($id: ID!) { node(id: $id) { id } }', variables: { id } }),
    ),
  fc
    .oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
      fc.double({ min: 2 ** 31, noNaN: true, noDefaultInfinity: true }),
      fc.integer({ max: -1 }),
      fc.bigInt().map(String),
      fc.string(),
    )
    .map((first) =>
      graphqlPost({
        query: 'query ($first: Int) { projects(first: $first) { totalCount } }',
        variables: { first },
      }),
    ),
  fc
    .jsonValue({ maxDepth: 6 })
    .map((variables) =>
      graphqlPost({ query: 'query ($id: ID!) { node(id: $id) { id } }', variables }),
    ),
  big('x').map((id) =>
    graphqlPost({ query: 'query ($id: ID!) { node(id: $id) { id } }', variables: { id } }),
  ),
);

const hostileUris = fc.oneof(
  fc.constantFrom(
    '/etc/passwd',
    '/etc/shadow',
    '/root',
    '/',
    '../..',
    '../../../../etc/passwd',
    'file:///etc/passwd',
    'file://',
    'file:///proc/self/environ',
    'file://localhost/etc/hosts',
    '/dev/zero',
    '/dev/random',
    '\u0000/etc/passwd',
    'C:\\Windows\\system.ini',
  ),
  fc.string({ maxLength: 100 }),
  fc.integer({ min: 5000, max: 100_000 }).map((n) => `/${'a/'.repeat(n)}`),
);
const registrations = fc
  .record({
    uri: hostileUris,
    digest: fc.option(fc.oneof(fc.string(), fc.constant(`sha256:${'0'.repeat(64)}`))),
    caller: fc.constantFrom(
      memberOf('fuzz-viewer', ['fuzz'], 'viewer'),
      memberOf('fuzz-stranger', ['elsewhere']),
    ),
  })
  .map(({ uri, digest, caller }) =>
    graphqlPost(
      {
        query: `mutation ($input: RegisterModelVersionInput!) {
          registerModelVersion(input: $input) { __typename }
        }`,
        variables: { input: { model: modelId, format: 'ONNX', uri, digest } },
      },
      actorHeader(caller),
    ),
  );

const badTokens = fc
  .oneof(
    fc.string({ maxLength: 300 }).map((token) => `Bearer ${token}`),
    fc.string({ maxLength: 300 }),
    fc.stringMatching(/^evh_[A-Za-z0-9_-]{0,80}$/).map((token) => `Bearer ${token}`),
    big('A').map((token) => `Bearer ${token}`),
  )
  .map((authorization) => authorization.replace(/[^\t\x20-\x7e]/g, '').trim())
  // No header at all is the local operator's request, not a bad token.
  .filter((authorization) => authorization !== '')
  .chain((authorization) =>
    fc.constantFrom(
      graphqlPost(
        {
          query:
            'mutation { registerModel(input: {project: "fuzz", name: "tok", task: IMAGE_CLASSIFICATION}) { __typename } }',
        },
        { authorization },
      ),
      { method: 'POST', path: '/api/v1/lineage', headers: { ...json, authorization }, body: '{}' },
    ),
  );

const openLineageEvent = fc.record(
  {
    eventType: fc.oneof(fc.constantFrom('START', 'COMPLETE', 'FAIL', 'ABORT'), fc.string()),
    eventTime: fc.oneof(fc.string(), fc.constant('2026-13-45T99:99:99Z'), fc.integer()),
    run: fc.oneof(fc.record({ runId: fc.string() }), fc.jsonValue({ maxDepth: 2 })),
    job: fc.oneof(
      fc.record({ namespace: fc.string(), name: fc.string() }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    producer: fc.oneof(fc.webUrl(), fc.string()),
    schemaURL: fc.string(),
    inputs: fc.jsonValue({ maxDepth: 3 }),
    outputs: fc.jsonValue({ maxDepth: 3 }),
  },
  { requiredKeys: [] },
);
const badLineageEvents = fc
  .record({
    body: fc.oneof(
      openLineageEvent.map((event) => JSON.stringify(event)),
      fc.array(openLineageEvent, { maxLength: 5 }).map((events) => JSON.stringify(events)),
      fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)),
      junk,
      big('[').map((body) => body),
    ),
    contentType: fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
    ),
    project: fc.oneof(fc.constant('fuzz'), fc.string({ maxLength: 40 })),
  })
  .map(
    ({ body, contentType, project }): HostileRequest => ({
      method: 'POST',
      path: `/api/v1/lineage?project=${encodeURIComponent(project)}`,
      headers: { 'content-type': contentType },
      body,
    }),
  );

const segment = fc.oneof(
  fc.string({ maxLength: 60 }).map(encodeURIComponent),
  fc.constantFrom('..', '%2e%2e', '%ZZ', '%00', '..%2f..%2fetc%2fpasswd', '%2Fetc%2Fpasswd'),
);
const hostilePaths = fc
  .record({
    template: fc.constantFrom(
      '/api/v1/runs/$/openlineage',
      '/api/v1/lineage/$/prov',
      '/artifacts/$',
      '/api/v1/$',
      '/$/../../etc/passwd',
      '/graphql/$',
    ),
    segment,
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  })
  .map(({ template, segment, method }) => ({
    method,
    path: template.replace('$', segment),
    headers: method === 'GET' || method === 'DELETE' ? {} : json,
    body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
  }));

const families: Record<string, fc.Arbitrary<HostileRequest>> = {
  'malformed and oversized documents': malformedDocuments,
  'alias, depth, fragment and directive bombs': bombs,
  'bad variables': badVariables,
  'hostile URIs in registrations': registrations,
  'bad tokens': badTokens,
  'bad OpenLineage events': badLineageEvents,
  'hostile paths': hostilePaths,
  'everything at once': fc.oneof(
    malformedDocuments,
    bombs,
    badVariables,
    registrations,
    badTokens,
    badLineageEvents,
    hostilePaths,
  ),
};

// --- the test ---------------------------------------------------------------------------

beforeAll(async () => {
  t = await startTestHub({ config: { workers: 0 } });
  const created = await send(
    graphqlPost({
      query:
        'mutation { registerModel(input: {project: "fuzz", name: "target", task: IMAGE_CLASSIFICATION}) { ... on RegisterModelPayload { model { id } } } }',
    }),
  );
  modelId = JSON.parse(created.text).data.registerModel.model.id;
});
afterAll(async () => {
  await t?.close();
});

describe('fuzzing', () => {
  it('refuses 10,000 generated hostile requests without a 5xx, a change, or a leak', async () => {
    const before = await tableDigests();
    const rssBefore = process.memoryUsage().rss;
    let sent = 0;
    for (const [name, family] of Object.entries(families)) {
      await fc.assert(
        fc.asyncProperty(
          fc.array(family.map(described), { minLength: CONCURRENCY, maxLength: CONCURRENCY }),
          async (batch) => {
            const answers = await Promise.all(batch.map(send));
            sent += batch.length;
            for (const [i, answer] of answers.entries()) {
              if (answer.status >= 500 || !refused(answer)) {
                throw new Error(
                  `${name}: ${batch[i]![fc.toStringMethod]()} answered ${answer.status} ${answer.text.slice(0, 300)}`,
                );
              }
            }
          },
        ),
        { seed: SEED, numRuns: BATCHES, endOnFailure: true },
      );
    }
    expect(sent).toBeGreaterThanOrEqual(10_000);

    // Still up: an ordinary query answers.
    const after = await send(graphqlPost({ query: '{ projects { totalCount } }' }));
    expect(after.status).toBe(200);
    expect(JSON.parse(after.text)).toEqual({ data: { projects: { totalCount: 1 } } });

    expect(await tableDigests()).toEqual(before);
    global.gc?.();
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(MAX_RSS_GROWTH_BYTES);
    // Ten thousand requests: minutes on a loaded machine, half a minute on a quiet one.
  }, 900_000);
});
