// An actor sees and changes only its own projects, by every road in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/resolvers/core/actor.ts';
import { graphql } from './gql/index.ts';
import { tempFolder, writeTree } from './support/files.ts';
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

const Everything = graphql(`
  query Everything {
    projects { edges { node { slug models { totalCount } } } }
    models { totalCount edges { node { name } } }
    datasets { totalCount }
    workflows { totalCount }
  }
`);

const ById = graphql(`
  query ById($id: ID!) { node(id: $id) { id } }
`);

const ProjectBySlug = graphql(`
  query ProjectBySlug($slug: String!) { project(slug: $slug) { slug } }
`);

const alice: Actor = memberOf('token:alice', ['alpha']);
let t: TestHub;
const files = tempFolder();
let secretModelId: string;
let secretVersionId: string;

beforeAll(async () => {
  t = await startTestHub();
  writeTree(files.path, {
    'a.onnx': onnxBytes('alpha'),
    'b.onnx': onnxBytes('beta'),
    'd/x/1.png': 'px',
  });
  await t.graphql(RegisterModel, {
    input: { project: 'alpha', name: 'shared-name', task: 'OTHER' },
  });
  const secret = await t.graphql(RegisterModel, {
    input: { project: 'beta', name: 'shared-name', task: 'OTHER' },
  });
  secretModelId = expectType(secret.data.registerModel, 'RegisterModelPayload').model.id;
  const version = await t.graphql(RegisterModelVersion, {
    input: { model: 'beta/shared-name', uri: `${files.path}/b.onnx`, format: 'ONNX' },
  });
  secretVersionId = expectType(version.data.registerModelVersion, 'RegisterModelVersionPayload')
    .modelVersion.id;
  await t.graphql(RegisterDataset, {
    input: { project: 'beta', name: 'secret-data', task: 'OTHER' },
  });
  await t.graphql(RegisterDatasetVersion, {
    input: {
      dataset: 'beta/secret-data',
      version: 'v1',
      uri: `${files.path}/d`,
      format: 'IMAGE_FOLDER',
    },
  });
});

afterAll(async () => {
  await t.close();
  files.remove();
});

describe('reads', () => {
  it('lists only the projects and entries of the actor', async () => {
    const { data } = await t.graphql(Everything, {}, { as: alice });
    expect(data.projects.edges).toEqual([{ node: { slug: 'alpha', models: { totalCount: 1 } } }]);
    expect(data.models.totalCount).toBe(1);
    expect(data.datasets.totalCount).toBe(0);
    const operator = await t.graphql(Everything, {});
    expect(operator.data.models.totalCount).toBe(2);
  });

  it('does not reveal an object of another project by id', async () => {
    for (const id of [secretModelId, secretVersionId]) {
      expect((await t.graphql(ById, { id }, { as: alice })).data.node).toBeNull();
      expect((await t.graphql(ById, { id })).data.node).toEqual({ id });
    }
    expect(
      (await t.graphql(ProjectBySlug, { slug: 'beta' }, { as: alice })).data.project,
    ).toBeNull();
  });
});

describe('writes', () => {
  it('cannot create or use a project outside its scope', async () => {
    const projects = await countRows(t, 'projects');
    const created = await t.graphql(
      RegisterModel,
      { input: { project: 'gamma', name: 'm', task: 'OTHER' } },
      { as: alice },
    );
    expect(expectType(created.data.registerModel, 'NotFoundError').message).toContain('gamma');
    const inBeta = await t.graphql(
      RegisterModel,
      { input: { project: 'beta', name: 'mine', task: 'OTHER' } },
      { as: alice },
    );
    expectType(inBeta.data.registerModel, 'NotFoundError');
    expect(await countRows(t, 'projects')).toBe(projects);
  });

  it('cannot reach another project through references', async () => {
    for (const model of ['beta/shared-name', secretModelId]) {
      const { data } = await t.graphql(
        RegisterModelVersion,
        { input: { model, uri: `${files.path}/a.onnx`, format: 'ONNX' } },
        { as: alice },
      );
      expectType(data.registerModelVersion, 'NotFoundError');
    }
    const { data } = await t.graphql(
      RegisterModelVersion,
      {
        input: {
          model: 'alpha/shared-name',
          uri: `${files.path}/a.onnx`,
          format: 'ONNX',
          trainedOn: ['beta/secret-data@v1'],
        },
      },
      { as: alice },
    );
    expect(expectType(data.registerModelVersion, 'NotFoundError')).toMatchObject({
      entity: 'dataset version',
      ref: 'beta/secret-data@v1',
    });
  });

  it('records who made each change', async () => {
    const { data } = await t.graphql(
      RegisterModelVersion,
      { input: { model: 'alpha/shared-name', uri: `${files.path}/a.onnx`, format: 'ONNX' } },
      { as: alice },
    );
    expect(
      expectType(data.registerModelVersion, 'RegisterModelVersionPayload').modelVersion.createdBy,
    ).toBe('token:alice');
  });
});
