// Triage: a maintainer sets a finding's status with a comment; the audit log keeps both;
// anyone else, or a blank comment, changes nothing.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows } from '../src/db/rows.ts';
import { graphql } from './gql/index.ts';
import { emitRunner } from './support/emit-runner.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { StartRun, waitForStatus } from './support/run-documents.ts';

const TriageFinding = graphql(`
  mutation TriageFinding($input: TriageFindingInput!) {
    triageFinding(input: $input) {
      __typename
      ... on TriageFindingPayload { finding { id status } }
      ... on Error { message }
      ... on ValidationError { path }
    }
  }
`);

let t: TestHub;
let findingId: string;

const triageRows = () =>
  selectRows<{ actor: string; details: { status: string; comment: string } }>(
    t.database.db,
    sql`select actor, details from audit_log where action = 'finding.triage' order by id`,
  );

beforeAll(async () => {
  t = await startTestHub({ runners: [emitRunner] });
  const started = await t.graphql(StartRun, {
    input: {
      project: 'triage',
      runner: 'emit',
      config: { findings: [{ kind: 'DRIFT', severity: 'HIGH', title: 'drift in colour' }] },
    },
  });
  if (started.data.startRun.__typename !== 'StartRunPayload') throw new Error('not started');
  const run = await waitForStatus(t, started.data.startRun.run.id, ['SUCCEEDED']);
  findingId = run.findings[0]!.id;
});

afterAll(async () => {
  await t.close();
});

describe('triageFinding', () => {
  it('sets the status and records the comment in the audit log', async () => {
    const { data } = await t.graphql(TriageFinding, {
      input: { finding: findingId, status: 'DISMISSED', comment: 'accepted risk: lab lighting' },
    });
    expect(data.triageFinding).toEqual({
      __typename: 'TriageFindingPayload',
      finding: { id: findingId, status: 'DISMISSED' },
    });
    expect(await triageRows()).toEqual([
      {
        actor: 'local:tester',
        details: { status: 'DISMISSED', comment: 'accepted risk: lab lighting' },
      },
    ]);
  });

  it('refuses a blank comment and changes nothing', async () => {
    const { data } = await t.graphql(TriageFinding, {
      input: { finding: findingId, status: 'OPEN', comment: '   ' },
    });
    expect(data.triageFinding).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'comment'],
    });
    expect(await triageRows()).toHaveLength(1);
  });

  it('takes the maintainer role, and hides the finding from outsiders', async () => {
    const contributor = await t.graphql(
      TriageFinding,
      { input: { finding: findingId, status: 'OPEN', comment: 'reopen' } },
      { as: memberOf('c', ['triage'], 'contributor') },
    );
    expect(contributor.data.triageFinding.__typename).toBe('ForbiddenError');
    const outsider = await t.graphql(
      TriageFinding,
      { input: { finding: findingId, status: 'OPEN', comment: 'reopen' } },
      { as: memberOf('o', ['elsewhere']) },
    );
    expect(outsider.data.triageFinding.__typename).toBe('NotFoundError');
    expect(await triageRows()).toHaveLength(1);
  });
});
