#!/usr/bin/env node
// The evalhub command. Each command family lives in src/cli/ and loads what it needs when it
// runs, so `evalhub --help` or `evalhub whoami` does not load the hub.
import { Command, CommanderError } from 'commander';
import { accountCommands } from './cli/account.ts';
import { catalogueCommands } from './cli/catalogue.ts';
import { completionCommand } from './cli/completion.ts';
import { evidenceCommands } from './cli/evidence.ts';
import { exploreCommands } from './cli/explore.ts';
import { registerCommand } from './cli/register.ts';
import { reproduceCommands } from './cli/reproduce.ts';
import { runCommands } from './cli/run.ts';

let usagePrinted = false;

const program = new Command('evalhub')
  .description('GraphQL metadata and lineage hub for AI test and evaluation')
  .showSuggestionAfterError()
  .exitOverride()
  // Commander's own usage errors are printed as it finds them; one thrown by a command's
  // action (an InvalidArgumentError too) is printed below.
  .configureOutput({
    outputError: (text, write) => {
      usagePrinted = true;
      write(text);
    },
  })
  .addHelpText(
    'after',
    `
Commands that talk to a hub use --hub URL, else EVALHUB_URL, else the hub of \`evalhub login\`,
else http://127.0.0.1:4000; and EVALHUB_TOKEN, else the token of \`evalhub login\`.
serve, worker, migrate, schema and token act on this machine; their configuration comes from
the environment: PORT, HOST, DATABASE_URL, EVALHUB_DATA_DIR, EVALHUB_ACTOR, EVALHUB_WORKERS,
EVALHUB_LEASE_SECONDS, EVALHUB_CANCEL_GRACE_SECONDS, EVALHUB_RUNNER_MODULES, EVALHUB_WORK_DIR,
EVALHUB_AUDIT_KEY, EVALHUB_SIGNING_KEY, LOG_LEVEL (see README.md).`,
  );

program
  .command('serve', { isDefault: true })
  .description(
    'serve the API: GraphQL on /graphql, the web UI on /ui/, GraphiQL on /graphiql, health on /healthz, with EVALHUB_WORKERS runs executing in this process (0: none)',
  )
  .action(async () => (await import('./cli/hub-process.ts')).serve());
program
  .command('worker')
  .description('execute queued runs of the PostgreSQL in DATABASE_URL, on this machine')
  .option('--concurrency <n>', 'runs at once (default EVALHUB_WORKERS, else 2)')
  .action(async (options: { concurrency?: string }) => {
    const code = await (await import('./cli/hub-process.ts')).worker(options);
    if (code !== undefined) process.exit(code);
  });
program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(async () => (await import('./cli/hub-process.ts')).migrateDatabase());
program
  .command('schema')
  .description('print the GraphQL schema (SDL)')
  .action(async () => (await import('./cli/hub-process.ts')).printSdl());
program
  .command('token')
  .description('issue, list and revoke API tokens, on the server (evalhub token for more)')
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .argument('[args...]')
  .action(async (args: string[]) => {
    const [{ tokenCommand }, { loadConfig }] = await Promise.all([
      import('./cli/token.ts'),
      import('./config.ts'),
    ]);
    process.exitCode = await tokenCommand(args, loadConfig());
  });
program
  .command('audit')
  .description(
    "audit verify|seal: check the audit record from its first entry, with the hub's key; seal a chain made before it had one",
  )
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .argument('[args...]')
  .action(async (args: string[]) => {
    const [{ auditCommand }, { loadConfig }] = await Promise.all([
      import('./cli/audit.ts'),
      import('./config.ts'),
    ]);
    process.exitCode = await auditCommand(args, loadConfig());
  });

accountCommands(program);
registerCommand(program);
catalogueCommands(program);
runCommands(program);
reproduceCommands(program);
evidenceCommands(program);
exploreCommands(program);
completionCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  // Help and usage errors: commander has printed them.
  if (error instanceof CommanderError && (usagePrinted || error.exitCode === 0))
    process.exit(error.exitCode);
  // Anything else: one line, never a stack trace. A hub that cannot start (its data folder or
  // port is taken, its audit record is broken) exits 1; a command used wrongly, 2.
  // A typed error about one field says which (a spec's step, a config's key).
  // (HubError, by name: this file does not load the client, which `serve` never needs.)
  const field = (error as { name?: string; path?: readonly string[] | null }).path;
  const path =
    (error as Error).name === 'HubError' && field?.length ? ` (at ${field.join('.')})` : '';
  console.error(`evalhub: ${(error as Error).message}${path}`);
  if (error instanceof Error && ['DataFolderError', 'PortInUseError'].includes(error.name))
    process.exit(1);
  process.exit(process.exitCode && process.exitCode !== 0 ? process.exitCode : 2);
});
