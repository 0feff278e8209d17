// The evalhub command run as a real child process, as a user runs it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');

export interface HubProcess {
  child: ChildProcess;
  /** The base URL it announced, for `serve`. */
  url: string;
  /** Everything it wrote to stderr so far. */
  log(): string;
  /** Everything it wrote to stdout so far. */
  output(): string;
  /** Resolves to the exit code when the process ends by itself. */
  exited: Promise<number | null>;
  /** Sends `signal` and waits for the process to exit; resolves to its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `evalhub <args>` with `env` added to this process's environment. For `serve`,
 * resolves once it logs the URL it listens on (port 0 picks a free port).
 */
export async function startHubProcess(
  args: string[],
  env: Record<string, string>,
): Promise<HubProcess> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  const handle = { child, log: () => stderr, output: () => stdout, exited, stop };
  if (args[0] !== 'serve') return { ...handle, url: '' };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no URL announced within 60 s:\n${stderr}`)),
      60_000,
    );
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`evalhub exited with ${code} before listening:\n${stderr}`));
    });
  });
  return { ...handle, url };
}
