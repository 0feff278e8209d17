// `evalhub register` against a hub that cannot read the user's files (its data roots hold
// none of them, as for a hub on another machine): the CLI uploads the content to the hub's
// store, verified there, and registers the version by its content uri.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type CliResult, runEvalhub } from './support/cli.ts';
import {
  coreutilsFileDigest,
  coreutilsFolderDigest,
  tempFolder,
  writeTree,
} from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';

const files = tempFolder();
const store = tempFolder('evalhub-store-');
const home = tempFolder('evalhub-cli-home-');
let t: TestHub;

function evalhub(...args: string[]): Promise<CliResult> {
  return runEvalhub([...args, '--hub', t.hub.url], { home: home.path });
}

beforeAll(async () => {
  t = await startTestHub({
    config: {
      storeDir: store.path,
      hostConfig: { ...loadConfig({}).hostConfig, dataRoots: [join(store.path, 'none')] },
    },
  });
  writeTree(files.path, {
    'model.onnx.bin': Buffer.alloc(20 * 2 ** 20, 3), // more than one chunk
    'data/cat/1.txt': 'a cat',
    'data/cat/2.txt': 'another cat',
    'data/dog/1.txt': 'a dog',
    'data/dog/same.txt': 'a cat',
  });
});

afterAll(async () => {
  await t?.close();
  for (const folder of [files, store, home]) folder.remove();
});

it('uploads a file and a folder the hub cannot read, then registers them by content uri', async () => {
  const modelPath = join(files.path, 'model.onnx.bin');
  const model = await evalhub('register', 'model', 'up/net@v1', modelPath, '--json');
  expect(model.stderr).toBe('');
  expect(JSON.parse(model.stdout)).toMatchObject({
    created: true,
    uploaded: true,
    digest: coreutilsFileDigest(modelPath),
    uri: `content:${coreutilsFileDigest(modelPath)}`,
    sizeBytes: 20 * 2 ** 20,
  });

  const dataPath = join(files.path, 'data');
  const dataset = await evalhub('register', 'dataset', 'up/pets@v1', dataPath);
  expect(dataset.code, dataset.stderr).toBe(0);
  expect(dataset.stdout).toContain(`${coreutilsFolderDigest(dataPath)}  ${dataPath}`);
  expect(dataset.stdout).toContain('registered up/pets@v1');

  // Already in the store for this project: registered again under another label, nothing sent.
  const again = await evalhub('register', 'dataset', 'up/pets@v2', dataPath, '--upload', '--json');
  expect(JSON.parse(again.stdout)).toMatchObject({
    created: false,
    uploaded: true,
    digest: coreutilsFolderDigest(dataPath),
  });
});

it('says in one line why an upload was refused', async () => {
  const path = join(files.path, 'data/cat/1.txt');
  // A project name the hub refuses: one line on stderr, no stack trace.
  const refused = await evalhub('register', 'model', 'Not_A_Slug/net@v1', path, '--upload');
  expect(refused.code).not.toBe(0);
  expect(refused.stderr.trim().split('\n')).toHaveLength(1);
});
