// An ONNX model version is opened when it is registered: its inputs, outputs, opsets, IR
// version and producer come back as ModelVersion.signature, and a file that is not an ONNX
// model is refused then (ModelContentError), with nothing written.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import op from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { onnxModel } from './support/onnx-models.ts';
import { expectType, RegisterModel } from './support/registry-documents.ts';
import { countRows } from './support/rows.ts';

const { onnx } = op;

const RegisterWithSignature = graphql(`
  mutation RegisterWithSignature($input: RegisterModelVersionInput!) {
    registerModelVersion(input: $input) {
      __typename
      ... on Error { message }
      ... on ModelContentError { format path }
      ... on RegisterModelVersionPayload {
        modelVersion {
          id
          signature {
            irVersion
            producer
            opsets { domain version }
            inputs { name elementType shape }
            outputs { name elementType shape }
          }
        }
      }
    }
  }
`);

const VersionSignature = graphql(`
  query VersionSignature($id: ID!) {
    node(id: $id) {
      ... on ModelVersion { format signature { inputs { name shape } outputs { name } } }
    }
  }
`);

/** A detector-like model: two inputs (one with symbolic dims), two outputs, two opsets. */
function detectorBytes(): Buffer {
  const model = onnx.ModelProto.decode(
    onnxModel({
      nodes: [
        { opType: 'Identity', input: ['image'], output: ['boxes'] },
        { opType: 'Identity', input: ['scale'], output: ['count'] },
      ],
      inputs: [
        { name: 'image', shape: ['batch', 3, 'height', 'width'] },
        { name: 'scale', shape: [1], type: 'int64' },
      ],
      outputs: [
        { name: 'boxes', shape: ['batch', 'detections', 4] },
        { name: 'count', shape: [1], type: 'int64' },
      ],
    }),
  );
  model.producerVersion = '2.3.0';
  model.opsetImport.push({ domain: 'ai.onnx.ml', version: 3 });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

const files = tempFolder();
const store = tempFolder('evalhub-store-');
let t: TestHub;

beforeAll(async () => {
  t = await startTestHub({ config: { storeDir: store.path } });
  writeTree(files.path, {
    'detector.onnx': detectorBytes(),
    'notes.onnx': 'these are release notes, not a model\n',
    'weights.bin': Buffer.from([1, 2, 3, 4]),
  });
  await t.graphql(RegisterModel, { input: { project: 'sig', name: 'det', task: 'OTHER' } });
});

afterAll(async () => {
  await t?.close();
  files.remove();
  store.remove();
});

describe('registering an ONNX model version', () => {
  it('records the inputs, outputs, opsets, IR version and producer read from the file', async () => {
    const { data } = await t.graphql(RegisterWithSignature, {
      input: {
        model: 'sig/det',
        version: 'v1',
        uri: join(files.path, 'detector.onnx'),
        format: 'ONNX',
      },
    });
    const { modelVersion } = expectType(data.registerModelVersion, 'RegisterModelVersionPayload');
    expect(modelVersion.signature).toEqual({
      irVersion: 8,
      producer: 'evalhub-tests 2.3.0',
      opsets: [
        { domain: 'ai.onnx', version: 17 },
        { domain: 'ai.onnx.ml', version: 3 },
      ],
      inputs: [
        { name: 'image', elementType: 'float32', shape: ['batch', '3', 'height', 'width'] },
        { name: 'scale', elementType: 'int64', shape: ['1'] },
      ],
      outputs: [
        { name: 'boxes', elementType: 'float32', shape: ['batch', 'detections', '4'] },
        { name: 'count', elementType: 'int64', shape: ['1'] },
      ],
    });
    // Stored, not read again: the version found later has the same signature.
    const found = await t.graphql(VersionSignature, { id: modelVersion.id });
    expect(found.data.node).toMatchObject({
      format: 'ONNX',
      signature: {
        inputs: [{ name: 'image', shape: ['batch', '3', 'height', 'width'] }, { name: 'scale' }],
        outputs: [{ name: 'boxes' }, { name: 'count' }],
      },
    });
  });

  it('refuses a text file registered as ONNX, writing no version and no audit record', async () => {
    const [versions, audit] = [
      await countRows(t, 'model_versions'),
      await countRows(t, 'audit_log'),
    ];
    const { data } = await t.graphql(RegisterWithSignature, {
      input: {
        model: 'sig/det',
        version: 'notes',
        uri: join(files.path, 'notes.onnx'),
        format: 'ONNX',
      },
    });
    const refused = expectType(data.registerModelVersion, 'ModelContentError');
    expect(refused).toMatchObject({ format: 'ONNX', path: ['input', 'uri'] });
    expect(refused.message).toMatch(/^not an ONNX model: /);
    expect(await countRows(t, 'model_versions')).toBe(versions);
    expect(await countRows(t, 'audit_log')).toBe(audit);
  });

  it('opens uploaded content too: a text file uploaded and registered as ONNX is refused', async () => {
    const bytes = Buffer.from('uploaded text, not a model');
    const hex = createHash('sha256').update(bytes).digest('hex');
    const put = await fetch(`${t.hub.url}/api/v1/content/sha256/${hex}?project=sig`, {
      method: 'PUT',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.status).toBe(201);
    const versions = await countRows(t, 'model_versions');
    const { data } = await t.graphql(RegisterWithSignature, {
      input: { model: 'sig/det', uri: `content:sha256:${hex}`, format: 'ONNX' },
    });
    expectType(data.registerModelVersion, 'ModelContentError');
    expect(await countRows(t, 'model_versions')).toBe(versions);
  });

  it('records no signature for another format, nor for a model at a uri the hub cannot read', async () => {
    const other = await t.graphql(RegisterWithSignature, {
      input: {
        model: 'sig/det',
        version: 'bin',
        uri: join(files.path, 'weights.bin'),
        format: 'OTHER',
      },
    });
    expect(
      expectType(other.data.registerModelVersion, 'RegisterModelVersionPayload').modelVersion
        .signature,
    ).toBeNull();
    const remote = await t.graphql(RegisterWithSignature, {
      input: {
        model: 'sig/det',
        version: 'remote',
        uri: 's3://models/det.onnx',
        format: 'ONNX',
        digest: `sha256:${'ab'.repeat(32)}`,
      },
    });
    expect(
      expectType(remote.data.registerModelVersion, 'RegisterModelVersionPayload').modelVersion
        .signature,
    ).toBeNull();
  });
});
