// The hub cannot be turned against its host: local paths only inside the operator's roots,
// never blocking on special files; the command runner off by default, only allowlisted
// programs, a bare environment, artifacts only from the run's own folder.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { digestMeasured, measureContent } from '../src/resolvers/content/digest.ts';
import { resolveContent } from '../src/resolvers/content/resolve.ts';
import { localOperator } from '../src/resolvers/core/actor.ts';
import type { LocalContentPolicy } from '../src/resolvers/core/context.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { type HubProcess, startHubProcess } from './support/process.ts';
import {
  RegisterDataset,
  RegisterDatasetVersion,
  SetProjectSettings,
} from './support/registry-documents.ts';
import { StartRun, waitForStatus } from './support/run-documents.ts';

const files = tempFolder();
let t: TestHub;
let off: TestHub;

const policy = (roots: string[]): LocalContentPolicy => ({
  roots,
  maxBytes: 1024 * 1024,
  maxFiles: 100,
});
const resolveAs = (roots: string[], uri: string) =>
  resolveContent(
    { actor: localOperator('ops'), policy: policy(roots) },
    uri,
    null,
    ['input'],
    'either',
    'OTHER',
  );

beforeAll(async () => {
  writeTree(files.path, { 'data/rows.csv': 'label\na\n', 'big/a': 'x'.repeat(2048) });
  symlinkSync('/etc/passwd', `${files.path}/data/passwd`);
  t = await startTestHub({
    config: {
      hostConfig: {
        ...loadConfig({}).hostConfig,
        dataRoots: null,
        commandAllow: [{ path: '/usr/bin/python3', sha256: null }],
      },
    },
  });
  off = await startTestHub();
  await t.graphql(RegisterDataset, { input: { project: 'host', name: 'rows', task: 'OTHER' } });
  await t.graphql(RegisterDataset, { input: { project: 'closed', name: 'rows', task: 'OTHER' } });
  await t.graphql(SetProjectSettings, { input: { project: 'host', commandRunnerEnabled: true } });
});

afterAll(async () => {
  await t.close();
  await off.close();
  files.remove();
});

describe('local paths', () => {
  it('refuses /etc/passwd to a remote caller, saying only that it is outside the roots', async () => {
    const { data } = await t.graphql(
      RegisterDatasetVersion,
      { input: { dataset: 'host/rows', uri: '/etc/passwd', format: 'CSV' } },
      { as: memberOf('token:remote', ['host'], 'contributor') },
    );
    expect(data.registerDatasetVersion).toMatchObject({
      __typename: 'ValidationError',
      message: 'the path is outside the allowed roots',
    });
  });

  it('says the same of a path that does not exist', async () => {
    await expect(resolveAs([files.path], '/etc/no-such-file')).rejects.toThrow(
      'the path is outside the allowed roots',
    );
    await expect(resolveAs([files.path], '/etc/passwd')).rejects.toThrow(
      'the path is outside the allowed roots',
    );
  });

  it('refuses /proc/kmsg without hanging, even when / is a root', async () => {
    await expect(resolveAs(['/'], '/proc/kmsg')).rejects.toThrow('outside the allowed roots');
    await expect(resolveAs(['/'], '/dev/zero')).rejects.toThrow('outside the allowed roots');
  });

  it('refuses a symlink out of the roots', async () => {
    await expect(resolveAs([`${files.path}/data`], `${files.path}/data/passwd`)).rejects.toThrow(
      'outside the allowed roots',
    );
  });

  it('refuses a file whose folder was swapped for a symlink out of the roots after the check', async () => {
    writeTree(files.path, { 'swap/inner/a.txt': 'abc', 'elsewhere/a.txt': 'xyz' });
    const measured = await measureContent(`${files.path}/swap`);
    // Between the check and the read, someone who can write inside the root swaps a folder.
    renameSync(`${files.path}/swap/inner`, `${files.path}/swap/was-inner`);
    symlinkSync(`${files.path}/elsewhere`, `${files.path}/swap/inner`);
    await expect(digestMeasured(`${files.path}/swap`, measured)).rejects.toThrow(
      /inner\/a.txt was moved outside .*swap while it was read/,
    );
  });

  it('refuses content over the size limit', async () => {
    await expect(
      resolveContent(
        { actor: localOperator('ops'), policy: { ...policy([files.path]), maxBytes: 1000 } },
        `${files.path}/big`,
        null,
        ['input'],
        'either',
        'OTHER',
      ),
    ).rejects.toThrow('larger than 1000 bytes');
  });

  it('reads a file inside the roots', async () => {
    const content = await resolveAs([files.path], `${files.path}/data/rows.csv`);
    expect('digest' in content && content.digest).toMatch(/^sha256:/);
  });
});

