// Registering models, datasets and their content-addressed versions through the API.
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import {
  coreutilsFileDigest,
  coreutilsFolderDigest,
  tempFolder,
  writeTree,
} from './support/files.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { onnxBytes } from './support/onnx-models.ts';
import {
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
  RegisterModel,
  RegisterModelVersion,
} from './support/registry-documents.ts';
import { countRows } from './support/rows.ts';

const SourceDerivations = graphql(`
  query SourceDerivations($id: ID!) {
    node(id: $id) {
      ... on DatasetVersion { version derivations { totalCount edges { node { version } } } }
    }
  }
`);

let t: TestHub;
const files = tempFolder();

beforeAll(async () => {
  t = await startTestHub();
  writeTree(files.path, {
    'model-a.onnx': onnxBytes('model a weights'),
    'model-b.onnx': onnxBytes('model b weights'),
    'pets/cat/1.png': Buffer.from('cat one'),
    'pets/cat/2.png': Buffer.from('cat two'),
    'pets/dog/1.jpg': Buffer.from('dog one'),
    'pets/dog/nested/2 with space.jpg': Buffer.from('dog two'),
    'pets/README.txt': 'not an image',
    'pets-blurred/cat/1.png': Buffer.from('blurred cat'),
    'pets-blurred/dog/1.jpg': Buffer.from('blurred dog'),
    'pets-noisy/cat/1.png': Buffer.from('noisy cat'),
    'pets-noisy/dog/1.jpg': Buffer.from('noisy dog'),
  });
  for (const name of ['resnet', 'vit']) {
    await t.graphql(RegisterModel, {
      input: { project: 'vision', name, task: 'IMAGE_CLASSIFICATION' },
    });
  }
  await t.graphql(RegisterDataset, {
    input: { project: 'vision', name: 'pets', task: 'IMAGE_CLASSIFICATION' },
  });
});

afterAll(async () => {
  await t.close();
  files.remove();
});

describe('registerModel', () => {
  it('creates a project on first use and returns the model', async () => {
    const { data } = await t.graphql(RegisterModel, {
      input: { project: 'audio', name: 'whisper', task: 'OTHER', tags: ['ASR', 'asr', 'speech'] },
    });
    const payload = expectType(data.registerModel, 'RegisterModelPayload');
    expect(payload.created).toBe(true);
    expect(payload.model).toMatchObject({
      name: 'whisper',
      tags: ['asr', 'speech'],
      project: { slug: 'audio' },
    });
  });

  it('returns the same model when registered again, updating description and tags', async () => {
    const input = { project: 'audio', name: 'wav2vec', task: 'OTHER' as const };
    const first = expectType(
      (await t.graphql(RegisterModel, { input })).data.registerModel,
      'RegisterModelPayload',
    );
    const again = expectType(
      (
        await t.graphql(RegisterModel, {
          input: { ...input, description: 'self-supervised', tags: ['speech'] },
        })
      ).data.registerModel,
      'RegisterModelPayload',
    );
    expect(again.created).toBe(false);
    expect(again.model.id).toBe(first.model.id);
    expect(again.model).toMatchObject({ description: 'self-supervised', tags: ['speech'] });
  });

  it('refuses to change the task of a registered model', async () => {
    const { data } = await t.graphql(RegisterModel, {
      input: { project: 'vision', name: 'resnet', task: 'OBJECT_DETECTION' },
    });
    const error = expectType(data.registerModel, 'ConflictError');
    expect(error.message).toContain('IMAGE_CLASSIFICATION');
    expect(error.existingId).toBeTruthy();
  });

  it('rejects a project that is not a slug, and writes nothing', async () => {
    const before = await countRows(t, 'projects');
    const { data } = await t.graphql(RegisterModel, {
      input: { project: 'Not A Slug', name: 'x', task: 'OTHER' },
    });
    expect(expectType(data.registerModel, 'ValidationError').path).toEqual(['input', 'project']);
    expect(await countRows(t, 'projects')).toBe(before);
  });
});

