// The command runner with real programs: the documented Python example, cancellation of a
// whole process group, and programs that misbehave.
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { graphql } from './gql/index.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import {
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
  SetProjectSettings,
} from './support/registry-documents.ts';
import { CancelRun, StartRun, waitForStatus } from './support/run-documents.ts';

let t: TestHub;
const files = tempFolder();
let datasetVersion: string;

/** The Python example of docs/runner-protocol.md, exactly as the page shows it. */
function documentedExample(): string {
  const page = readFileSync(join(import.meta.dirname, '..', 'docs', 'runner-protocol.md'), 'utf8');
  const code = /```python\n([\s\S]*?)```/.exec(page)![1]!;
  return `${writeTree(files.path, { 'class_balance.py': code })}/class_balance.py`;
}

/** A program for one test, in Python (any language would do). */
function program(name: string, source: string): string {
  return `${writeTree(files.path, { [name]: source })}/${name}`;
}

beforeAll(async () => {
  t = await startTestHub({
    config: {
      cancelGraceMs: 2000,
      hostConfig: {
        ...loadConfig({}).hostConfig,
        dataRoots: [tmpdir()],
        commandAllow: [
          { path: '/usr/bin/python3', sha256: null },
          { path: '/usr/bin/sleep', sha256: null },
        ],
      },
    },
  });
  writeTree(files.path, {
    'pets/cat/1.png': 'a',
    'pets/cat/2.png': 'b',
    'pets/cat/3.png': 'c',
    'pets/cat/4.png': 'd',
    'pets/dog/1.png': 'e',
  });
  await t.graphql(RegisterDataset, {
    input: { project: 'cmd', name: 'pets', task: 'IMAGE_CLASSIFICATION' },
  });
  await t.graphql(SetProjectSettings, { input: { project: 'cmd', commandRunnerEnabled: true } });
  const { data } = await t.graphql(RegisterDatasetVersion, {
    input: {
      dataset: 'cmd/pets',
      version: 'v1',
      uri: `${files.path}/pets`,
      format: 'IMAGE_FOLDER',
    },
  });
  datasetVersion = expectType(data.registerDatasetVersion, 'RegisterDatasetVersionPayload')
    .datasetVersion.id;
});

afterAll(async () => {
  await t.close();
  files.remove();
});

async function runCommand(
  config: Record<string, unknown>,
  inputs: Array<Record<string, unknown>> = [],
) {
  const { data } = await t.graphql(StartRun, {
    input: { project: 'cmd', runner: 'command', config, inputs: inputs as never, seed: 11 },
  });
  return expectType(data.startRun, 'StartRunPayload').run.id;
}

describe('the documented Python example', () => {
  it('runs through the hub and records its metrics, finding and artifact', async () => {
    const id = await runCommand(
      { argv: ['python3', documentedExample()], params: { maxImbalance: 3 } },
      [{ role: 'dataset', version: datasetVersion }],
    );
    const run = await waitForStatus(t, id, ['SUCCEEDED', 'FAILED']);
    expect(run.error).toBeNull();
    expect(run.status).toBe('SUCCEEDED');
    expect(
      run.metrics.filter((m) => m.key === 'class_count').map((m) => [m.slice, m.value]),
    ).toEqual([
      [{ class: 'cat' }, 4],
      [{ class: 'dog' }, 1],
    ]);
    expect(run.findings).toEqual([
      expect.objectContaining({
        kind: 'CLASS_IMBALANCE',
        severity: 'MEDIUM',
        title: 'largest class is 4.0x the smallest',
        subject: { __typename: 'DatasetVersion', id: datasetVersion },
      }),
    ]);
    const [artifact] = run.artifacts;
    expect(artifact).toMatchObject({ name: 'class_counts.json', mediaType: 'application/json' });
    // An absolute URL, on the hub's own address when no public one is configured.
    expect(artifact!.url).toMatch(new RegExp(`^${t.hub.url}/artifacts/[0-9a-f-]{36}$`));
    const download = await fetch(artifact!.url);
    expect(download.headers.get('content-type')).toBe('application/json');
    expect(await download.json()).toEqual({
      counts: { cat: 4, dog: 1 },
      dataset: expect.stringMatching(/^sha256:/),
    });
    // stderr became log events, including the seed the program was given.
    const logs = await stderrLogs(id);
    expect(logs).toContain("stderr: sampled classes ['cat', 'dog'] with seed 11");
  });
});