describe("a project's own data roots", () => {
  it("lets a project read below its own roots and those of every project, not below another's", async () => {
    expect(
      loadConfig({ EVALHUB_DATA_ROOTS: '/srv/shared:alpha=/srv/a:alpha=/srv/a2:bravo=/srv/b' })
        .hostConfig,
    ).toMatchObject({
      dataRoots: ['/srv/shared'],
      projectDataRoots: { alpha: ['/srv/a', '/srv/a2'], bravo: ['/srv/b'] },
    });
    expect(() => loadConfig({ EVALHUB_DATA_ROOTS: 'alpha=relative' })).toThrow(
      /EVALHUB_DATA_ROOTS lists absolute paths .* or project=\/path/,
    );
    const roots = tempFolder();
    writeTree(roots.path, {
      'a/rows.csv': 'label\nalpha\n',
      'b/rows.csv': 'label\nbravo\n',
      'shared/rows.csv': 'label\nshared\n',
    });
    const hub = await startTestHub({
      config: {
        hostConfig: {
          ...loadConfig({}).hostConfig,
          dataRoots: [`${roots.path}/shared`],
          projectDataRoots: { alpha: [`${roots.path}/a`], bravo: [`${roots.path}/b`] },
        },
      },
    });
    try {
      for (const project of ['alpha', 'bravo'])
        await hub.graphql(RegisterDataset, { input: { project, name: 'rows', task: 'OTHER' } });
      const register = async (project: string, file: string) => {
        const { data } = await hub.graphql(
          RegisterDatasetVersion,
          {
            input: {
              dataset: `${project}/rows`,
              uri: `${roots.path}/${file}`,
              format: 'CSV',
              version: file.replace(/\W/g, '-'),
            },
          },
          { as: memberOf(`token:${project}`, [project], 'contributor') },
        );
        return data.registerDatasetVersion as { __typename: string; message?: string };
      };
      // alpha's contributor cannot read where bravo keeps its data, and learns nothing of it.
      expect(await register('alpha', 'b/rows.csv')).toEqual(
        expect.objectContaining({
          __typename: 'ValidationError',
          message: 'the path is outside the allowed roots',
        }),
      );
      expect(await register('alpha', 'b/nothing-there.csv')).toEqual(
        expect.objectContaining({ message: 'the path is outside the allowed roots' }),
      );
      expect((await register('alpha', 'a/rows.csv')).__typename).toBe(
        'RegisterDatasetVersionPayload',
      );
      expect((await register('bravo', 'b/rows.csv')).__typename).toBe(
        'RegisterDatasetVersionPayload',
      );
      expect((await register('alpha', 'shared/rows.csv')).__typename).toBe(
        'RegisterDatasetVersionPayload',
      );
    } finally {
      await hub.close();
      roots.remove();
    }
  });
});

