// The `command` runner: runs an external program (a Python checkmaite capability, a
// shell-free CLI...) and reads its events, one JSON object per line, from its stdout.
// docs/runner-protocol.md is the program's side of this contract.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { defineRunner, type Emitter, type ResolvedInput, RunnerInputError } from './contract.ts';
import { programEvent } from './protocol.ts';

const MiB = 1024 * 1024;

const configSchema = z
  .object({
    argv: z
      .array(z.string().min(1))
      .min(1)
      .describe('The program and its arguments, run without a shell.'),
    params: z
      .record(z.string(), z.unknown())
      .default({})
      .describe("The program's own configuration, handed to it as `config`."),
    cwd: z
      .string()
      .optional()
      .describe("Working directory, an absolute path; the run's scratch folder when absent."),
    env: z
      .record(z.string(), z.string())
      .default({})
      .describe('Environment variables set for the program.'),
    passEnv: z
      .array(z.string())
      .default(['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'PYTHONPATH', 'VIRTUAL_ENV'])
      .describe("Variables passed through from the worker's environment; no others are."),
    timeoutSeconds: z
      .number()
      .positive()
      .max(7 * 24 * 3600)
      .default(3600)
      .describe('The program is killed, and the run fails, after this long.'),
    maxLineBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * MiB)
      .default(MiB)
      .describe('A longer line on stdout fails the run.'),
    killGraceSeconds: z
      .number()
      .min(0)
      .max(300)
      .default(10)
      .describe('After SIGTERM (cancel, timeout), SIGKILL follows this much later.'),
  })
  .strict();

/** What the program is given, on stdin and in the file named by EVALHUB_RUN_FILE. */
function runDocument(
  runId: string,
  seed: number,
  params: unknown,
  inputs: Record<string, ResolvedInput[]>,
  workDir: string,
) {
  const described = Object.fromEntries(
    Object.entries(inputs).map(([role, versions]) => [
      role,
      versions.map((v) => ({
        id: v.id,
        ref: v.ref,
        kind: v.kind,
        digest: v.digest,
        uri: v.uri,
        path: v.localPath,
        format: v.format,
        metadata: v.metadata,
        labels: v.labels,
      })),
    ]),
  );
  return { protocol: 'evalhub-command/1', runId, seed, config: params, inputs: described, workDir };
}

/** Splits a byte stream into lines, refusing any longer than `max` bytes. */
function lineSplitter(max: number) {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk: Buffer): string[] => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    for (
      let newline = pending.indexOf(10, start);
      newline !== -1;
      newline = pending.indexOf(10, start)
    ) {
      if (newline - start > max)
        throw new RunnerInputError(`a stdout line is longer than ${max} bytes`);
      lines.push(pending.subarray(start, newline).toString('utf8'));
      start = newline + 1;
    }
    pending = pending.subarray(start);
    if (pending.length > max)
      throw new RunnerInputError(`a stdout line is longer than ${max} bytes`);
    return lines;
  };
}

async function emitProgramEvent(
  line: string,
  number: number,
  emit: Emitter,
  workDir: string,
): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new RunnerInputError(
      `stdout line ${number} is not JSON: ${JSON.stringify(line.slice(0, 200))}`,
    );
  }
  const result = programEvent.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new RunnerInputError(
      `stdout line ${number} is not an evalhub event (${issue.path.join('.') || 'event'}: ${issue.message})`,
    );
  }
  const event = result.data;
  switch (event.type) {
    case 'progress':
      return emit.progress(event);
    case 'log':
      return emit.log(event.level, event.message);
    case 'metric':
      return emit.metric(event);
    case 'finding':
      return emit.finding(event);
    case 'artifact': {
      const bytes: Uint8Array =
        event.path !== undefined
          ? await readFile(isAbsolute(event.path) ? event.path : join(workDir, event.path))
          : event.text !== undefined
            ? Buffer.from(event.text)
            : Buffer.from(event.base64!, 'base64');
      return emit.artifact({ name: event.name, mediaType: event.mediaType, bytes });
    }
  }
}

