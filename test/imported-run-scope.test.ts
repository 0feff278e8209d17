// An imported run's id (OpenLineage runId, checkmaite run_uid) names a run within its project:
// two projects, each with a token of its own, whose pipelines use the same id get a run each,
// and neither can take the other's id, write into its run, read it, or learn that it exists.

import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows } from '../src/db/rows.ts';
import { localOperator } from '../src/resolvers/core/actor.ts';
import { createApiToken } from '../src/resolvers/identity/tokens.ts';
import { RunnerRegistry } from '../src/runners/registry.ts';
import { graphql } from './gql/index.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { expectType } from './support/registry-documents.ts';
import { bearer } from './support/tokens.ts';

const ScopedRun = graphql(`
  query ScopedRun($id: ID!) {
    node(id: $id) {
      ... on Run { id name status externalId project { slug } parent { id name project { slug } } }
    }
  }
`);

const ScopedRuns = graphql(`
  query ScopedRuns {
    runs(first: 50) { edges { node { id name externalId project { slug } } } }
  }
`);

const ImportScopedCheckmaiteRun = graphql(`
  mutation ImportScopedCheckmaiteRun($input: ImportCheckmaiteRunInput!) {
    importCheckmaiteRun(input: $input) {
      __typename
      ... on ImportCheckmaiteRunPayload { created run { id externalId project { slug } } }
      ... on Error { message }
    }
  }
`);

const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.23.0/client/python';
const SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
/** The runId both projects' pipelines use. */
const SHARED_RUN_ID = '0191e0c0-5c0e-7000-8000-00000000a11b';
/** A run of alpha that beta's event names as its parent. */
const PARENT_RUN_ID = '0191e0c0-5c0e-7000-8000-00000000beef';

let t: TestHub;
let alpha: string;
let beta: string;

beforeAll(async () => {
  t = await startTestHub({ config: { auth: { mode: 'required', oidc: null } } });
  const ctx = { db: t.database.db, actor: localOperator('ops'), runners: new RunnerRegistry([]) };
  const token = async (project: string) =>
    (await createApiToken(ctx, { name: `${project}-pipeline`, project, role: 'contributor' }))
      .secret;
  alpha = await token('alpha');
  beta = await token('beta');
});

afterAll(async () => {
  await t.close();
});

function runEvent(
  namespace: string,
  job: string,
  eventType: string,
  runId: string,
  extra: Record<string, unknown> = {},
) {
  return {
    eventType,
    eventTime: eventType === 'START' ? '2026-12-01T10:00:00Z' : '2026-12-01T10:05:00Z',
    producer: PRODUCER,
    schemaURL: SCHEMA_URL,
    run: { runId, facets: {} },
    job: { namespace, name: job },
    inputs: [],
    outputs: [],
    ...extra,
  };
}

