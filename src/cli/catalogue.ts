// `evalhub models|datasets|workflows ls [--project] [--search]` and `... show PROJECT/NAME`
// (a model's versions with their ONNX inputs and outputs);
// `evalhub workflows define` is workflow-define.ts.
import type { Command } from 'commander';
import { type HubOptions, hubClient, withHub } from './hub.ts';
import { printJson, printTable } from './output.ts';
import { defineWorkflowCommand } from './workflow-define.ts';

interface ListOptions extends HubOptions {
  project?: string;
  search?: string;
}

const KINDS = ['models', 'datasets', 'workflows'] as const;

function parseName(ref: string): { project: string; name: string } {
  const match = /^([^/@]+)\/([^/@]+)$/.exec(ref);
  if (!match) throw new Error(`expected PROJECT/NAME, got ${JSON.stringify(ref)}`);
  return { project: match[1]!, name: match[2]! };
}

/** An ONNX model's input or output as `name:type[dims]`, e.g. `image:float32[batch,3,224,224]`. */
function describeValue(value: { name: string; elementType: string; shape?: string[] | null }) {
  return `${value.name}:${value.elementType}${value.shape ? `[${value.shape.join(',')}]` : ''}`;
}

export function catalogueCommands(program: Command): void {
  for (const kind of KINDS) {
    const group = program.command(kind).description(`list and show ${kind}`);
    withHub(group.command('ls'))
      .description(`the ${kind} you may see`)
      .option('--project <slug>', 'of one project')
      .option('--search <words>', 'matching these words')
      .option('--json', 'as JSON')
      .action(async (options: ListOptions) => {
        const client = await hubClient(options);
        const filter = { project: options.project, search: options.search };
        const entries = await client[kind](filter);
        if (options.json)
          return printJson(entries.map(({ versions: _versions, ...entry }) => entry));
        printTable(
          entries.map((entry) => ({
            ref: `${entry.project.slug}/${entry.name}`,
            latest: entry.latestVersion
              ? 'version' in entry.latestVersion
                ? entry.latestVersion.version
                : `#${entry.latestVersion.number}`
              : '',
            digest: entry.latestVersion?.digest.slice(0, 19) ?? '',
            tags: entry.tags.join(','),
            updated: entry.updatedAt.slice(0, 19),
          })),
          false,
        );
      });
    withHub(group.command('show'))
      .description(`one of the ${kind} and its versions`)
      .argument('<ref>', 'PROJECT/NAME')
      .option('--json', 'as JSON')
      .action(async (ref: string, options: HubOptions) => {
        const client = await hubClient(options);
        const { project, name } = parseName(ref);
        const single = kind.slice(0, -1) as 'model' | 'dataset' | 'workflow';
        const entry = await client[single](project, name);
        if (!entry) throw new Error(`no ${single} ${ref} you may see`);
        if (options.json)
          return printJson({ ...entry, versions: entry.versions.edges.map((e) => e.node) });
        console.log(`${ref}  ${entry.id}${entry.description ? `\n${entry.description}` : ''}`);
        printTable(
          entry.versions.edges.map(({ node }) => ({
            version: 'version' in node ? node.version : `#${node.number}`,
            digest: node.digest,
            ...('uri' in node ? { uri: node.uri } : {}),
            created: `${node.createdAt.slice(0, 19)} by ${node.createdByName}`,
            ...('signature' in node
              ? {
                  inputs: node.signature?.inputs.map(describeValue).join(' ') ?? '',
                  outputs: node.signature?.outputs.map(describeValue).join(' ') ?? '',
                }
              : {}),
          })),
          false,
        );
      });
    if (kind === 'workflows') defineWorkflowCommand(group);
  }
}
