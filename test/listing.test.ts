// Lists, filters, pages and node lookups, and what they cost in SQL statements.

import type { ResultOf } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { onnxBytes } from './support/onnx-models.ts';
import {
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
  RegisterModel,
  RegisterModelVersion,
} from './support/registry-documents.ts';

const ModelsWithVersions = graphql(`
  query ModelsWithVersions($first: Int, $after: String, $last: Int, $before: String, $filter: ModelFilter, $orderBy: CatalogueOrder) {
    models(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        cursor
        node {
          id name tags task
          project { slug }
          versions(first: 3) { totalCount edges { node { id version digest } } }
        }
      }
    }
  }
`);

const ModelsWithTheirVersionsModel = graphql(`
  query ModelsWithTheirVersionsModel($first: Int) {
    models(first: $first) {
      edges { node { name project { slug } versions(first: 5) { edges { node { version model { name } } } } } }
    }
  }
`);

const NodeLookup = graphql(`
  query NodeLookup($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ... on Model { name }
      ... on ModelVersion { version model { name } }
      ... on Dataset { name }
      ... on DatasetVersion { version }
      ... on Project { slug }
    }
  }
`);

const ProjectsWithEverything = graphql(`
  query ProjectsWithEverything {
    projects(first: 10) {
      totalCount
      edges { node { slug models(first: 2) { totalCount edges { node { name } } } datasets { totalCount } } }
    }
  }
`);

type ModelsPage = ResultOf<typeof ModelsWithVersions>;

let t: TestHub;
const files = tempFolder();
const modelNames = Array.from({ length: 50 }, (_, i) => `model-${String(i).padStart(2, '0')}`);

beforeAll(async () => {
  t = await startTestHub();
  for (const [i, name] of modelNames.entries()) {
    const project = i % 2 === 0 ? 'even' : 'odd';
    const tags = i % 5 === 0 ? ['fives'] : [];
    const task = i < 40 ? 'IMAGE_CLASSIFICATION' : 'OBJECT_DETECTION';
    await t.graphql(RegisterModel, { input: { project, name, task, tags } });
    // Models 0..9 get two versions each, so version pages hold more than one item.
    for (let v = 0; v < (i < 10 ? 2 : 1); v += 1) {
      const path = writeTree(files.path, {
        [`${name}-${v}.onnx`]: onnxBytes(`${name} weights ${v}`),
      });
      const { data } = await t.graphql(RegisterModelVersion, {
        input: { model: `${project}/${name}`, uri: `${path}/${name}-${v}.onnx`, format: 'ONNX' },
      });
      expectType(data.registerModelVersion, 'RegisterModelVersionPayload');
    }
  }
});

afterAll(async () => {
  await t.close();
  files.remove();
});