async function post(body: unknown, token: string) {
  const response = await fetch(`${t.hub.url}/api/v1/lineage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

async function exported(id: string, token: string) {
  const response = await fetch(`${t.hub.url}/api/v1/runs/${encodeURIComponent(id)}/openlineage`, {
    headers: bearer(token),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

const runOf = async (id: string, token: string) =>
  (await t.graphql(ScopedRun, { id }, { token })).data.node as {
    id: string;
    name: string;
    status: string;
    externalId: string;
    project: { slug: string };
    parent: { id: string; name: string; project: { slug: string } } | null;
  } | null;

describe('OpenLineage runIds', () => {
  let alphaRun: string;
  let betaRun: string;

  it('makes a run in each project for the same runId, both accepted', async () => {
    const first = await post(
      [
        runEvent('alpha', 'alpha-nightly-training', 'START', SHARED_RUN_ID),
        runEvent('alpha', 'alpha-nightly-training', 'COMPLETE', SHARED_RUN_ID, {
          outputs: [{ namespace: 'alpha', name: 'alpha-confidential-weights' }],
        }),
      ],
      alpha,
    );
    expect(first.status, first.text).toBe(201);
    alphaRun = (JSON.parse(first.text) as { runs: { id: string }[] }).runs[0]!.id;

    const second = await post(runEvent('beta', 'beta-eval', 'START', SHARED_RUN_ID), beta);
    expect(second.status, second.text).toBe(201);
    const answer = JSON.parse(second.text) as {
      runs: { id: string; runId: string; status: string }[];
    };
    betaRun = answer.runs[0]!.id;
    expect(answer.runs).toEqual([{ runId: SHARED_RUN_ID, id: betaRun, status: 'RUNNING' }]);
    // The answer to beta says nothing of alpha's run: not its id, job, outputs, nor status.
    expect(betaRun).not.toBe(alphaRun);
    for (const secret of [alphaRun, 'alpha', 'SUCCEEDED'])
      expect(second.text).not.toContain(secret);

    const rows = await selectRows<{ slug: string; name: string; status: string }>(
      t.database.db,
      sql`select p.slug, r.name, r.status from runs r join projects p on p.id = r.project_id
          where r.source = 'openlineage' and r.external_id = ${SHARED_RUN_ID} order by p.slug`,
    );
    expect(rows).toEqual([
      { slug: 'alpha', name: 'alpha-nightly-training', status: 'SUCCEEDED' },
      { slug: 'beta', name: 'beta-eval', status: 'RUNNING' },
    ]);
  });

  it("keeps each project's later events on its own run", async () => {
    const failed = await post(runEvent('beta', 'beta-eval', 'FAIL', SHARED_RUN_ID), beta);
    expect(failed.status, failed.text).toBe(201);
    expect(await runOf(betaRun, beta)).toMatchObject({
      status: 'FAILED',
      externalId: SHARED_RUN_ID,
      project: { slug: 'beta' },
    });
    // Alpha's run is as alpha's events left it.
    expect(await runOf(alphaRun, alpha)).toMatchObject({
      name: 'alpha-nightly-training',
      status: 'SUCCEEDED',
      project: { slug: 'alpha' },
    });
  });

  it("shows beta its own run only: alpha's is absent by id and from every listing", async () => {
    expect(await runOf(alphaRun, beta)).toBeNull();
    const { data } = await t.graphql(ScopedRuns, {}, { token: beta });
    const listed = data.runs.edges.map((edge) => edge.node);
    expect(listed).toEqual([
      { id: betaRun, name: 'beta-eval', externalId: SHARED_RUN_ID, project: { slug: 'beta' } },
    ]);
  });

  it("exports to each project its own run's events, and alpha's run to beta as nothing", async () => {
    const mine = await exported(betaRun, beta);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject([
      { eventType: 'START', job: { namespace: 'beta' } },
      { eventType: 'FAIL', job: { namespace: 'beta' } },
    ]);
    expect(mine.body).toHaveLength(2);
    expect(JSON.stringify(mine.body)).not.toContain('alpha');

    const theirs = await exported(alphaRun, alpha);
    expect(theirs.body).toMatchObject([
      { eventType: 'START', job: { namespace: 'alpha' } },
      { eventType: 'COMPLETE', job: { namespace: 'alpha' } },
    ]);
    expect(theirs.body).toHaveLength(2);

    // Alpha's run, by its hub id or by the OpenLineage runId, is not there for beta.
    for (const id of [alphaRun, SHARED_RUN_ID]) {
      const refused = await exported(id, beta);
      expect(refused.status, id).toBe(404);
      expect(JSON.stringify(refused.body)).not.toContain('alpha-nightly-training');
    }
  });

  it("makes a parent runId another project uses a placeholder in the child's project", async () => {
    const parent = await post(runEvent('alpha', 'alpha-pipeline', 'START', PARENT_RUN_ID), alpha);
    expect(parent.status, parent.text).toBe(201);
    const alphaParent = (JSON.parse(parent.text) as { runs: { id: string }[] }).runs[0]!.id;

    const childRunId = '0191e0c0-5c0e-7000-8000-0000000c41d0';
    const child = runEvent('beta', 'beta-step', 'START', childRunId);
    child.run.facets = {
      parent: {
        _producer: PRODUCER,
        _schemaURL:
          'https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet',
        run: { runId: PARENT_RUN_ID },
        job: { namespace: 'beta', name: 'beta-pipeline' },
      },
    };
    const answer = await post(child, beta);
    expect(answer.status, answer.text).toBe(201);
    expect(answer.text).not.toContain(alphaParent);
    const childId = (JSON.parse(answer.text) as { runs: { id: string }[] }).runs[0]!.id;
    const seen = await runOf(childId, beta);
    expect(seen!.parent).toMatchObject({ name: 'beta-pipeline', project: { slug: 'beta' } });
    expect(seen!.parent!.id).not.toBe(alphaParent);
    // Alpha's run has no child of beta's.
    const children = await selectRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from runs r join runs p on p.id = r.parent_run_id
          join projects pp on pp.id = p.project_id where pp.slug = 'alpha'`,
    );
    expect(children).toEqual([{ n: 0 }]);
  });
});

describe('checkmaite run_uids', () => {
  const record = JSON.parse(
    readFileSync(new URL('./fixtures/checkmaite/maite-evaluation.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  const RUN_UID = 'a13287ef6398bc4f44949a10eb0ea228c8838753b289d4160f14bec942a3ad85';

  const importInto = async (project: string, token: string) => {
    const { data, errors } = await t.graphql(
      ImportScopedCheckmaiteRun,
      { input: { project, record: { ...record, run_uid: RUN_UID } } },
      { token },
    );
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    return data.importCheckmaiteRun;
  };

  it("imports the same record into two projects as a run of each, neither told of the other's", async () => {
    const first = expectType(await importInto('alpha', alpha), 'ImportCheckmaiteRunPayload');
    expect(first).toMatchObject({ created: true, run: { project: { slug: 'alpha' } } });
    const answer = await importInto('beta', beta);
    const second = expectType(answer, 'ImportCheckmaiteRunPayload');
    expect(second).toMatchObject({
      created: true,
      run: { externalId: RUN_UID, project: { slug: 'beta' } },
    });
    expect(second.run.id).not.toBe(first.run.id);
    expect(JSON.stringify(answer)).not.toContain(first.run.id);

    // Again into beta: beta's run, as it was.
    const again = expectType(await importInto('beta', beta), 'ImportCheckmaiteRunPayload');
    expect(again).toMatchObject({ created: false, run: { id: second.run.id } });
    expect(await runOf(first.run.id, beta)).toBeNull();
  });
});
