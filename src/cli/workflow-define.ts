// `evalhub workflows define PROJECT/NAME SPEC.json`: a workflow version from a spec file (or
// `-`, standard input). The same spec again gives the version that already has it, so a spec
// kept beside the code can be defined on every deploy.
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { type HubOptions, hubClient, withHub } from './hub.ts';
import { printJson } from './output.ts';

interface DefineOptions extends HubOptions {
  description?: string;
  tag: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

async function readSpec(path: string): Promise<unknown> {
  const text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`${path} is not JSON: ${(error as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

/** Adds `define` to the `workflows` command. */
export function defineWorkflowCommand(workflows: Command): void {
  withHub(workflows.command('define'))
    .description('define a workflow version from its spec (the same spec gives the same version)')
    .argument('<workflow>', 'PROJECT/NAME (the hub numbers its versions)')
    .argument('<spec>', 'a JSON file of {inputs, steps, requirements}, or - for standard input')
    .option('--description <text>', 'what the workflow evaluates')
    .option('--tag <tag>', 'a label for finding it (repeatable)', collect, [])
    .option('--json', 'as JSON')
    .action(async (workflow: string, specPath: string, options: DefineOptions) => {
      if (!/^[^/@]+\/[^/@]+$/.test(workflow))
        throw new InvalidArgumentError(`expected PROJECT/NAME, got ${JSON.stringify(workflow)}`);
      const spec = await readSpec(specPath);
      const client = await hubClient(options);
      const defined = await client.defineWorkflow({
        workflow,
        spec,
        description: options.description,
        tags: options.tag.length ? options.tag : undefined,
      });
      const { created, workflowVersion: version } = defined;
      if (options.json) return printJson(defined);
      const ref = `${version.workflow.project.slug}/${version.workflow.name}@${version.number}`;
      console.log(`${ref}  ${version.digest}${created ? '' : '  (this spec was already defined)'}`);
    });
}
