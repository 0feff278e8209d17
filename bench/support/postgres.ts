// A PostgreSQL for benchmarks: DATABASE_URL when set, otherwise a throwaway cluster in a
// temporary folder on a free port, as .ci/run makes one.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchPostgres {
  url: string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function benchPostgres(): Promise<BenchPostgres | null> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: () => {} };
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').sort()
    : [];
  const bin = versions.length ? `/usr/lib/postgresql/${versions.at(-1)}/bin` : null;
  if (!bin) return null;
  const root = process.getuid?.() === 0;
  const run = (args: string[]) => {
    const [command, ...rest] = args;
    const result = root
      ? spawnSync('runuser', ['-u', 'postgres', '--', command!, ...rest], { encoding: 'utf8' })
      : spawnSync(command!, rest, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
  };
  const folder = mkdtempSync(join(tmpdir(), 'evalhub-bench-pg-'));
  if (root) chownSync(folder, Number(execFileSync('id', ['-u', 'postgres']).toString()), 0);
  const port = await freePort();
  run([`${bin}/initdb`, '-D', `${folder}/data`, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  run([
    `${bin}/pg_ctl`,
    '-D',
    `${folder}/data`,
    '-l',
    `${folder}/log`,
    '-w',
    '-o',
    `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=1GB -c work_mem=64MB -c max_connections=300`,
    'start',
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      run([`${bin}/pg_ctl`, '-D', `${folder}/data`, '-m', 'immediate', 'stop']);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
