// The evalhub command run as a real child process, as a user runs it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { TEST_AUDIT_KEY, TEST_SIGNING_KEY } from './database.ts';

const cli = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');

export interface HubProcess {
  child: ChildProcess;
  /** The base URL it announced, for `serve`. */
  url: string;
  /** The worker id it announced, for `worker`. */
  workerId: string;
  /** Everything it wrote to stderr so far. */
  log(): string;
  /** Everything it wrote to stdout so far. */
  output(): string;
  /** Resolves to the exit code when the process ends by itself. */
  exited: Promise<number | null>;
  /** Sends `signal` and waits for the process to exit; resolves to its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** What `serve` and `worker` log once they are ready. */
const readyLines: Record<string, RegExp> = {
  serve: /listening on (http:\/\/\S+)/,
  worker: /evalhub worker (\S+) ready/,
};

/**
 * Starts `evalhub <args>` with `env` added to this process's environment. For `serve` and
 * `worker`, resolves once it says it is ready (port 0 picks a free port).
 */
export async function startHubProcess(
  args: string[],
  env: Record<string, string>,
): Promise<HubProcess> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'info',
      EVALHUB_AUDIT_KEY: TEST_AUDIT_KEY,
      EVALHUB_SIGNING_KEY: TEST_SIGNING_KEY,
      ...env,
    },
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
  const handle = {
    child,
    log: () => stderr,
    output: () => stdout,
    exited,
    stop,
    url: '',
    workerId: '',
  };
  const ready = readyLines[args[0] ?? ''];
  if (!ready) return handle;
  // Ready when it says so, however long a busy machine takes; the test's limit bounds it.
  const announced = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = ready.exec(stderr);
      if (match) resolve(match[1]!);
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) =>
      reject(new Error(`evalhub exited with ${code} before it was ready:\n${stderr}`)),
    );
  });
  return args[0] === 'serve' ? { ...handle, url: announced } : { ...handle, workerId: announced };
}
