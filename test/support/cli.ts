// Running the evalhub command as a user does: a process of its own, with an environment of
// only PATH, a home folder (its config folder inside) and what the test adds.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

const cliPath = resolve(import.meta.dirname, '../../src/cli.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `evalhub ...args` with `home` as its home, `env` beyond that, and `stdin` as its input. */
export function runEvalhub(
  args: readonly string[],
  options: { home: string; env?: Record<string, string>; stdin?: string },
): Promise<CliResult> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [cliPath, ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: options.home,
          XDG_CONFIG_HOME: join(options.home, 'config'),
          ...options.env,
        },
      },
      (error, stdout, stderr) =>
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(options.stdin ?? '');
  });
}
