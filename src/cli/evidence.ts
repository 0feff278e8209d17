// `evalhub bundle REF -o FILE` (from a hub) and `evalhub verify FILE` (offline: no hub, no
// database): the provenance bundle of a run or finding, and its check.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type HubOptions, hubClient, withHub } from './hub.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

export function evidenceCommands(program: Command): void {
  withHub(program.command('bundle'))
    .description('the provenance bundle of a run or finding: one JSON file to check offline')
    .argument('<ref>', 'the id of a run or finding')
    .requiredOption('-o, --output <file>', 'write it to this file')
    .action(async (ref: string, options: HubOptions & { output: string }) => {
      const client = await hubClient(options);
      await writeFile(options.output, await client.bundle(await client.resolve(ref)));
      console.error(`wrote ${options.output}; check it with \`evalhub verify ${options.output}\``);
    });

  program
    .command('verify')
    .description(
      'check a provenance bundle offline: signatures, digests, the audit records; exits 1 naming the first problem',
    )
    .argument('<file>', 'the bundle (from `evalhub bundle`)')
    .option(
      '--content <path>',
      'a file or folder whose digest must be in the bundle (repeatable)',
      collect,
      [],
    )
    .option(
      '--key <pem>',
      'trust only this public key (PEM, from /api/v1/keys; repeatable)',
      collect,
      [],
    )
    .action(async (file: string, options: { content: string[]; key: string[] }) => {
      process.exitCode = await (await import('./verify-bundle.ts')).verifyFile(file, options);
    });
}
