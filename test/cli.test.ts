// The evalhub command end to end, as a user runs it against a hub: a real hub on a free port,
// the CLI as a separate process talking to it over HTTP and WebSocket.
import { execFile, spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runEvalhub } from './support/cli.ts';
import { emitRunner } from './support/emit-runner.ts';
import {
  coreutilsFileDigest,
  coreutilsFolderDigest,
  tempFolder,
  writeTree,
} from './support/files.ts';
import { gateRunner } from './support/gate-runner.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { CreateApiToken } from './support/identity-documents.ts';
import { DefineWorkflow, expectType } from './support/registry-documents.ts';

const cliPath = resolve(import.meta.dirname, '../src/cli.ts');

let t: TestHub;
let home: { path: string; remove: () => void };
let registered: { path: string; remove: () => void } | undefined;

/** Runs `evalhub ...args` as a user would, with a config folder of its own. */
function evalhub(...args: string[]): Promise<CliResult> {
  return evalhubWith({ NO_COLOR: '1' }, ...args);
}

/** `evalhub ...args` with these environment variables (beyond PATH and the config folder). */
function evalhubWith(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return runEvalhub(args, { home: home.path, env });
}

beforeAll(async () => {
  t = await startTestHub({ runners: [emitRunner, gateRunner] });
  home = tempFolder('evalhub-cli-home-');
});

afterAll(async () => {
  await t?.close();
  home?.remove();
  registered?.remove();
});

