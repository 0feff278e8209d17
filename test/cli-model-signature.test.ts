// `evalhub models show` prints each ONNX model version's inputs and outputs, read by the hub
// when it was registered; `--json` carries the whole signature. `evalhub register` of a file
// that is not an ONNX model fails with the hub's one-line refusal.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliResult, runEvalhub } from './support/cli.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { onnxModel } from './support/onnx-models.ts';

const files = tempFolder();
const home = tempFolder('evalhub-cli-home-');
let t: TestHub;

function evalhub(...args: string[]): Promise<CliResult> {
  return runEvalhub([...args, '--hub', t.hub.url], { home: home.path });
}

beforeAll(async () => {
  t = await startTestHub();
  writeTree(files.path, {
    'classifier.onnx': Buffer.from(
      onnxModel({
        nodes: [{ opType: 'Identity', input: ['pixels'], output: ['scores'] }],
        inputs: [{ name: 'pixels', shape: ['batch', 3, 32, 32] }],
        outputs: [{ name: 'scores', shape: ['batch', 10] }],
      }),
    ),
    'readme.onnx': 'a text file, not a model\n',
  });
});

afterAll(async () => {
  await t?.close();
  for (const folder of [files, home]) folder.remove();
});

it('shows a model version with the inputs and outputs the hub read from it', async () => {
  const registered = await evalhub(
    'register',
    'model',
    'sig/classifier@v1',
    join(files.path, 'classifier.onnx'),
  );
  expect(registered.code, registered.stderr).toBe(0);

  const shown = await evalhub('models', 'show', 'sig/classifier');
  expect(shown.code, shown.stderr).toBe(0);
  const [header, row] = shown.stdout.trim().split('\n').slice(-2);
  expect(header).toMatch(/INPUTS\s+OUTPUTS$/);
  expect(row).toMatch(/^v1 .*pixels:float32\[batch,3,32,32\]\s+scores:float32\[batch,10\]$/);

  const json = await evalhub('models', 'show', 'sig/classifier', '--json');
  expect(JSON.parse(json.stdout).versions[0].signature).toEqual({
    irVersion: 8,
    producer: 'evalhub-tests',
    opsets: [{ domain: 'ai.onnx', version: 17 }],
    inputs: [{ name: 'pixels', elementType: 'float32', shape: ['batch', '3', '32', '32'] }],
    outputs: [{ name: 'scores', elementType: 'float32', shape: ['batch', '10'] }],
  });
});

it('refuses to register a text file as an ONNX model, and records nothing', async () => {
  const refused = await evalhub(
    'register',
    'model',
    'sig/classifier@readme',
    join(files.path, 'readme.onnx'),
  );
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain('not an ONNX model');
  expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  const shown = await evalhub('models', 'show', 'sig/classifier', '--json');
  expect(JSON.parse(shown.stdout).versions.map((v: { version: string }) => v.version)).toEqual([
    'v1',
  ]);
});