/** Signals the program's whole process group: it and everything it started. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // The group is already gone.
  }
}

export const commandRunner = defineRunner({
  id: 'command',
  version: '1.0.0',
  description:
    'Runs an external program (no shell) with the inputs, config and seed as JSON on stdin, and records the events it prints on stdout, one JSON object per line. Exit code 0 succeeds.',
  inputs: [],
  anyRole: true,
  config: configSchema,
  async run(ctx) {
    const { config, emit, signal, workDir } = ctx;
    if (config.cwd && !isAbsolute(config.cwd))
      throw new RunnerInputError('cwd must be an absolute path');
    const runFile = join(workDir, 'evalhub-run.json');
    const document = JSON.stringify(
      runDocument(ctx.runId, ctx.seed, config.params, ctx.inputs, workDir),
    );
    await writeFile(runFile, document);
    const env: Record<string, string> = {};
    for (const name of config.passEnv)
      if (process.env[name] !== undefined) env[name] = process.env[name]!;
    Object.assign(env, config.env, {
      EVALHUB_RUN_FILE: runFile,
      EVALHUB_RUN_ID: ctx.runId,
      EVALHUB_SEED: String(ctx.seed),
    });

    const [program, ...args] = config.argv;
    // detached: the program leads a process group of its own, so cancel reaches its children too.
    const child = spawn(program!, args, {
      cwd: config.cwd ? resolve(config.cwd) : workDir,
      env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (done, fail) => {
        child.once('error', fail);
        child.once('exit', (code, exitSignal) => {
          // Whatever the program left running in its group goes with it; that also closes
          // the pipes a straggler holds, so reading stdout ends.
          signalGroup(child, 'SIGKILL');
          done({ code, signal: exitSignal });
        });
      },
    );
    // Awaited after stdout ends; until then a spawn error must not count as unhandled.
    exited.catch(() => {});
    child.stdin.on('error', () => {}); // a program that does not read stdin closes it early
    child.stdin.end(document);

    let stopping: string | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (reason: string) => {
      if (stopping) return;
      stopping = reason;
      signalGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), config.killGraceSeconds * 1000);
    };
    const onAbort = () => stop('cancelled');
    signal.addEventListener('abort', onAbort);
    const timeout = setTimeout(
      () => stop(`timed out after ${config.timeoutSeconds} s`),
      config.timeoutSeconds * 1000,
    );

    const stderrTail: string[] = [];
    const stderrLines = lineSplitter(config.maxLineBytes);
    child.stderr.on('data', (chunk: Buffer) => {
      try {
        for (const line of stderrLines(chunk)) {
          stderrTail.push(line);
          if (stderrTail.length > 5) stderrTail.shift();
          emit.log('info', `stderr: ${line}`);
        }
      } catch {
        stop('a stderr line was too long');
      }
    });

    let failure: Error | null = null;
    try {
      const stdoutLines = lineSplitter(config.maxLineBytes);
      let number = 0;
      for await (const chunk of child.stdout) {
        for (const line of stdoutLines(chunk as Buffer)) {
          number += 1;
          if (line.trim()) await emitProgramEvent(line, number, emit, workDir);
        }
        // Reading no faster than events are stored keeps a chatty program from filling memory.
        await emit.flushed();
      }
    } catch (error) {
      failure = error as Error;
      stop(failure.message);
    }
    const { code, signal: exitSignal } = await exited;
    clearTimeout(timeout);
    clearTimeout(killTimer);
    signal.removeEventListener('abort', onAbort);

    if (signal.aborted) throw signal.reason ?? new Error('cancelled');
    if (failure) throw failure;
    if (stopping) throw new Error(`${program}: ${stopping}`);
    if (code !== 0) {
      const tail = stderrTail.length ? `; stderr ends: ${stderrTail.join(' | ')}` : '';
      throw new Error(
        `${program} ${exitSignal ? `was killed by ${exitSignal}` : `exited with code ${code}`}${tail}`,
      );
    }
  },
});