describe('registerModelVersion', () => {
  it('computes the digest of a local file as sha256sum does', async () => {
    const path = `${files.path}/model-a.onnx`;
    const { data } = await t.graphql(RegisterModelVersion, {
      input: {
        model: 'vision/resnet',
        uri: path,
        format: 'ONNX',
        metadata: { index2label: { 0: 'cat', 1: 'dog' } },
      },
    });
    const { modelVersion, created } = expectType(
      data.registerModelVersion,
      'RegisterModelVersionPayload',
    );
    expect(created).toBe(true);
    expect(data.registerModelVersion).toMatchObject({ alreadyRegisteredAs: null });
    expect(modelVersion.digest).toBe(coreutilsFileDigest(path));
    expect(modelVersion).toMatchObject({
      version: 'v1',
      uri: `file://${path}`,
      sizeBytes: statSync(path).size,
      labels: ['cat', 'dog'],
      createdBy: 'local:tester',
      model: { name: 'resnet' },
    });
  });

  it('returns the existing version for identical content, whatever label is asked for', async () => {
    const path = `${files.path}/model-a.onnx`;
    const first = await t.graphql(RegisterModelVersion, {
      input: { model: 'vision/resnet', uri: path, format: 'ONNX' },
    });
    const again = await t.graphql(RegisterModelVersion, {
      input: { model: 'vision/resnet', version: 'v9', uri: `file://${path}`, format: 'ONNX' },
    });
    const a = expectType(first.data.registerModelVersion, 'RegisterModelVersionPayload');
    const b = expectType(again.data.registerModelVersion, 'RegisterModelVersionPayload');
    expect([a.created, b.created]).toEqual([false, false]);
    expect(b.modelVersion.id).toBe(a.modelVersion.id);
    expect(b.modelVersion.version).toBe('v1');
    // The label it has, said, so that v9 is not taken for recorded.
    expect([a.alreadyRegisteredAs, b.alreadyRegisteredAs]).toEqual(['v1', 'v1']);
  });

  it('refuses new content under a label already used, and changes nothing', async () => {
    const before = await countRows(t, 'model_versions');
    const auditBefore = await countRows(t, 'audit_log');
    const { data } = await t.graphql(RegisterModelVersion, {
      input: {
        model: 'vision/resnet',
        version: 'v1',
        uri: `${files.path}/model-b.onnx`,
        format: 'ONNX',
      },
    });
    const error = expectType(data.registerModelVersion, 'ConflictError');
    expect(error.message).toContain('resnet@v1 already holds other content');
    expect(await countRows(t, 'model_versions')).toBe(before);
    expect(await countRows(t, 'audit_log')).toBe(auditBefore);
  });

  it('numbers versions v1, v2... when no label is given', async () => {
    const { data } = await t.graphql(RegisterModelVersion, {
      input: { model: 'vision/resnet', uri: `${files.path}/model-b.onnx`, format: 'ONNX' },
    });
    expect(
      expectType(data.registerModelVersion, 'RegisterModelVersionPayload').modelVersion.version,
    ).toBe('v2');
  });

  it('checks a given digest against the content', async () => {
    const path = `${files.path}/model-b.onnx`;
    const wrong = `sha256:${'0'.repeat(64)}`;
    const { data } = await t.graphql(RegisterModelVersion, {
      input: { model: 'vision/vit', uri: path, format: 'ONNX', digest: wrong },
    });
    expect(expectType(data.registerModelVersion, 'DigestMismatchError')).toMatchObject({
      expected: wrong,
      actual: coreutilsFileDigest(path),
    });
    const right = await t.graphql(RegisterModelVersion, {
      input: {
        model: 'vision/vit',
        uri: path,
        format: 'ONNX',
        digest: coreutilsFileDigest(path).toUpperCase().replace('SHA256', 'sha256'),
      },
    });
    expect(expectType(right.data.registerModelVersion, 'RegisterModelVersionPayload').created).toBe(
      true,
    );
  });

  it('takes the caller digest for remote content, and requires it', async () => {
    const missing = await t.graphql(RegisterModelVersion, {
      input: { model: 'vision/vit', uri: 's3://models/vit.onnx', format: 'ONNX' },
    });
    expect(expectType(missing.data.registerModelVersion, 'ValidationError').path).toEqual([
      'input',
      'digest',
    ]);
    const digest = `sha256:${'ab'.repeat(32)}`;
    const given = await t.graphql(RegisterModelVersion, {
      input: {
        model: 'vision/vit',
        version: 'remote',
        uri: 's3://models/vit.onnx',
        format: 'ONNX',
        digest,
      },
    });
    const { modelVersion } = expectType(
      given.data.registerModelVersion,
      'RegisterModelVersionPayload',
    );
    expect(modelVersion).toMatchObject({ digest, uri: 's3://models/vit.onnx', sizeBytes: null });
  });

  it.each([
    ['a relative path', { uri: 'models/a.onnx' }, ['input', 'uri'], 'absolute path'],
    [
      'a missing file',
      { uri: `${files.path}/missing.onnx` },
      ['input', 'uri'],
      'no file or folder',
    ],
    [
      'a path outside the allowed roots',
      { uri: '/nonexistent/a.onnx' },
      ['input', 'uri'],
      'outside the allowed roots',
    ],
    ['a malformed digest', { uri: 's3://x', digest: 'md5:abc' }, ['input', 'digest'], 'sha256:'],
    ['an ONNX folder', { uri: files.path }, ['input', 'uri'], 'single file'],
    [
      'index2label with a gap',
      { metadata: { index2label: { 0: 'a', 2: 'b' } } },
      ['input', 'metadata', 'index2label'],
      'gaps',
    ],
    ['a bad label', { version: 'has space' }, ['input', 'version'], 'version label'],
  ])('rejects %s with a ValidationError', async (_case, change, path, text) => {
    const input = {
      model: 'vision/vit',
      uri: `${files.path}/model-a.onnx`,
      format: 'ONNX' as const,
      ...change,
    };
    const before = await countRows(t, 'model_versions');
    const { data } = await t.graphql(RegisterModelVersion, { input });
    const error = expectType(data.registerModelVersion, 'ValidationError');
    expect(error.path).toEqual(path);
    expect(error.message).toContain(text);
    expect(await countRows(t, 'model_versions')).toBe(before);
  });

  it('reports an unknown model as not found', async () => {
    const { data } = await t.graphql(RegisterModelVersion, {
      input: { model: 'vision/nope', uri: `${files.path}/model-a.onnx`, format: 'ONNX' },
    });
    expect(expectType(data.registerModelVersion, 'NotFoundError')).toMatchObject({
      entity: 'model',
      ref: 'vision/nope',
    });
  });

  it('records the dataset versions a model was trained on', async () => {
    const dataset = await t.graphql(RegisterDatasetVersion, {
      input: {
        dataset: 'vision/pets',
        version: 'train',
        uri: `${files.path}/pets-blurred`,
        format: 'IMAGE_FOLDER',
      },
    });
    const trainId = expectType(dataset.data.registerDatasetVersion, 'RegisterDatasetVersionPayload')
      .datasetVersion.id;
    await t.graphql(RegisterModel, {
      input: { project: 'vision', name: 'finetuned', task: 'IMAGE_CLASSIFICATION' },
    });
    const { data } = await t.graphql(RegisterModelVersion, {
      input: {
        model: 'vision/finetuned',
        uri: `${files.path}/model-a.onnx`,
        format: 'ONNX',
        trainedOn: ['vision/pets@train'],
      },
    });
    const { modelVersion } = expectType(data.registerModelVersion, 'RegisterModelVersionPayload');
    expect(modelVersion.trainedOn).toEqual([{ id: trainId, version: 'train' }]);
  });
});

