// `evalhub reproduce RUN [--watch]`: re-executes a run on its verified inputs. Watching ends
// with an exit code a script can test: 0 REPRODUCED, 1 NOT_REPRODUCED, 2 the reproduction
// failed (or was cancelled).
import type { Command } from 'commander';
import type { EvalhubClient } from '../client/index.ts';
import { type HubOptions, hubClient, withHub } from './hub.ts';
import { colour } from './output.ts';
import { followStarted, watchToEnd } from './run.ts';

/** Follows a reproduction to its end and returns the exit code its verdict means. */
async function watchReproduction(
  client: EvalhubClient,
  runId: string,
  json: boolean | undefined,
): Promise<number> {
  const { run } = await watchToEnd(client, runId, json);
  const verdict = run.findings.find((f) => ['REPRODUCED', 'NOT_REPRODUCED'].includes(f.kind));
  const code = run.status !== 'SUCCEEDED' ? 2 : verdict?.kind === 'REPRODUCED' ? 0 : 1;
  if (!json) {
    if (code === 0) console.log(colour(32, `✓ ${verdict!.title}`));
    else if (code === 1) console.log(colour(31, `✗ ${verdict?.title}\n${verdict?.summary}`));
    else
      console.log(
        colour(
          31,
          `✗ the reproduction ${run.status.toLowerCase()}${run.error ? `: ${run.error.code} ${run.error.message}` : ''}`,
        ),
      );
  }
  return code;
}

export function reproduceCommands(program: Command): void {
  withHub(program.command('reproduce'))
    .description(
      're-execute a run that succeeded (same runner version, config, seed, inputs checked by digest)',
    )
    .argument('<run>', 'the run id')
    .option('--watch', 'follow it live; exit 0 reproduced, 1 not reproduced, 2 failed')
    .option('--json', 'as JSON (one event a line with --watch)')
    .action(async (runId: string, options: HubOptions & { watch?: boolean; json?: boolean }) => {
      const client = await hubClient(options);
      const run = await client.reproduce(runId);
      await followStarted(
        run,
        options,
        (id) => watchReproduction(client, id, options.json),
        `run ${run.id} reproduces ${runId} in ${run.project.slug}`,
      );
    });
}