describe('models', () => {
  it('lists 50 models with their versions in 3 SQL statements', async () => {
    const { data, statements } = await t.graphql(ModelsWithVersions, { first: 50 });
    expect(data.models.totalCount).toBe(50);
    expect(data.models.edges).toHaveLength(50);
    const versionCounts = data.models.edges.map((e) => e.node.versions.totalCount);
    expect(versionCounts.filter((n) => n === 2)).toHaveLength(10);
    expect(
      data.models.edges.every((e) => e.node.versions.edges.length === e.node.versions.totalCount),
    ).toBe(true);
    // One page of models, its count, one batched page of versions (each with its project
    // through a DataLoader that is served by... the same statements as below).
    expect(statements.map(shape)).toMatchInlineSnapshot(`
      [
        "select … from "models" inner join "projects" on "projects"."id" = "models"."project_id" order by "models"."created_at" desc, "models"."id" desc limit ?",
        "select … from "models"",
        "select … from "models" inner join lateral (select … from "model_versions" where "model_versions"."model_id" = "models"."id") "totals" on true left join lateral (select … from "model_versions" where "model_versions"."model_id" = "models"."id" order by "model_versions"."created_at" desc, "model_versions"."id" desc limit ?) "page" on true where "models"."id" = any(?::uuid[]) order by "models"."id", "page"."created_at" desc, "page"."id" desc",
      ]
    `);
  });

  it('costs the same 2 statements for 5 models or 50, their versions naming their model', async () => {
    for (const first of [5, 50]) {
      const { data, statements } = await t.graphql(ModelsWithTheirVersionsModel, { first });
      expect(data.models.edges).toHaveLength(first);
      for (const { node } of data.models.edges)
        for (const version of node.versions.edges) expect(version.node.model.name).toBe(node.name);
      // The page of models (with their projects) and the page of their versions: the models
      // the versions name were listed, so their loader holds them already.
      expect(statements, `first ${first}`).toHaveLength(2);
    }
  });

  it('counts the versions of a page of models only when their totalCount is asked', async () => {
    const { data, statements } = await t.graphql(ModelsWithTheirVersionsModel, { first: 50 });
    expect(data.models.edges.map((e) => e.node.versions.edges.length).sort()).toEqual([
      ...Array(40).fill(1),
      ...Array(10).fill(2),
    ]);
    // The same page of versions as when the count is asked (above), without its "totals".
    expect(shape(statements[1]!)).toMatchInlineSnapshot(
      `"select … from "models" left join lateral (select … from "model_versions" where "model_versions"."model_id" = "models"."id" order by "model_versions"."created_at" desc, "model_versions"."id" desc limit ?) "page" on true where "models"."id" = any(?::uuid[]) order by "models"."id", "page"."created_at" desc, "page"."id" desc"`,
    );
    expect(statements.join('\n')).not.toContain('count(');
  });

  it('pages forward and backward through every model exactly once', async () => {
    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { data }: { data: ModelsPage } = await t.graphql(ModelsWithVersions, {
        first: 7,
        after,
      });
      forward.push(...data.models.edges.map((e) => e.node.name));
      if (!data.models.pageInfo.hasNextPage) break;
      after = data.models.pageInfo.endCursor;
    }
    expect(forward).toEqual([...modelNames].reverse());
    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const { data }: { data: ModelsPage } = await t.graphql(ModelsWithVersions, {
        last: 9,
        before,
      });
      backward.unshift(...data.models.edges.map((e) => e.node.name));
      if (!data.models.pageInfo.hasPreviousPage) break;
      before = data.models.pageInfo.startCursor;
    }
    expect(backward).toEqual(forward);
  });

  it('orders by name and keeps the order across pages', async () => {
    const orderBy = { field: 'NAME' as const, direction: 'ASC' as const };
    const first = await t.graphql(ModelsWithVersions, { first: 30, orderBy });
    const rest = await t.graphql(ModelsWithVersions, {
      first: 30,
      orderBy,
      after: first.data.models.pageInfo.endCursor,
    });
    const names = [...first.data.models.edges, ...rest.data.models.edges].map((e) => e.node.name);
    expect(names).toEqual(modelNames);
    expect(rest.data.models.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses a cursor from another ordering', async () => {
    const byName = await t.graphql(ModelsWithVersions, {
      first: 1,
      orderBy: { field: 'NAME', direction: 'ASC' },
    });
    const { errors } = await t.graphql(ModelsWithVersions, {
      first: 1,
      after: byName.data.models.pageInfo.endCursor,
    });
    expect(errors?.[0]?.message).toContain('belongs to the ordering NAME_ASC');
  });

  it.each([
    [{ project: 'odd' }, 25],
    [{ search: 'DEL-4' }, 10],
    [{ tag: 'fives' }, 10],
    [{ task: 'OBJECT_DETECTION' as const }, 10],
    [{ project: 'even', tag: 'fives', task: 'IMAGE_CLASSIFICATION' as const }, 4],
    [{ search: '%' }, 0],
  ])('filters by %j', async (filter, expected) => {
    const { data } = await t.graphql(ModelsWithVersions, { first: 100, filter });
    expect(data.models.totalCount).toBe(expected);
    expect(data.models.edges).toHaveLength(expected);
  });

  it('refuses page sizes out of range', async () => {
    const { errors } = await t.graphql(ModelsWithVersions, { first: 501 });
    expect(errors?.[0]?.message).toContain('first must be a whole number from 0 to 500');
  });
});

describe('projects', () => {
  it('lists projects with nested pages of their models in a fixed number of statements', async () => {
    const { data, statements } = await t.graphql(ProjectsWithEverything, {});
    expect(
      data.projects.edges.map((e) => [
        e.node.slug,
        e.node.models.totalCount,
        e.node.models.edges.length,
      ]),
    ).toEqual([
      ['even', 25, 2],
      ['odd', 25, 2],
    ]);
    expect(statements).toHaveLength(4);
  });
});

describe('node and nodes', () => {
  it('fetches every kind of object by its global id, in order, null for unknown ids', async () => {
    await t.graphql(RegisterDataset, { input: { project: 'even', name: 'shapes', task: 'OTHER' } });
    const path = writeTree(files.path, {
      'shapes.jsonl': '{"label": "circle"}\n{"label": "square"}\n',
    });
    const dataset = await t.graphql(RegisterDatasetVersion, {
      input: { dataset: 'even/shapes', uri: `${path}/shapes.jsonl`, format: 'JSONL' },
    });
    const datasetVersion = expectType(
      dataset.data.registerDatasetVersion,
      'RegisterDatasetVersionPayload',
    ).datasetVersion;
    const { data: list } = await t.graphql(ModelsWithVersions, { first: 1 });
    const model = list.models.edges[0]!.node;
    const ids = [
      model.id,
      model.versions.edges[0]!.node.id,
      datasetVersion.dataset.id,
      datasetVersion.id,
      'not-a-global-id',
      Buffer.from('Model:01a20000-0000-7000-8000-000000000000').toString('base64url'),
    ];
    const { data, statements } = await t.graphql(NodeLookup, { ids });
    expect(data.nodes).toEqual([
      { __typename: 'Model', id: ids[0], name: model.name },
      { __typename: 'ModelVersion', id: ids[1], version: 'v1', model: { name: model.name } },
      { __typename: 'Dataset', id: ids[2], name: 'shapes' },
      { __typename: 'DatasetVersion', id: ids[3], version: 'v1' },
      null,
      null,
    ]);
    // One statement per kind of node asked for; the version's model is then cached.
    expect(statements).toHaveLength(4);
  });
});

/** A statement reduced to its shape: which tables, and how, without the column lists. */
function shape(statement: string): string {
  return statement.replace(/select .*? from/g, 'select … from').replace(/\$\d+/g, '?');
}
