// The `command` runner: runs an external program (a Python checkmaite capability, a
// shell-free CLI...) and reads its events, one JSON object per line, from its stdout.
// docs/runner-protocol.md is the program's side of this contract.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { type CommandPolicy, checkPin, findAllowedProgram } from './command-programs.ts';
import {
  defineRunner,
  type Emitter,
  mustStopAtOnce,
  type ResolvedInput,
  RunnerInputError,
} from './contract.ts';
import { programEvent } from './protocol.ts';
import { readScratchFile } from './scratch-file.ts';

const MiB = 1024 * 1024;

/** The variable that carries the program's environment through its supervisor. */
const PROGRAM_ENV = 'EVALHUB_PROGRAM_ENV';

/**
 * Variables a caller may not set: they make the dynamic loader, an interpreter, a shell or a
 * common tool (git, java, lua, R, openssl) run code or read configuration of the caller's
 * choosing before (or instead of) the allowlisted program, or they are the hub's to set.
 */
const HOOK_VARIABLE =
  /^(LD_|DYLD_|NODE_|PYTHON|PERL5?|RUBY|JAVA_TOOL|_JAVA|JDK_JAVA_OPTIONS$|CLASSPATH$|GIT_|LUA_|R_|OPENSSL_|XDG_|GCONV_PATH$|LOCPATH$|NLSPATH$|HOSTALIASES$|BASH_ENV$|BASHOPTS$|ENV$|IFS$|PATH$|HOME$|TMPDIR$|SHELLOPTS$|PS4$|EVALHUB_)/i;

/** A variable name a shell would take: nothing else (a `BASH_FUNC_x%%` name defines a function). */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The runner's config; `argv[0]` must be a program the operator allowlisted. */
const configSchema = (policy: CommandPolicy) =>
  z
    .object({
      argv: z
        .array(z.string().min(1))
        .min(1)
        .refine((argv) => findAllowedProgram(policy, argv[0]!) !== null, {
          message: 'the program is not one the operator allowlisted (EVALHUB_COMMAND_ALLOW)',
          path: [0],
        })
        .describe(
          'The program (allowlisted by the operator; a name is looked up on its PATH) and its arguments, run without a shell.',
        ),
      params: z
        .record(z.string(), z.unknown())
        .default({})
        .describe("The program's own configuration, handed to it as `config`."),
      env: z
        .record(z.string(), z.string())
        .default({})
        .refine(
          (env) =>
            Object.keys(env).every((name) => VARIABLE_NAME.test(name) && !HOOK_VARIABLE.test(name)),
          {
            message:
              'variables that change how programs load or which files they use (LD_*, NODE_*, PYTHON*, GIT_*, PATH, HOME, EVALHUB_*, ...), and names that are not letters, digits and _, are set by the hub, not the run',
          },
        )
        .describe(
          "Environment variables set for the program; it gets no others but PATH (the operator's), HOME and TMPDIR (its scratch folder) and EVALHUB_*.",
        ),
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
      maxArtifactBytes: z
        .number()
        .int()
        .min(0)
        .max(4 * 1024 * MiB)
        .default(256 * MiB)
        .describe('A larger artifact given by path fails the run.'),
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
  maxArtifactBytes: number,
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
          ? await readScratchFile(workDir, event.path, maxArtifactBytes)
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

/** The script that ties a program's life to its worker's. */
const SUPERVISOR = join(import.meta.dirname, 'command-supervisor.ts');

/** The command runner of a host whose operator allows `policy`. */
export const commandRunner = (policy: CommandPolicy) =>
  defineRunner({
    id: 'command',
    version: '2.0.0',
    hostPrograms: true,
    description:
      'Runs an external program (no shell) with the inputs, config and seed as JSON on stdin, and records the events it prints on stdout, one JSON object per line. Exit code 0 succeeds.',
    inputs: [],
    anyRole: true,
    config: configSchema(policy),
    async run(ctx) {
      const { config, emit, signal, workDir } = ctx;
      const allowed = findAllowedProgram(policy, config.argv[0]!);
      if (!allowed) throw new RunnerInputError(`${config.argv[0]} is not an allowlisted program`);
      await checkPin(allowed);
      const runFile = join(workDir, 'evalhub-run.json');
      const document = JSON.stringify(
        runDocument(ctx.runId, ctx.seed, config.params, ctx.inputs, workDir),
      );
      await writeFile(runFile, document);
      // Nothing of the worker's own environment: the operator's PATH, and what the run says.
      const programEnv: Record<string, string> = {
        PATH: policy.path,
        HOME: workDir,
        TMPDIR: workDir,
        LANG: 'C.UTF-8',
        ...config.env,
        EVALHUB_RUN_FILE: runFile,
        EVALHUB_RUN_ID: ctx.runId,
        EVALHUB_SEED: String(ctx.seed),
      };
      // The supervisor is Node: it gets none of the run's variables (NODE_OPTIONS would run
      // code in it), only the program's environment as one value it hands on.
      const env = { PATH: policy.path, LANG: 'C.UTF-8', [PROGRAM_ENV]: JSON.stringify(programEnv) };

      const [program, ...args] = config.argv;
      // The supervisor leads a process group of its own (detached), which the program joins, so
      // cancel reaches its children too; fd 3 is its lifeline: when this process dies, the
      // supervisor kills the group.
      const child = spawn(process.execPath, [SUPERVISOR, allowed.path, ...args], {
        cwd: workDir,
        env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
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
      // A worker fenced off the run kills the group now: the next attempt may be starting.
      const onAbort = () => {
        if (mustStopAtOnce(signal)) signalGroup(child, 'SIGKILL');
        stop('cancelled');
      };
      signal.addEventListener('abort', onAbort);
      // A worker that freezes (stopped, swapped out) can neither stop the program nor renew
      // its lease, and the reaper will give the run to another worker: the supervisor is told
      // how long the lease holds after each renewal, and kills the group when that runs out.
      const lifeline = child.stdio[3] as Writable;
      lifeline.on('error', () => {}); // the supervisor is gone: `exited` says how
      const tellLease = () =>
        lifeline.write(`${Math.max(0, Math.floor(ctx.lease!.fenceAt - performance.now()))}\n`);
      if (ctx.lease) tellLease();
      const stopTelling = ctx.lease?.onRenewed(tellLease);
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
            if (line.trim())
              await emitProgramEvent(line, number, emit, workDir, config.maxArtifactBytes);
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
      stopTelling?.();
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