describe('cancelling', () => {
  it('stops the whole process group and ends CANCELLED', async () => {
    const pids = join(files.path, 'pids.txt');
    const id = await runCommand({
      argv: [
        'python3',
        program(
          'spawner.py',
          `import json, subprocess, sys, time
child = subprocess.Popen(["sleep", "300"])
open(${JSON.stringify(pids)}, "w").write(json.dumps([child.pid]))
print(json.dumps({"type": "progress", "message": "started"}), flush=True)
time.sleep(300)
`,
        ),
      ],
    });
    await waitForStatus(t, id, ['RUNNING']);
    for (let i = 0; i < 100 && !existsSync(pids); i += 1)
      await new Promise((r) => setTimeout(r, 50));
    const [childPid] = JSON.parse(readFileSync(pids, 'utf8')) as number[];
    expect(alive(childPid!)).toBe(true);
    expectType((await t.graphql(CancelRun, { id })).data.cancelRun, 'RunPayload');
    const run = await waitForStatus(t, id, ['CANCELLED', 'FAILED', 'SUCCEEDED'], 15_000);
    expect(run.status).toBe('CANCELLED');
    await expect.poll(() => alive(childPid!), { timeout: 3000 }).toBe(false);
  });

  it('kills a program that ignores SIGTERM after the grace period', async () => {
    const id = await runCommand({
      killGraceSeconds: 1,
      argv: [
        'python3',
        program(
          'stubborn.py',
          `import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print('{"type": "log", "message": "ignoring SIGTERM"}', flush=True)
time.sleep(300)
`,
        ),
      ],
    });
    await waitForStatus(t, id, ['RUNNING']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancelledAt = Date.now();
    await t.graphql(CancelRun, { id });
    const run = await waitForStatus(t, id, ['CANCELLED', 'FAILED'], 15_000);
    expect(run.status).toBe('CANCELLED');
    expect(Date.now() - cancelledAt).toBeLessThan(8000);
  });
});

describe('programs that misbehave', () => {
  it.each([
    ['prints garbage', 'print("hello, not JSON", flush=True)', 'stdout line 1 is not JSON'],
    [
      'prints an event of an unknown type',
      'print(\'{"type": "metric", "key": "x"}\', flush=True)',
      'stdout line 1 is not an evalhub event (value:',
    ],
    [
      'prints a 10 MB line',
      'import sys\nsys.stdout.write("x" * (10 * 1024 * 1024) + "\\n")\nsys.stdout.flush()',
      'a stdout line is longer than 1048576 bytes',
    ],
    [
      'exits with an error',
      'import sys\nprint("something broke", file=sys.stderr)\nsys.exit(3)',
      'exited with code 3; stderr ends: something broke',
    ],
  ])('%s: the run fails cleanly with a clear error', async (name, source, message) => {
    const argv = ['python3', program(`${name.replaceAll(' ', '-')}.py`, source)];
    const id = await runCommand({ argv });
    const run = await waitForStatus(t, id, ['FAILED', 'SUCCEEDED'], 20_000);
    expect(run.status).toBe('FAILED');
    expect(run.error?.code).toBe('RUNNER_ERROR');
    expect(run.error?.message).toContain(message);
  });

  it('times out', async () => {
    const id = await runCommand({ argv: ['sleep', '30'], timeoutSeconds: 0.5 });
    const run = await waitForStatus(t, id, ['FAILED', 'SUCCEEDED'], 15_000);
    expect(run.error?.message).toBe('sleep: timed out after 0.5 s');
  });

  it('leaves the hub working: the next run succeeds', async () => {
    const id = await runCommand({
      argv: ['python3', '-c', 'print(\'{"type": "metric", "key": "ok", "value": 1}\')'],
    });
    const run = await waitForStatus(t, id, ['SUCCEEDED', 'FAILED']);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.metrics).toEqual([expect.objectContaining({ key: 'ok', value: 1 })]);
  });
});

const RunLogs = graphql(`
  query RunLogs($id: ID!) {
    node(id: $id) { ... on Run { events(first: 1000) { edges { node { ... on RunLogEvent { message } } } } } }
  }
`);

async function stderrLogs(id: string): Promise<string[]> {
  const { data } = await t.graphql(RunLogs, { id });
  const events = data.node && 'events' in data.node ? data.node.events.edges : [];
  return events.flatMap((edge) =>
    'message' in edge.node && edge.node.message != null ? [edge.node.message] : [],
  );
}

/** Whether a process runs (a zombie waiting to be reaped does not). */
function alive(pid: number): boolean {
  try {
    const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}