describe("the hub's own folders", () => {
  it("are not read by path even inside a root: another project's upload, a run's folder", async () => {
    const root = tempFolder();
    const hub = await startTestHub({
      config: {
        storeDir: join(root.path, 'store'),
        workDir: join(root.path, 'work'),
        hostConfig: { ...loadConfig({}).hostConfig, dataRoots: [root.path] },
      },
    });
    try {
      const bytes = Buffer.from('label\nsecret of bravo\n');
      const hex = createHash('sha256').update(bytes).digest('hex');
      await hub.graphql(RegisterDataset, {
        input: { project: 'bravo', name: 'rows', task: 'OTHER' },
      });
      await hub.graphql(RegisterDataset, {
        input: { project: 'alpha', name: 'rows', task: 'OTHER' },
      });
      const uploaded = await fetch(`${hub.hub.url}/api/v1/content/sha256/${hex}?project=bravo`, {
        method: 'PUT',
        body: bytes,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(uploaded.status).toBe(201);
      writeTree(root.path, { 'work/run-1/evalhub-run.json': '{}', 'mine.csv': 'label\nalpha\n' });
      const register = async (uri: string, version: string) => {
        const { data } = await hub.graphql(
          RegisterDatasetVersion,
          { input: { dataset: 'alpha/rows', uri, format: 'CSV', version } },
          { as: memberOf('token:alpha', ['alpha'], 'contributor') },
        );
        return data.registerDatasetVersion as { __typename: string; message?: string };
      };
      for (const [version, uri] of [
        ['upload', join(root.path, 'store', 'content', `sha256-${hex}`)],
        ['scratch', join(root.path, 'work', 'run-1', 'evalhub-run.json')],
      ] as const)
        expect(await register(uri, version)).toEqual(
          expect.objectContaining({ message: 'the path is outside the allowed roots' }),
        );
      expect((await register(join(root.path, 'mine.csv'), 'mine')).__typename).toBe(
        'RegisterDatasetVersionPayload',
      );
    } finally {
      await hub.close();
      root.remove();
    }
  }, 120_000);
});

async function startCommand(hub: TestHub, config: Record<string, unknown>) {
  const { data } = await hub.graphql(StartRun, {
    input: { project: 'host', runner: 'command', config },
  });
  return data.startRun;
}

describe('the command runner', () => {
  it('is off unless the operator allowlists programs', async () => {
    const result = await startCommand(off, { argv: ['/usr/bin/python3', '-c', 'pass'] });
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringContaining('no runner "command"'),
    });
  });

  it('is refused in a project whose maintainers did not allow it', async () => {
    const { data } = await t.graphql(StartRun, {
      input: { project: 'closed', runner: 'command', config: { argv: ['python3', '-c', 'pass'] } },
    });
    expect(data.startRun).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringContaining('does not allow the command runner'),
    });
  });

  it('is allowed per project by maintainers only', async () => {
    const { data } = await t.graphql(
      SetProjectSettings,
      { input: { project: 'closed', commandRunnerEnabled: true } },
      { as: memberOf('token:dev', ['closed'], 'contributor') },
    );
    expect(data.setProjectSettings.__typename).toBe('ForbiddenError');
  });

  it('refuses a program that is not allowlisted', async () => {
    const result = await startCommand(t, { argv: ['/bin/sh', '-c', 'id'] });
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringContaining('not one the operator allowlisted'),
    });
  });

  it.each([
    ['NODE_OPTIONS', '--import=data:text/javascript,process.exit(7)'],
    ['LD_PRELOAD', '/tmp/evil.so'],
    ['PYTHONSTARTUP', '/tmp/evil.py'],
    ['BASH_ENV', '/tmp/evil.sh'],
    ['PATH', '/tmp'],
    ['BASH_FUNC_ls%%', '() { /bin/sh -c id; }'],
    ['JDK_JAVA_OPTIONS', '-javaagent:/tmp/evil.jar'],
    ['GIT_CONFIG_COUNT', '1'],
    ['LUA_INIT', '@/tmp/evil.lua'],
    ['OPENSSL_CONF', '/tmp/evil.cnf'],
  ])(
    'refuses %s from the caller: it would run code before the allowlisted program',
    async (name, value) => {
      const result = await startCommand(t, {
        argv: ['python3', '-c', 'pass'],
        env: { [name]: value },
      });
      expect(result).toMatchObject({
        __typename: 'ValidationError',
        message: expect.stringContaining('set by the hub, not the run'),
      });
    },
  );

  it.each([
    ['an absolute path outside its folder', '/etc/shadow'],
    ['a symlink out of its folder', 'link'],
  ])('refuses an artifact at %s', async (_name, path) => {
    const result = await startCommand(t, {
      argv: [
        'python3',
        '-c',
        `import json, os; os.symlink("/etc/passwd", "link"); print(json.dumps({"type": "artifact", "name": "x", "mediaType": "text/plain", "path": ${JSON.stringify(path)}}))`,
      ],
    });
    if (result.__typename !== 'StartRunPayload') throw new Error(JSON.stringify(result));
    const run = await waitForStatus(t, result.run.id, ['SUCCEEDED', 'FAILED']);
    expect(run.status).toBe('FAILED');
    expect(run.error?.message).toContain("is not a file in the run's folder");
  });

  it("gives the program none of the hub's environment", async () => {
    process.env.HUB_SECRET_FOR_TEST = 'leaked';
    const result = await startCommand(t, {
      env: { MINE: '1' },
      argv: [
        'python3',
        '-c',
        'import json, os; print(json.dumps({"type": "finding", "kind": "ENV", "severity": "INFO", "title": " ".join(sorted(os.environ))}))',
      ],
    });
    if (result.__typename !== 'StartRunPayload') throw new Error(JSON.stringify(result));
    const run = await waitForStatus(t, result.run.id, ['SUCCEEDED', 'FAILED']);
    expect(run.status).toBe('SUCCEEDED');
    const names = run.findings[0]!.title.split(' ');
    expect(names).toContain('MINE');
    expect(names).not.toContain('HUB_SECRET_FOR_TEST');
    expect(names.filter((name) => !/^(EVALHUB_|LC_)/.test(name)).sort()).toEqual([
      'HOME',
      'LANG',
      'MINE',
      'PATH',
      'TMPDIR',
    ]);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('a worker that dies or freezes', () => {
  /**
   * Runs a command run of two attempts: the first worker process is stopped by `stopFirst`
   * once its program runs, a second worker retries the run. Each attempt's program records
   * which earlier attempts' programs still run when it starts, then keeps running (the first
   * until it is killed; the retry ends at once). What the retry saw, and the first program.
   */
  async function retriedAfter(stopFirst: (worker: HubProcess) => Promise<void>) {
    const hub = await startTestHub({
      config: {
        workers: 0,
        hostConfig: {
          ...loadConfig({}).hostConfig,
          dataRoots: null,
          commandAllow: [{ path: '/usr/bin/python3', sha256: null }],
        },
      },
    });
    const env = {
      DATABASE_URL: hub.database.url!,
      EVALHUB_LEASE_SECONDS: '3',
      EVALHUB_WORKERS: '1',
      EVALHUB_COMMAND_ALLOW: '/usr/bin/python3',
    };
    await hub.graphql(RegisterDataset, { input: { project: 'host', name: 'rows', task: 'OTHER' } });
    await hub.graphql(SetProjectSettings, {
      input: { project: 'host', commandRunnerEnabled: true },
    });
    const folder = tempFolder();
    const pids = `${folder.path}/pids`;
    const starts = `${folder.path}/starts`;
    const source = `import json, os, time
def alive(pid):
    try:
        return "State:\\tZ" not in open(f"/proc/{pid}/status").read()
    except OSError:
        return False
earlier = [int(line) for line in open(${JSON.stringify(pids)})] if os.path.exists(${JSON.stringify(pids)}) else []
open(${JSON.stringify(starts)}, "a").write(json.dumps([p for p in earlier if alive(p)]) + "\\n")
open(${JSON.stringify(pids)}, "a").write(f"{os.getpid()}\\n")
print(json.dumps({"type": "progress", "message": "started"}), flush=True)
while not earlier:
    time.sleep(0.05)
`;
    const { data } = await hub.graphql(StartRun, {
      input: {
        project: 'host',
        runner: 'command',
        maxAttempts: 2,
        config: { argv: ['python3', '-c', source] },
      },
    });
    if (data.startRun.__typename !== 'StartRunPayload') throw new Error(JSON.stringify(data));
    const first = await startHubProcess(['worker'], env);
    let second: HubProcess | undefined;
    try {
      await expect.poll(() => readLines(pids).length, { timeout: 30_000 }).toBe(1);
      const [firstPid] = readLines(pids).map(Number);
      expect(processAlive(firstPid!)).toBe(true);
      await stopFirst(first);
      second = await startHubProcess(['worker'], env);
      const run = await waitForStatus(hub, data.startRun.run.id, ['SUCCEEDED', 'FAILED'], 60_000);
      return { run, seen: readLines(starts), firstAlive: processAlive(firstPid!) };
    } finally {
      await second?.stop();
      await first.stop('SIGKILL');
      await hub.close();
      folder.remove();
    }
  }

  it("takes its program with it before the run's retry starts when killed", async () => {
    const { run, seen, firstAlive } = await retriedAfter(async (worker) => {
      worker.child.kill('SIGKILL');
      await worker.exited;
    });
    expect(run.status).toBe('SUCCEEDED');
    // The retry saw no program of the first attempt still running.
    expect(seen).toEqual(['[]', '[]']);
    expect(firstAlive).toBe(false);
  });

  it("has its program killed before the run's retry starts when frozen", async () => {
    // SIGSTOP: the worker holds its pipes open and does nothing, not even fence itself off.
    const { run, seen, firstAlive } = await retriedAfter(async (worker) => {
      worker.child.kill('SIGSTOP');
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(seen).toEqual(['[]', '[]']);
    expect(firstAlive).toBe(false);
  });
});

function readLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean) : [];
}

function processAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