describe('evalhub', () => {
  it('logs in with a token, stores it readable by the user alone, and knows who it is', async () => {
    const created = await t.graphql(CreateApiToken, {
      input: { name: 'cli', project: 'cli', role: 'CONTRIBUTOR' },
    });
    const { secret } = expectType(created.data.createApiToken, 'CreateApiTokenPayload');
    const login = await evalhub('login', '--hub', t.hub.url, '--token', secret);
    expect(login).toMatchObject({ code: 0 });
    const path = join(home.path, 'config', 'evalhub', 'config.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ hub: t.hub.url, token: secret });
    // No --hub: the stored hub and token are used.
    const whoami = await evalhub('whoami', '--json');
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({
      hub: t.hub.url,
      kind: 'token',
      admin: false,
      roles: [{ project: 'cli', role: 'CONTRIBUTOR' }],
    });
  });

  it('refuses to log in with a token the hub does not know, storing nothing new', async () => {
    const path = join(home.path, 'config', 'evalhub', 'config.json');
    const before = readFileSync(path, 'utf8');
    const login = await evalhub('login', '--hub', t.hub.url, '--token', 'evh_not-a-token');
    expect(login.code).not.toBe(0);
    expect(login.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('registers a model and a dataset from local paths, printing the coreutils digest', async () => {
    // Kept to the end: later runs take these versions, and a run's local inputs must exist.
    registered = tempFolder();
    const files = registered;
    writeTree(files.path, {
      'model.bin': 'weights',
      'data/a.txt': 'alpha',
      'data/b.txt': 'beta',
    });
    const model = await evalhub(
      'register',
      'model',
      'cli/net@v1',
      join(files.path, 'model.bin'),
      '--task',
      'IMAGE_CLASSIFICATION',
    );
    expect(model.code).toBe(0);
    expect(model.stdout).toContain(coreutilsFileDigest(join(files.path, 'model.bin')));
    const dataset = await evalhub(
      'register',
      'dataset',
      'cli/images@v1',
      join(files.path, 'data'),
      '--format',
      'OTHER',
      '--json',
    );
    expect(dataset.code).toBe(0);
    expect(JSON.parse(dataset.stdout)).toMatchObject({
      created: true,
      version: 'v1',
      digest: coreutilsFolderDigest(join(files.path, 'data')),
    });
    const listed = await evalhub('models', 'ls', '--project', 'cli', '--json');
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        name: 'net',
        latestVersion: expect.objectContaining({ version: 'v1' }),
      }),
    ]);
    const shown = await evalhub('datasets', 'show', 'cli/images');
    expect(shown.stdout).toContain(coreutilsFolderDigest(join(files.path, 'data')));
    const found = await evalhub('search', 'net', '--type', 'model', '--json');
    expect(JSON.parse(found.stdout)).toEqual([
      expect.objectContaining({ type: 'MODEL', title: 'net' }),
    ]);
  });

  it('watches runs to their end: exit 0 passed, 1 a requirement failed, 2 the run failed', async () => {
    const passed = await evalhub(
      'run',
      'emit',
      '--project',
      'cli',
      '--input',
      'model=cli/net@v1',
      '--config',
      JSON.stringify({
        metrics: [{ key: 'accuracy', value: 0.93 }],
        findings: [{ kind: 'LABEL_NOISE', severity: 'MEDIUM', title: 'two labels disagree' }],
      }),
      '--watch',
    );
    expect(passed.stderr).toBe(`run ${passed.stderr.match(/run (\S+)/)?.[1]} in cli\n`);
    expect(passed.stdout).toContain('metric accuracy = 0.93');
    expect(passed.stdout).toContain('every requirement passed');
    expect(passed.code).toBe(0);
    const passedId = passed.stderr.match(/run (\S+)/)![1]!;
    // Its lineage, down to the model's digest.
    const traced = await evalhub('trace', passedId);
    expect(traced.code).toBe(0);
    expect(traced.stdout).toMatch(/^run emit succeeded/);
    expect(traced.stdout).toMatch(/\n {2}\S+ model cli\/net@v1 sha256:[0-9a-f]{64}\n/);
    // From a finding: up through the run that found it, to the model's digest.
    const found = await evalhub('findings', 'ls', '--kind', 'LABEL_NOISE', '--json');
    const [finding] = JSON.parse(found.stdout) as Array<{ id: string }>;
    const fromFinding = await evalhub('trace', finding!.id);
    expect(fromFinding.code).toBe(0);
    expect(fromFinding.stdout.split('\n').slice(0, 3)).toEqual([
      'finding medium: two labels disagree',
      `  generated by run emit succeeded (${passedId})`,
      expect.stringMatching(/^ {4}used model cli\/net@v1 sha256:[0-9a-f]{64}$/),
    ]);
    const listed = await evalhub('runs', 'ls', '--project', 'cli', '--json');
    expect(JSON.parse(listed.stdout)).toContainEqual(
      expect.objectContaining({ id: passedId, status: 'SUCCEEDED' }),
    );
    const prov = await evalhub('export', passedId, '--prov');
    expect(JSON.parse(prov.stdout)).toHaveProperty('entity');

    const failed = await evalhub(
      'run',
      'emit',
      '--project',
      'cli',
      '--config',
      JSON.stringify({ fail: 'out of memory' }),
      '--watch',
    );
    expect(failed.code).toBe(2);
    expect(failed.stdout).toContain('failed');

    const specFile = join(home.path, 'gate.json');
    writeFileSync(
      specFile,
      JSON.stringify({
        steps: [
          { id: 'evaluate', runner: 'emit', config: { metrics: [{ key: 'recall', value: 0.6 }] } },
        ],
        requirements: [{ metric: 'recall', op: '>=', threshold: 0.7, severity: 'HIGH' }],
      }),
    );
    const defined = await evalhub('workflows', 'define', 'cli/gate', specFile);
    expect(defined.code).toBe(0);
    expect(defined.stdout).toMatch(/^cli\/gate@1 {2}sha256:[0-9a-f]{64}\n$/);
    const gated = await evalhub('run', 'cli/gate', '--watch', '--json');
    expect(gated.code).toBe(1);
    const events = gated.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // The workflow's own events, all of them, and its step's with them.
    const own = events.filter((e) => e.step === null);
    expect(own.map((e) => e.seq)).toEqual(own.map((_e, i) => i + 1));
    expect(events).toContainEqual(
      expect.objectContaining({ __typename: 'RunFindingEvent', severity: 'HIGH' }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        __typename: 'RunMetricEvent',
        step: 'evaluate',
        metric: expect.objectContaining({ key: 'recall', value: 0.6 }),
      }),
    );
    const runId = events[0].runId as string;
    // Found again: the run by its workflow's name, its finding with the run's project.
    const hits = JSON.parse(
      (await evalhub('search', '--project', 'cli', '--type', 'run', '--json')).stdout,
    ) as Array<{ title: string; node: { id: string } }>;
    expect(hits).toContainEqual(
      expect.objectContaining({ title: 'gate run', node: expect.objectContaining({ id: runId }) }),
    );
    const table = await evalhub('search', 'recall', '--type', 'finding');
    expect(table.stdout.split('\n')[1]).toMatch(
      /^finding +Requirement failed: recall 0\.6.* cli +\S+$/,
    );

    // Without a terminal, colours allowed: one plain line per event, the step's marked with
    // its name.
    const plain = await evalhubWith({}, 'watch', runId);
    expect(plain.code).toBe(1);
    expect(plain.stdout).not.toContain('\u001b[');
    const lines = plain.stdout.trim().split('\n');
    expect(lines).toContain('[evaluate] metric recall = 0.6');
    expect(lines).toContain('step evaluate succeeded');
    expect(lines.indexOf('[evaluate] metric recall = 0.6')).toBeLessThan(
      lines.indexOf('step evaluate succeeded'),
    );
    expect(lines.at(-1)).toBe('✗ succeeded, 1 requirement(s) failed');

    const report = join(home.path, 'report.md');
    const written = await evalhub('report', runId, '--format', 'md', '-o', report);
    expect(written.code).toBe(0);
    expect(readFileSync(report, 'utf8')).toContain('Requirement failed: recall 0.6');
    const findings = await evalhub('findings', 'ls', '--kind', 'REQUIREMENT_FAILED', '--json');
    expect(JSON.parse(findings.stdout)).toContainEqual(
      expect.objectContaining({ run: expect.objectContaining({ id: runId }) }),
    );
    // A dozen CLI processes, each starting Node: on a loaded machine that is minutes.
  }, 300_000);

  it('defines a workflow from a spec file or standard input, the same spec the same version', async () => {
    const spec = {
      inputs: [{ name: 'model', kind: 'MODEL_VERSION' }],
      steps: [{ id: 'evaluate', runner: 'emit', inputs: { model: 'model' } }],
      requirements: [{ step: 'evaluate', metric: 'accuracy', op: '>=', threshold: 0.9 }],
    };
    const file = join(home.path, 'acceptance.json');
    writeFileSync(file, JSON.stringify(spec));
    const first = await evalhub(
      'workflows',
      'define',
      'cli/acceptance',
      file,
      '--description',
      'accuracy at least 0.9',
      '--tag',
      'acceptance',
      '--json',
    );
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const version = JSON.parse(first.stdout);
    expect(version).toMatchObject({
      created: true,
      workflowVersion: { number: 1, workflow: { name: 'acceptance', project: { slug: 'cli' } } },
    });
    // The same spec again, from standard input: the version that already has it.
    const again = await runEvalhub(['workflows', 'define', 'cli/acceptance', '-'], {
      home: home.path,
      stdin: JSON.stringify(spec),
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      `cli/acceptance@1  ${version.workflowVersion.digest}  (this spec was already defined)\n`,
    );
    const shown = await evalhub('workflows', 'show', 'cli/acceptance', '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({
      description: 'accuracy at least 0.9',
      tags: ['acceptance'],
    });
    // A spec the hub refuses: one line naming where, exit 2, nothing defined.
    writeFileSync(
      file,
      JSON.stringify({
        ...spec,
        requirements: [{ step: 'nope', metric: 'accuracy', op: '>=', threshold: 1 }],
      }),
    );
    const refused = await evalhub('workflows', 'define', 'cli/acceptance', file);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^evalhub: .*nope.* \(at .*spec.*\)\n$/);
    const listed = await evalhub('workflows', 'show', 'cli/acceptance', '--json');
    expect(JSON.parse(listed.stdout).versions).toHaveLength(1);
    // Not JSON: said before asking the hub.
    writeFileSync(file, '{ steps: ');
    const broken = await evalhub('workflows', 'define', 'cli/acceptance', file);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/is not JSON/);
  });

  it('shows, retries, triages and follows the impact of what it ran', async () => {
    const runs = JSON.parse((await evalhub('runs', 'ls', '--project', 'cli', '--json')).stdout);
    const passed = runs.find(
      (r: { runnerId: string; status: string }) =>
        r.runnerId === 'emit' && r.status === 'SUCCEEDED',
    );
    const shown = await evalhub('run', 'show', passed.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('succeeded');
    expect(shown.stdout).toContain('reproduce: evalhub run ');

    // Retried: a new run of the same work, watched to its verdict.
    const retried = await evalhub('run', 'retry', passed.id, '--watch');
    expect(retried).toMatchObject({ code: 0, stderr: expect.stringMatching(/^run \S+ in cli\n$/) });
    const retriedId = retried.stderr.match(/run (\S+) in cli/)![1]!;
    expect(retriedId).not.toBe(passed.id);
    const again = JSON.parse((await evalhub('run', 'show', retriedId, '--json')).stdout);
    expect(again).toMatchObject({ status: 'SUCCEEDED', runnerId: passed.runnerId });

    // The model's impact: the runs that used it.
    const impact = await evalhub('impact', 'cli/net@v1', '--json');
    expect(impact.code).toBe(0);
    expect(JSON.parse(impact.stdout).runs.map((r: { id: string }) => r.id)).toContain(retriedId);
    const impactText = await evalhub('impact', 'cli/net@v1');
    expect(impactText.stdout).toMatch(/^runs \(\d+\)$/m);

    // Triage needs a maintainer: the stored contributor token is refused, in one line.
    const failedRequirement = JSON.parse(
      (await evalhub('findings', 'ls', '--kind', 'REQUIREMENT_FAILED', '--json')).stdout,
    )[0];
    const refused = await evalhub(
      'findings',
      'triage',
      failedRequirement.id,
      '--status',
      'dismissed',
      '--comment',
      'risk accepted',
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const created = await t.graphql(CreateApiToken, {
      input: { name: 'cli-maintainer', project: 'cli', role: 'MAINTAINER' },
    });
    const { secret } = expectType(created.data.createApiToken, 'CreateApiTokenPayload');
    const asMaintainer = (...args: string[]) =>
      evalhubWith({ NO_COLOR: '1', EVALHUB_TOKEN: secret }, ...args);
    const blank = await asMaintainer(
      'findings',
      'triage',
      failedRequirement.id,
      '--status',
      'dismissed',
      '--comment',
      ' ',
    );
    expect(blank.code).toBe(2);
    const triaged = await asMaintainer(
      'findings',
      'triage',
      failedRequirement.id,
      '--status',
      'dismissed',
      '--comment',
      'risk accepted',
    );
    expect(triaged).toMatchObject({ code: 0 });
    expect(triaged.stdout).toBe(`${failedRequirement.id} dismissed: ${failedRequirement.title}\n`);
    const listed = await evalhub('findings', 'ls', '--kind', 'REQUIREMENT_FAILED');
    expect(listed.stdout).toMatch(new RegExp(`${failedRequirement.id}\\s+dismissed`));
  }, 300_000);

  it('completes commands and options in bash', async () => {
    const script = await evalhub('completion', 'bash');
    expect(script.code).toBe(0);
    const complete = (words: string[]) =>
      new Promise<string>((done, fail) => {
        const line = `eval "$(cat)"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _evalhub; echo "\${COMPREPLY[*]}"`;
        const shell = execFile('bash', ['-c', line], (error, stdout) =>
          error ? fail(error) : done(stdout.trim()),
        );
        shell.stdin!.end(script.stdout);
      });
    expect(await complete(['evalhub', 'fin'])).toBe('findings');
    expect((await complete(['evalhub', 'run', ''])).split(' ')).toEqual(
      expect.arrayContaining(['show', 'cancel', 'retry', '--watch', '--input']),
    );
    expect(await complete(['evalhub', 'findings', 'triage', 'F1', '--st'])).toBe('--status');
    const zsh = await evalhub('completion', 'zsh');
    expect(zsh.stdout).toContain("'evalhub findings triage' '--hub --status --comment");
    const fish = await evalhub('completion', 'fish');
    expect(fish).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'evalhub: the shell is bash or zsh\n',
    });
  });

  it('shows a bar per step on a terminal, and Ctrl-C asks whether to cancel the run', async () => {
    const gate = join(home.path, 'never-opened');
    const defined = await t.graphql(DefineWorkflow, {
      input: {
        project: 'cli',
        name: 'held',
        spec: { steps: [{ id: 'wait', runner: 'gate', config: { metrics: 2, gate } }] },
      },
    });
    expectType(defined.data.defineWorkflow, 'DefineWorkflowPayload');
    // `script` gives the command a terminal; what the test writes is typed at it.
    const command = [process.execPath, cliPath, 'run', 'cli/held', '--watch'];
    // exec: the shell `script` starts must not take the Ctrl-C itself.
    const terminal = spawn('script', ['-qfec', `exec ${command.join(' ')}`, '/dev/null'], {
      // The login's hub and token (a hub on PostgreSQL requires one).
      env: { PATH: process.env.PATH, HOME: home.path, XDG_CONFIG_HOME: join(home.path, 'config') },
    });
    let screen = '';
    const shown = (text: string) =>
      new Promise<void>((done) => {
        const check = () => {
          if (!screen.includes(text)) return;
          terminal.stdout.off('data', check);
          done();
        };
        terminal.stdout.on('data', check);
        check();
      });
    terminal.stdout.on('data', (chunk) => {
      screen += String(chunk);
    });
    const exited = new Promise<number>((done) => terminal.on('exit', (code) => done(code ?? -1)));
    await shown('[wait] metric before-gate = 2');
    // The step's own bar, nested under the run's, once the display redraws.
    await shown('% wait running');
    expect(screen).toMatch(/ {2}\S+ \d+% wait running/);
    terminal.stdin.write('\x03');
    await shown('? [y/N]');
    terminal.stdin.write('y\n');
    expect(await exited).toBe(2);
    expect(screen).toContain('✗ cancelled');
    const runId = screen.match(/run (\S+) in cli/)![1]!;
    const shownRun = await evalhub('run', 'show', runId, '--json');
    expect(JSON.parse(shownRun.stdout)).toMatchObject({ status: 'CANCELLED' });
  });

  it('says what went wrong in one line, without a stack trace', async () => {
    const result = await evalhub('models', 'ls', '--hub', 'http://127.0.0.1:1');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^evalhub: cannot reach the hub at http:\/\/127\.0\.0\.1:1/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
