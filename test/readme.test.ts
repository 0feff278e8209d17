// The curl examples of README.md, run as written against a live hub: they keep working.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempFolder } from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';

let t: TestHub;
const scratch = tempFolder();

beforeAll(async () => {
  t = await startTestHub();
});

afterAll(async () => {
  await t.close();
  scratch.remove();
});

function curlSection(): string {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Using the API with curl'),
    readme.indexOf('## Digests'),
  );
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');
}

it('the curl examples register, verify and read back a model version and a dataset version', async () => {
  const script = curlSection()
    .replaceAll('http://localhost:4000', t.hub.url)
    .replaceAll('/tmp/', `${scratch.path}/`);
  // Asynchronously: the hub answering the requests runs in this very process.
  const { stdout: output } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script]);
  const lines = output.trim().split('\n');
  const responses = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
  expect(responses.length).toBeGreaterThanOrEqual(9);
  for (const response of responses) {
    expect(response.errors).toBeUndefined();
    expect(JSON.stringify(response)).not.toMatch(/"__typename":"\w*Error"/);
  }
  const coreutils = lines.find((line) => /^[0-9a-f]{64} {2}-$/.test(line))!.slice(0, 64);
  const datasetVersion = responses.find(
    (r) => r.data.registerDatasetVersion?.datasetVersion?.version === 'v1',
  );
  expect(datasetVersion.data.registerDatasetVersion.datasetVersion).toMatchObject({
    digest: `sha256:${coreutils}`,
    itemCount: 3,
    labels: ['cat', 'dog'],
  });
  // The ONNX model the README writes is opened at registration.
  const model = responses.find((r) => r.data.registerModelVersion)!.data.registerModelVersion;
  expect(model.modelVersion.signature).toEqual({
    inputs: [{ name: 'x', elementType: 'float32', shape: ['N', '2'] }],
    outputs: [{ name: 'y' }],
  });
  const models = responses.find((r) => r.data.models)!.data.models;
  expect(models.edges[0].node.versions.edges[0].node).toMatchObject({
    version: 'v1',
    uri: `file://${scratch.path}/resnet50.onnx`,
  });
  const derived = responses.find(
    (r) => r.data.registerDatasetVersion?.datasetVersion?.version === 'v1-blur2',
  );
  expect(derived.data.registerDatasetVersion.datasetVersion).toMatchObject({
    derivedFrom: { version: 'v1' },
    transform: { name: 'gaussian_blur', sigma: 2 },
  });
});
