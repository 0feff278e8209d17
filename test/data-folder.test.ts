// The embedded database's folder belongs to one process at a time: a second is refused
// before it touches the data, and a process killed outright leaves nothing to clean up.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFolderError, lockDataFolder } from '../src/db/data-folder-lock.ts';
import { tempFolder } from './support/files.ts';
import { startHubProcess } from './support/process.ts';

// Each test starts hub processes, which take long on a busy machine: the limit is generous.
const PROCESS_TEST_MS = 300_000;

const call = async (url: string, query: string) => {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
};

const register = (url: string, name: string) =>
  call(
    url,
    `mutation { registerModel(input: {project: "kept", name: "${name}", task: OTHER}) { __typename } }`,
  );

const modelNames = async (url: string) => {
  const read = await call(
    url,
    '{ models(filter: {project: "kept"}, first: 500) { edges { node { name } } } }',
  );
  const models = read.data?.models as { edges: { node: { name: string } }[] };
  return models.edges.map((edge) => edge.node.name).sort();
};

describe('the data folder lock', () => {
  it('refuses a second process while one holds the folder, naming the folder and the PID', () => {
    const data = tempFolder();
    try {
      const held = lockDataFolder(data.path);
      const refusal = (() => {
        try {
          lockDataFolder(data.path);
        } catch (error) {
          return error;
        }
      })();
      expect(refusal).toBeInstanceOf(DataFolderError);
      expect((refusal as Error).message).toContain(data.path);
      expect((refusal as Error).message).toContain(`process ${process.pid}`);
      held.release();
      lockDataFolder(data.path).release();
    } finally {
      data.remove();
    }
  });

  it('takes over the lock of a process that is gone', async () => {
    const data = tempFolder();
    try {
      const child = spawn(process.execPath, ['-e', '']);
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      writeFileSync(
        join(data.path, 'evalhub.lock'),
        JSON.stringify({ pid: child.pid, started: '1' }),
      );
      const lock = lockDataFolder(data.path);
      lock.release();
      expect(existsSync(join(data.path, 'evalhub.lock'))).toBe(false);
    } finally {
      data.remove();
    }
  });

  it('takes over a lock whose PID now names another process', () => {
    const data = tempFolder();
    try {
      // This process's PID, with another start time: the PID was reused.
      writeFileSync(
        join(data.path, 'evalhub.lock'),
        JSON.stringify({ pid: process.pid, started: 'long ago' }),
      );
      lockDataFolder(data.path).release();
    } finally {
      data.remove();
    }
  });
});

describe('the embedded database and a second process', () => {
  it(
    'refuses `evalhub migrate` beside a running hub, and the hub restarts on intact data',
    async () => {
      const data = tempFolder();
      const env = { DATABASE_URL: '', EVALHUB_DATA_DIR: `${data.path}/db` };
      try {
        const hub = await startHubProcess(['serve'], env);
        expect((await register(hub.url, 'before')).errors).toBeUndefined();
        const migrate = await startHubProcess(['migrate'], env);
        expect(await migrate.exited).toBe(1);
        expect(migrate.log().trim()).toBe(
          `evalhub: the data folder ${data.path}/db is in use by process ${hub.child.pid}; stop it first, or set EVALHUB_DATA_DIR to another folder`,
        );
        expect(await hub.stop('SIGTERM')).toBe(0);
        const again = await startHubProcess(['serve'], env);
        expect(await modelNames(again.url)).toEqual(['before']);
        expect(await again.stop('SIGTERM')).toBe(0);
      } finally {
        data.remove();
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    'keeps every committed registration of a hub killed with SIGKILL mid-registrations',
    async () => {
      const data = tempFolder();
      const env = { DATABASE_URL: '', EVALHUB_DATA_DIR: `${data.path}/db` };
      try {
        const hub = await startHubProcess(['serve'], env);
        const committed: string[] = [];
        // Registrations keep coming, several at a time, until the kill cuts them off; the
        // kill comes once ten have committed, with others in flight.
        let killed = false;
        let tenCommitted: () => void = () => {};
        const enough = new Promise<void>((resolve) => {
          tenCommitted = resolve;
        });
        const client = async (lane: number) => {
          for (let i = 0; !killed; i++) {
            const name = `m-${lane}-${i}`;
            const result = await register(hub.url, name).catch(() => null);
            if (!result?.data?.registerModel) continue;
            committed.push(name);
            if (committed.length === 10) tenCommitted();
          }
        };
        const clients = [0, 1, 2].map(client);
        await enough;
        hub.child.kill('SIGKILL');
        await hub.exited;
        killed = true;
        await Promise.all(clients);
        const again = await startHubProcess(['serve'], env);
        const names = await modelNames(again.url);
        expect(names).toEqual(expect.arrayContaining(committed));
        expect(await again.stop('SIGTERM')).toBe(0);
      } finally {
        data.remove();
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    'says what to do with a folder the embedded database cannot open',
    async () => {
      const data = tempFolder();
      try {
        mkdirSync(`${data.path}/db`);
        writeFileSync(`${data.path}/db/PG_VERSION`, '17\n');
        const migrate = await startHubProcess(['migrate'], {
          DATABASE_URL: '',
          EVALHUB_DATA_DIR: `${data.path}/db`,
        });
        expect(await migrate.exited).toBe(1);
        expect(migrate.log().trim()).toMatch(
          new RegExp(
            `^evalhub: the embedded database in ${data.path}/db cannot be opened .*move the folder aside`,
          ),
        );
        expect(migrate.log().trim().split('\n')).toHaveLength(1);
      } finally {
        data.remove();
      }
    },
    PROCESS_TEST_MS,
  );
});