describe('registerDatasetVersion', () => {
  it('computes the folder digest exactly as the coreutils pipeline does, and reads the label set', async () => {
    const path = `${files.path}/pets`;
    const { data } = await t.graphql(RegisterDatasetVersion, {
      input: { dataset: 'vision/pets', version: 'v1', uri: path, format: 'IMAGE_FOLDER' },
    });
    const { datasetVersion } = expectType(
      data.registerDatasetVersion,
      'RegisterDatasetVersionPayload',
    );
    expect(datasetVersion.digest).toBe(coreutilsFolderDigest(path));
    expect(datasetVersion).toMatchObject({
      itemCount: 4,
      labels: ['cat', 'dog'],
      sizeBytes: 4 * 7 + 12,
      derivedFrom: null,
    });
  });

  it('records a derived version with its transform, linked both ways', async () => {
    const { data } = await t.graphql(RegisterDatasetVersion, {
      input: {
        dataset: 'vision/pets',
        version: 'v1-noise',
        uri: `${files.path}/pets-noisy`,
        format: 'IMAGE_FOLDER',
        derivedFrom: {
          datasetVersion: 'vision/pets@v1',
          transform: { name: 'gaussian_noise', std: 0.1 },
        },
      },
    });
    const { datasetVersion } = expectType(
      data.registerDatasetVersion,
      'RegisterDatasetVersionPayload',
    );
    expect(datasetVersion.derivedFrom?.version).toBe('v1');
    expect(datasetVersion.transform).toEqual({ name: 'gaussian_noise', std: 0.1 });
    const source = await t.graphql(SourceDerivations, { id: datasetVersion.derivedFrom!.id });
    expect(source.data.node).toMatchObject({
      derivations: { totalCount: 1, edges: [{ node: { version: 'v1-noise' } }] },
    });
  });

  it('lists only the derivations in projects the reader may see', async () => {
    await t.graphql(RegisterDataset, {
      input: { project: 'elsewhere', name: 'pets-copy', task: 'IMAGE_CLASSIFICATION' },
    });
    const { data } = await t.graphql(RegisterDatasetVersion, {
      input: {
        dataset: 'elsewhere/pets-copy',
        version: 'v1-blur',
        uri: `${files.path}/pets-noisy`,
        format: 'IMAGE_FOLDER',
        derivedFrom: { datasetVersion: 'vision/pets@v1', transform: { name: 'blur' } },
      },
    });
    const { datasetVersion } = expectType(
      data.registerDatasetVersion,
      'RegisterDatasetVersionPayload',
    );
    const source = datasetVersion.derivedFrom!.id;
    const everyone = await t.graphql(SourceDerivations, { id: source });
    expect(everyone.data.node).toMatchObject({ derivations: { totalCount: 2 } });
    // A reader of vision alone learns nothing of the copy in a project they may not see.
    const reader = memberOf('test:vision', ['vision'], 'viewer');
    const seen = await t.graphql(SourceDerivations, { id: source }, { as: reader });
    expect(seen.data.node).toEqual({
      version: 'v1',
      derivations: { totalCount: 1, edges: [{ node: { version: 'v1-noise' } }] },
    });
  });

  it('rejects a transform that is not an object', async () => {
    const { data } = await t.graphql(RegisterDatasetVersion, {
      input: {
        dataset: 'vision/pets',
        uri: `${files.path}/model-b.onnx`,
        format: 'OTHER',
        derivedFrom: { datasetVersion: 'vision/pets@v1', transform: 'blur' },
      },
    });
    expect(expectType(data.registerDatasetVersion, 'ValidationError').path).toEqual([
      'input',
      'derivedFrom',
      'transform',
    ]);
  });

  it('refuses an image folder that is a file', async () => {
    const { data } = await t.graphql(RegisterDatasetVersion, {
      input: { dataset: 'vision/pets', uri: `${files.path}/model-a.onnx`, format: 'IMAGE_FOLDER' },
    });
    expect(expectType(data.registerDatasetVersion, 'ValidationError').message).toContain(
      'single folder',
    );
  });
});

describe('concurrent registrations', () => {
  it('record one project, one model and one version however many race', async () => {
    writeTree(files.path, { 'race.onnx': onnxBytes('raced weights') });
    // The project exists already, so nothing serialises the racers before the model insert.
    await t.graphql(RegisterModel, { input: { project: 'race', name: 'starter', task: 'OTHER' } });
    const models = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.graphql(RegisterModel, { input: { project: 'race', name: 'racer', task: 'OTHER' } }),
      ),
    );
    const modelIds = models.map(
      (r) => expectType(r.data.registerModel, 'RegisterModelPayload').model.id,
    );
    expect(new Set(modelIds).size).toBe(1);
    const versions = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.graphql(RegisterModelVersion, {
          input: { model: 'race/racer', uri: `${files.path}/race.onnx`, format: 'ONNX' },
        }),
      ),
    );
    const payloads = versions.map((r) =>
      expectType(r.data.registerModelVersion, 'RegisterModelVersionPayload'),
    );
    expect(new Set(payloads.map((p) => p.modelVersion.id)).size).toBe(1);
    expect(payloads.filter((p) => p.created)).toHaveLength(1);
  });
});
