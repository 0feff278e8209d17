// `evalhub register model|dataset PROJECT/NAME@VERSION PATH`: the digest is computed here with
// the hub's rule and sent along, so the hub checks the content it reads is the content meant.
// A hub that cannot read PATH (on another machine, or outside its data roots) gets the content
// uploaded to its store first, and the version is registered as `content:sha256:<hex>`.
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import {
  type DatasetFormat,
  type EvalhubClient,
  HubError,
  type ModelFormat,
  parseVersionRef,
  type Task,
} from '../client/index.ts';
import { type HubOptions, hubClient, withHub } from './hub.ts';
import { printJson } from './output.ts';
import { type ProgressBar, progressBar } from './progress-bar.ts';

interface RegisterOptions extends HubOptions {
  format?: string;
  task?: string;
  derivedFrom?: string;
  transform?: string;
  metadata?: string;
  upload?: boolean;
}

/** Whether the hub runs on this machine (and so may read its files). */
function isLocalHub(url: string): boolean {
  return /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(new URL(url).hostname);
}

/** The hub refused the path as one it may not read, or that is not there for it. */
function unreadable(error: unknown): boolean {
  return (
    error instanceof HubError &&
    error.code === 'ValidationError' &&
    error.path?.at(-1) === 'uri' &&
    /outside the allowed roots|no file or folder/.test(error.message)
  );
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
    .option(
      '--upload',
      "send the content to the hub's store (default: when the hub cannot read PATH)",
    )
    .option('--json', 'as JSON')
    .action(async (kind: string, ref: string, path: string, options: RegisterOptions) => {
      if (kind !== 'model' && kind !== 'dataset')
        throw new InvalidArgumentError('register model or register dataset');
      if (Boolean(options.derivedFrom) !== Boolean(options.transform))
        throw new InvalidArgumentError('--derived-from and --transform go together');
      const absolute = resolve(path);
      const { digestMeasured, measureContent } = await import('../resolvers/content/digest.ts');
      const hashing = progressBar('hashing');
      const content = await measureContent(absolute)
        .then((measured) => digestMeasured(absolute, measured, hashing.update))
        .catch((error: Error) => {
          throw new Error(`cannot read ${path}: ${error.message}`);
        })
        .finally(hashing.stop);
      const { digest } = content;
      if (!options.json) console.log(`${digest}  ${path}`);
      const client = await hubClient(options);
      const format = (options.format ?? guessFormat(kind, absolute)).toUpperCase();
      // Content the hub hashes in the background: a bar once it reports progress.
      let hubHashing: ProgressBar | null = null;
      const onHubProgress = (done: number, total: number) => {
        hubHashing ??= progressBar('hub hashing');
        hubHashing.update(done, total);
      };
      const register = (uri: string) => {
        const common = {
          ref,
          uri,
          digest,
          task: options.task?.toUpperCase() as Task,
          metadata: options.metadata ? json(options.metadata) : undefined,
        };
        return kind === 'model'
          ? client.registerModelVersion({ ...common, format: format as ModelFormat }, onHubProgress)
          : client.registerDatasetVersion(
              {
                ...common,
                format: format as DatasetFormat,
                derivedFrom: options.derivedFrom
                  ? { datasetVersion: options.derivedFrom, transform: json(options.transform!) }
                  : null,
              },
              onHubProgress,
            );
      };
      const upload = async () => {
        const uri = await uploadTo(client, parseVersionRef(ref).project, absolute, content);
        return register(uri);
      };
      let uploaded = Boolean(options.upload) || !isLocalHub(client.url);
      const result = await (uploaded
        ? upload()
        : register(absolute).catch((error: unknown) => {
            if (!unreadable(error)) throw error;
            uploaded = true;
            return upload();
          })
      ).finally(() => hubHashing?.stop());
      const version = 'modelVersion' in result ? result.modelVersion : result.datasetVersion;
      if (options.json) return printJson({ created: result.created, uploaded, ...version });
      console.log(
        `${result.created ? 'registered' : 'already registered as'} ${ref.replace(/@.*/, '')}@${version.version} (${version.id})`,
      );
    });
}

/** Uploads the content to the project's store, with a progress bar on a terminal. */
async function uploadTo(
  client: EvalhubClient,
  project: string,
  path: string,
  content: { digest: string; files: Array<{ path: string; hex: string; size: number }> },
): Promise<string> {
  const bar = progressBar('uploading');
  try {
    const isFolder = !(content.files.length === 1 && content.files[0]!.path === '');
    const uploaded = await client.uploadContent(
      project,
      { path, digest: content.digest, isFolder, files: content.files },
      bar.update,
    );
    return uploaded.uri;
  } finally {
    await bar.stop();
  }
}
