// An external run whose client stops appending (a notebook kernel that died) does not stay
// RUNNING forever: the workers' reaper fails it once EVALHUB_EXTERNAL_RUN_TIMEOUT_SECONDS
// pass without an append, saying why.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { expectType } from './support/registry-documents.ts';
import { waitForStatus } from './support/run-documents.ts';

const OpenRun = graphql(`
  mutation OpenQuietRun($input: OpenExternalRunInput!) {
    openExternalRun(input: $input) {
      __typename
      ... on RunPayload { run { id status } }
      ... on Error { message }
    }
  }
`);

let t: TestHub;

beforeAll(async () => {
  // The reaper looks every leaseMs / 2.
  t = await startTestHub({ config: { externalRunTimeoutMs: 300, leaseMs: 600 } });
});

afterAll(async () => {
  await t?.close();
});

const open = async () => {
  const { data } = await t.graphql(OpenRun, {
    input: { project: 'nb', runner: 'notebook', runnerVersion: '1' },
  });
  return expectType(data.openExternalRun, 'RunPayload').run;
};

it('fails an external run nobody appends to, saying so', async () => {
  const quiet = await open();
  const failed = await waitForStatus(t, quiet.id, ['FAILED', 'SUCCEEDED', 'CANCELLED']);
  expect(failed.status).toBe('FAILED');
  expect(failed.error?.code).toBe('EXTERNAL_RUN_ABANDONED');
  expect(failed.error?.message).toContain('no events were appended for 0.3 s');
});
