// The absolute URLs the hub gives are on its public address when one is configured
// (EVALHUB_PUBLIC_URL): a hub behind a proxy gives URLs its users can reach.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { emitRunner } from './support/emit-runner.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { expectType } from './support/registry-documents.ts';
import { StartRun, waitForStatus } from './support/run-documents.ts';

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub({
    config: { publicUrl: 'https://evalhub.example.org/team' },
    runners: [emitRunner],
  });
});

afterAll(() => t?.close());

it("gives artifact URLs on the hub's public address", async () => {
  const { data } = await t.graphql(StartRun, {
    input: {
      project: 'public',
      runner: 'emit',
      config: { artifacts: [{ name: 'scores.json', json: { accuracy: 0.9 } }] },
    },
  });
  const started = expectType(data.startRun, 'StartRunPayload');
  const run = await waitForStatus(t, started.run.id, ['SUCCEEDED']);
  expect(run.artifacts[0]!.url).toMatch(
    /^https:\/\/evalhub\.example\.org\/team\/artifacts\/[0-9a-f-]{36}$/,
  );
  // The same path on the hub itself serves it.
  const path = new URL(run.artifacts[0]!.url).pathname.replace(/^\/team/, '');
  expect(await (await fetch(`${t.hub.url}${path}`)).json()).toEqual({ accuracy: 0.9 });
});

it('takes only an http(s) URL with no query as the public address', () => {
  expect(loadConfig({ EVALHUB_PUBLIC_URL: 'https://hub.example.org/' }).publicUrl).toBe(
    'https://hub.example.org',
  );
  expect(loadConfig({}).publicUrl).toBeNull();
  for (const wrong of ['hub.example.org', 'ftp://hub.example.org', 'https://hub.example.org/?a=1'])
    expect(() => loadConfig({ EVALHUB_PUBLIC_URL: wrong })).toThrow(/EVALHUB_PUBLIC_URL/);
});
