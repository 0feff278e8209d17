// `evalhub run RUNNER|WORKFLOW ...` (the form Run.reproduceCommand prints), `evalhub watch RUN`,
// `evalhub runs ls`, `evalhub run show|cancel|retry RUN` (and `evalhub cancel RUN`). Watching
// ends with an exit code a script can test: 0 the run succeeded and every requirement passed,
// 1 a requirement failed, 2 the run failed.
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import type { EvalhubClient } from '../client/index.ts';
import { type HubOptions, hubClient, withHub } from './hub.ts';
import { colour, printJson, printTable } from './output.ts';
import { watchDisplay } from './watch-display.ts';

interface RunOptions extends HubOptions {
  input: string[];
  config?: string;
  seed?: string;
  project?: string;
  name?: string;
  watch?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function parseInput(text: string): { role: string; version: string } {
  const at = text.indexOf('=');
  if (at < 1) throw new InvalidArgumentError(`--input is role=REF, got ${JSON.stringify(text)}`);
  return { role: text.slice(0, at), version: text.slice(at + 1) };
}

async function parseConfig(text: string | undefined): Promise<unknown> {
  if (text === undefined) return undefined;
  const source = text.startsWith('@') ? await readFile(text.slice(1), 'utf8') : text;
  try {
    return JSON.parse(source);
  } catch {
    throw new InvalidArgumentError(`--config is JSON or @file of JSON`);
  }
}

/** Shows a run's events until it ends; the run as it ended, and the display. */
export async function watchToEnd(client: EvalhubClient, runId: string, json: boolean | undefined) {
  const display = watchDisplay(client, runId, json);
  try {
    for await (const event of client.watch(runId)) await display.event(event);
  } finally {
    display.stop();
  }
  const run = await client.run(runId);
  if (!run) throw new Error(`run ${runId} is no longer visible`);
  return { run, display };
}

/** Watches a run to its end and returns the exit code its outcome means. */
export async function watchToVerdict(
  client: EvalhubClient,
  runId: string,
  json: boolean | undefined,
): Promise<number> {
  const { run, display } = await watchToEnd(client, runId, json);
  const failed = run.findings.filter((f) => f.kind === 'REQUIREMENT_FAILED');
  const code = run.status !== 'SUCCEEDED' ? 2 : failed.length ? 1 : 0;
  display.verdict(run, failed, code);
  return code;
}

/**
 * The end of every command that starts a run: its id (or JSON) without `--watch`; with it,
 * `header` on stderr, then `follow` until the run ends, whose code becomes the exit code.
 */
export async function followStarted(
  run: { id: string; project: { slug: string } },
  options: { watch?: boolean; json?: boolean },
  follow: (runId: string) => Promise<number>,
  header = `run ${run.id} in ${run.project.slug}`,
): Promise<void> {
  if (!options.watch) {
    if (options.json) printJson(run);
    else console.log(run.id);
    return;
  }
  if (!options.json) console.error(header);
  process.exitCode = await follow(run.id);
}

export function runCommands(program: Command): void {
  const runCommand = withHub(program.command('run'))
    .description(
      'start a runner, or a workflow (PROJECT/NAME[@N|@sha256:...]), on inputs; or run show|cancel|retry RUN',
    )
    .argument('<target>', 'a runner id, or a workflow')
    .option('--input <role=REF>', 'an input version, by role (repeatable)', collect, [])
    .option('--config <json>', "the runner's config: JSON, or @file")
    .option('--seed <n>', 'the seed of every random choice')
    .option('--project <slug>', 'the project of a runner run')
    .option('--name <name>', 'a name for people')
    .option('--watch', 'follow it live; exit 0 passed, 1 a requirement failed, 2 failed')
    .option('--json', 'as JSON (one event a line with --watch)')
    .action(async (target: string, options: RunOptions) => {
      // `evalhub run show RUN` and the like are subcommands; anything else names what to run.
      const inputs = options.input.map(parseInput);
      const seed = options.seed === undefined ? undefined : Number(options.seed);
      if (seed !== undefined && !Number.isInteger(seed))
        throw new InvalidArgumentError('--seed is a whole number');
      const config = await parseConfig(options.config);
      const client = await hubClient(options);
      const isWorkflow = target.includes('/');
      if (isWorkflow && config !== undefined)
        throw new InvalidArgumentError('a workflow has no --config: its spec holds each step’s');
      if (!isWorkflow && !options.project)
        throw new InvalidArgumentError('running a runner needs --project');
      const run = isWorkflow
        ? await client.startWorkflow({ workflow: target, inputs, seed, name: options.name })
        : await client.startRun({
            runner: target,
            project: options.project!,
            inputs,
            config,
            seed,
            name: options.name,
          });
      await followStarted(run, options, (id) => watchToVerdict(client, id, options.json));
    });

  runSubcommands(runCommand);

  withHub(program.command('watch'))
    .description('follow a run live to its end (exit codes as run --watch)')
    .argument('<run>', 'the run id')
    .option('--json', 'one event a line as JSON')
    .action(async (runId: string, options: HubOptions) => {
      process.exitCode = await watchToVerdict(await hubClient(options), runId, options.json);
    });

  withHub(program.command('cancel'))
    .description('cancel a run')
    .argument('<run>', 'the run id')
    .action(cancelAction);

  const runs = program.command('runs').description('list runs');
  withHub(runs.command('ls'))
    .description('the latest runs you may see')
    .option('--project <slug>', 'of one project')
    .option('--status <status>', 'in one status, e.g. FAILED')
    .option('--json', 'as JSON')
    .action(async (options: HubOptions & { project?: string; status?: string }) => {
      const client = await hubClient(options);
      const list = await client.runs({
        project: options.project ? [options.project] : undefined,
        status: options.status ? [options.status.toUpperCase() as never] : undefined,
        topLevel: true,
      });
      if (options.json) return printJson(list);
      printTable(
        list.map((run) => ({
          id: run.id,
          project: run.project.slug,
          what: run.workflowVersion?.workflow.name ?? run.runnerId,
          status: run.status.toLowerCase(),
          created: run.createdAt.slice(0, 19),
        })),
        false,
      );
    });
}

/**
 * `evalhub run show|cancel|retry RUN`. Options `run` has too (--hub, --json, --watch) are
 * parsed by `run` wherever they appear: each reads them with its ancestors'.
 */
function runSubcommands(run: Command): void {
  withHub(run.command('show'))
    .description('a run: its status, steps, metrics and findings')
    .argument('<run>', 'the run id')
    .option('--json', 'as JSON')
    .action(async (runId: string, _options: HubOptions, command: Command) => {
      const options = command.optsWithGlobals<HubOptions>();
      const shown = await (await hubClient(options)).run(runId);
      if (!shown) throw new Error(`no run ${runId} you may see`);
      if (options.json) return printJson(shown);
      const what = shown.workflowVersion
        ? `workflow ${shown.project.slug}/${shown.workflowVersion.workflow.name}#${shown.workflowVersion.number}`
        : `${shown.runnerId} ${shown.runnerVersion}`;
      console.log(`${shown.id} ${shown.name ?? ''}`.trimEnd());
      console.log(`  ${what} in ${shown.project.slug}, seed ${shown.seed}`);
      const error = shown.error ? `: ${shown.error.code} ${shown.error.message}` : '';
      console.log(`  ${shown.status.toLowerCase()}${error}`);
      for (const step of shown.children)
        console.log(`  step ${step.stepId} ${step.status.toLowerCase()} (${step.id})`);
      if (shown.metrics.length) {
        console.log('');
        printTable(
          shown.metrics.map((m) => ({
            metric: m.key + (Object.keys(m.slice as object).length ? JSON.stringify(m.slice) : ''),
            value: m.value,
            interval: m.ciLower != null && m.ciUpper != null ? `[${m.ciLower}, ${m.ciUpper}]` : '',
          })),
          false,
        );
      }
      for (const finding of shown.findings)
        console.log(colour(31, `  finding ${finding.severity.toLowerCase()}: ${finding.title}`));
      console.log(`  reproduce: ${shown.reproduceCommand}`);
    });

  withHub(run.command('cancel'))
    .description('cancel a run')
    .argument('<run>', 'the run id')
    .action(cancelAction);

  withHub(run.command('retry'))
    .description('start again a run that ended, on the same inputs, config and seed')
    .argument('<run>', 'the run id')
    .option('--watch', 'follow the new run live (exit codes as run --watch)')
    .option('--json', 'as JSON (one event a line with --watch)')
    .action(async (runId: string, _options: HubOptions, command: Command) => {
      const options = command.optsWithGlobals<HubOptions & { watch?: boolean }>();
      const client = await hubClient(options);
      const retried = await client.retry(runId);
      await followStarted(retried, options, (id) => watchToVerdict(client, id, options.json));
    });
}

async function cancelAction(runId: string, _options: HubOptions, command: Command): Promise<void> {
  const cancelled = await (await hubClient(command.optsWithGlobals<HubOptions>())).cancel(runId);
  console.log(`${cancelled.id} ${cancelled.status.toLowerCase()}`);
}
