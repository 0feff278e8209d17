// `evalhub register model|dataset PROJECT/NAME@VERSION PATH`: the digest is computed here with
// the hub's rule and sent along, so the hub checks the content it reads is the content meant.
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { DatasetFormat, ModelFormat, Task } from '../client/index.ts';
import { type HubOptions, hubClient, withHub } from './hub.ts';
import { printJson } from './output.ts';

interface RegisterOptions extends HubOptions {
  format?: string;
  task?: string;
  derivedFrom?: string;
  transform?: string;
  metadata?: string;
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('not JSON');
  }
}

/** The format a path suggests, when --format is not given. */
function guessFormat(kind: 'model' | 'dataset', path: string): string {
  if (kind === 'model') return path.endsWith('.onnx') ? 'ONNX' : 'OTHER';
  if (path.endsWith('.csv')) return 'CSV';
  if (path.endsWith('.jsonl')) return 'JSONL';
  return 'IMAGE_FOLDER';
}

export function registerCommand(program: Command): void {
  withHub(program.command('register'))
    .description('register a model or dataset version from a local path; prints its digest')
    .argument('<kind>', 'model or dataset')
    .argument('<ref>', 'PROJECT/NAME@VERSION')
    .argument('<path>', 'its file or folder')
    .option('--format <format>', 'ONNX, PREDICTIONS... or CSV, JSONL, IMAGE_FOLDER, COCO...')
    .option('--task <task>', 'for a new model or dataset, e.g. IMAGE_CLASSIFICATION', 'OTHER')
    .option('--derived-from <ref>', 'the dataset version it was derived from')
    .option('--transform <json>', 'how it was derived, e.g. {"name":"blur","sigma":2}')
    .option('--metadata <json>', 'e.g. {"index2label":{"0":"cat"}}')
    .option('--json', 'as JSON')
    .action(async (kind: string, ref: string, path: string, options: RegisterOptions) => {
      if (kind !== 'model' && kind !== 'dataset')
        throw new InvalidArgumentError('register model or register dataset');
      if (Boolean(options.derivedFrom) !== Boolean(options.transform))
        throw new InvalidArgumentError('--derived-from and --transform go together');
      const absolute = resolve(path);
      const { digestPath } = await import('../resolvers/content/digest.ts');
      const { digest } = await digestPath(absolute).catch((error: Error) => {
        throw new Error(`cannot read ${path}: ${error.message}`);
      });
      const client = await hubClient(options);
      const common = {
        ref,
        uri: absolute,
        digest,
        task: options.task?.toUpperCase() as Task,
        metadata: options.metadata ? json(options.metadata) : undefined,
      };
      const format = (options.format ?? guessFormat(kind, absolute)).toUpperCase();
      const result =
        kind === 'model'
          ? await client.registerModelVersion({ ...common, format: format as ModelFormat })
          : await client.registerDatasetVersion({
              ...common,
              format: format as DatasetFormat,
              derivedFrom: options.derivedFrom
                ? {
                    datasetVersion: options.derivedFrom,
                    transform: json(options.transform!),
                  }
                : null,
            });
      const version = 'modelVersion' in result ? result.modelVersion : result.datasetVersion;
      if (options.json) return printJson({ created: result.created, ...version });
      console.log(`${digest}  ${path}`);
      console.log(
        `${result.created ? 'registered' : 'already registered as'} ${ref.replace(/@.*/, '')}@${version.version} (${version.id})`,
      );
    });
}
