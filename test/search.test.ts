// Search, and the filter language runs and findings share with it, over a catalogue made
// through the API: two projects, models and datasets with descriptions and tags, runs whose
// metrics vary over steps and slices, findings of several kinds.

import type { VariablesOf } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { Actor } from '../src/resolvers/core/actor.ts';
import type { SearchFilter } from './gql/graphql.ts';
import { graphql } from './gql/index.ts';
import { emitRunner } from './support/emit-runner.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { onnxBytes } from './support/onnx-models.ts';
import {
  DefineWorkflow,
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
  RegisterModel,
  RegisterModelVersion,
} from './support/registry-documents.ts';
import { StartRun, waitForStatus } from './support/run-documents.ts';

const Search = graphql(`
  query Search($query: String, $filter: SearchFilter, $orderBy: SearchOrder, $first: Int, $after: String) {
    search(query: $query, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      edges {
        cursor
        node {
          type rank title titleHighlight snippet
          node {
            __typename
            ... on Model { id name }
            ... on Dataset { id name }
            ... on Workflow { id name }
            ... on Run { id status }
            ... on Finding { id title severity }
          }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

const SearchFacets = graphql(`
  query SearchFacets($query: String, $filter: SearchFilter) {
    search(query: $query, filter: $filter, first: 0) {
      totalCount
      facets {
        types { value count }
        statuses { value count }
        severities { value count }
        runners { value count }
        projects { value count }
        tags { value count }
      }
    }
  }
`);

const FilteredRuns = graphql(`
  query FilteredRuns($filter: SearchFilter) {
    runs(filter: $filter, first: 50) { totalCount edges { node { id } } }
  }
`);

const FilteredFindings = graphql(`
  query FilteredFindings($filter: SearchFilter) {
    findings(filter: $filter, first: 50) { totalCount edges { node { id title } } }
  }
`);

const RunsPage = graphql(`
  query RunsPage($first: Int) {
    runs(first: $first) {
      edges {
        node {
          id
          inputs { role version { __typename ... on ModelVersion { digest } ... on DatasetVersion { digest } } }
          metrics { edges { node { key value } } }
          findings { id title }
        }
      }
    }
  }
`);

let t: TestHub;
const files = tempFolder();
/** Global ids by short name. */
const ids: Record<string, string> = {};

async function register() {
  const model = async (project: string, name: string, description: string, tags: string[]) => {
    const { data } = await t.graphql(RegisterModel, {
      input: { project, name, task: 'IMAGE_CLASSIFICATION', description, tags },
    });
    ids[name] = expectType(data.registerModel, 'RegisterModelPayload').model.id;
  };
  const dataset = async (project: string, name: string, description: string, tags: string[]) => {
    const { data } = await t.graphql(RegisterDataset, {
      input: { project, name, task: 'IMAGE_CLASSIFICATION', description, tags },
    });
    ids[name] = expectType(data.registerDataset, 'RegisterDatasetPayload').dataset.id;
  };
  const modelVersion = async (model: string, name: string, content: string) => {
    writeTree(files.path, { [name]: onnxBytes(content) });
    const { data } = await t.graphql(RegisterModelVersion, {
      input: { model, uri: `${files.path}/${name}`, format: 'ONNX' },
    });
    const version = expectType(data.registerModelVersion, 'RegisterModelVersionPayload');
    ids[name] = version.modelVersion.id;
    ids[`${name}-digest`] = version.modelVersion.digest;
  };
  const datasetVersion = async (dataset: string, name: string, content: string) => {
    writeTree(files.path, { [name]: content });
    const { data } = await t.graphql(RegisterDatasetVersion, {
      input: { dataset, uri: `${files.path}/${name}`, format: 'JSONL' },
    });
    const version = expectType(data.registerDatasetVersion, 'RegisterDatasetVersionPayload');
    ids[name] = version.datasetVersion.id;
    ids[`${name}-digest`] = version.datasetVersion.digest;
  };
  await model('vision', 'resnet-cats', 'Residual network that recognises cats', [
    'cnn',
    'production',
  ]);
  await model('vision', 'vit-dogs', 'Vision transformer for dogs', ['transformer']);
  await model('audio', 'whisper-small', 'Speech recognition', ['speech']);
  await dataset('vision', 'street-scenes', 'Urban street images taken at night', ['night']);
  await dataset('vision', 'calibration-set', 'Held-out images for calibration', []);
  await dataset('audio', 'podcasts', 'Spoken English', []);
  await modelVersion('vision/resnet-cats', 'resnet-v1', 'weights 1');
  await modelVersion('vision/resnet-cats', 'resnet-v2', 'weights 2');
  await modelVersion('audio/whisper-small', 'whisper-v1', 'weights 3');
  await datasetVersion('vision/street-scenes', 'street-v1', '{"a": 1}\n');
  await datasetVersion('vision/calibration-set', 'calibration-v1', '{"a": 2}\n');
  await datasetVersion('audio/podcasts', 'podcasts-v1', '{"a": 3}\n');
  const workflow = await t.graphql(DefineWorkflow, {
    input: {
      project: 'vision',
      name: 'acceptance',
      description: 'Acceptance tests before deployment',
      spec: { steps: [{ id: 'check', runner: 'emit' }] },
    },
  });
  ids.acceptance = expectType(
    workflow.data.defineWorkflow,
    'DefineWorkflowPayload',
  ).workflowVersion.workflow.id;
}

async function run(
  name: string,
  project: string,
  inputs: Record<string, string>,
  config: z.input<typeof emitRunner.config>,
  tags: string[] = [],
) {
  const { data } = await t.graphql(StartRun, {
    input: {
      project,
      runner: 'emit',
      name,
      tags,
      config,
      inputs: Object.entries(inputs).map(([role, version]) => ({ role, version: ids[version]! })),
    },
  });
  const started = expectType(data.startRun, 'StartRunPayload').run;
  const done = await waitForStatus(t, started.id, ['SUCCEEDED', 'FAILED']);
  ids[name] = done.id;
  done.findings.forEach((finding, i) => {
    ids[`${name}-finding${i}`] = finding.id;
  });
  return done;
}

beforeAll(async () => {
  t = await startTestHub({ runners: [emitRunner] });
  await register();
  await run(
    'r1',
    'vision',
    { model: 'resnet-v1', dataset: 'street-v1' },
    {
      metrics: [
        { key: 'accuracy', value: 0.5, step: 0 },
        { key: 'accuracy', value: 0.9, step: 1 },
        { key: 'accuracy', value: 0.7, step: 2 },
        { key: 'accuracy', value: 0.95, slice: { class: 'cat' } },
      ],
      findings: [
        {
          kind: 'DRIFT',
          severity: 'HIGH',
          title: 'Brightness drift at night',
          summary: 'The night images are darker than the calibration images.',
        },
      ],
    },
    ['nightly'],
  );
  await run(
    'r2',
    'vision',
    { model: 'resnet-v2', dataset: 'calibration-v1' },
    {
      metrics: [{ key: 'accuracy', value: 0.92 }],
      findings: [
        {
          kind: 'LABEL_PROBLEM',
          severity: 'LOW',
          title: 'Unknown labels in the calibration set <b>',
        },
      ],
    },
  );
  await run(
    'r3',
    'audio',
    { model: 'whisper-v1', dataset: 'podcasts-v1' },
    { fail: 'decoder exploded' },
  );
});

afterAll(async () => {
  await t.close();
  files.remove();
});

const named = (id: string) => Object.entries(ids).find(([, value]) => value === id)?.[0] ?? id;

/** Short names of every hit, in order (all pages). */
async function found(filter: SearchFilter | null, query?: string, as?: Actor) {
  const response = await t.graphql(Search, { filter, query, first: 100 }, as ? { as } : undefined);
  expect(response.errors).toBeUndefined();
  return response.data.search.edges.map((edge) => named(edge.node.node.id));
}

const sorted = (names: string[]) => [...names].sort();

/** One page of results (typed, so that a paging loop can name its own variables' types). */
const searchPage = (variables: VariablesOf<typeof Search>) => t.graphql(Search, variables);

describe('search by words', () => {
  it('ranks title matches above passages, matches prefixes, and marks the words', async () => {
    const { data } = await t.graphql(Search, { query: 'calib' });
    const hits = data.search.edges.map((e) => e.node);
    const names = hits.map((h) => named(h.node.id));
    expect(sorted(names)).toEqual(sorted(['calibration-set', 'r2-finding0', 'r1-finding0']));
    // Names and titles (weight A) rank above a summary that mentions the word (weight C).
    expect(names.at(-1)).toBe('r1-finding0');
    expect(hits[0]!.rank).toBeGreaterThan(hits.at(-1)!.rank);
    const label = hits.find((h) => named(h.node.id) === 'r2-finding0')!;
    // HTML in titles is escaped, and only the match is marked.
    expect(label.titleHighlight).toBe(
      'Unknown labels in the <mark>calibration</mark> set &lt;b&gt;',
    );
    const drift = hits.find((h) => named(h.node.id) === 'r1-finding0')!;
    expect(drift.snippet).toContain('<mark>calibration</mark>');
    expect(drift.titleHighlight).toBe('Brightness drift at night');
  });

  it('understands quoted phrases, or, and -not', async () => {
    expect(sorted(await found(null, '"street images"'))).toEqual(['street-scenes']);
    expect(sorted(await found(null, 'dogs or speech'))).toEqual(
      sorted(['vit-dogs', 'whisper-small']),
    );
    // Prefix matching: "night" also finds the run tagged "nightly".
    expect(sorted(await found(null, 'night -drift'))).toEqual(['r1', 'street-scenes']);
    expect(await found(null, 'the')).toEqual([]);
  });

  it('finds hyphenated names whole and by their first part', async () => {
    expect(await found({ type: ['MODEL'] }, 'resnet-cats')).toEqual(['resnet-cats']);
    expect(await found({ type: ['MODEL'] }, 'vit-dogs')).toEqual(['vit-dogs']);
    expect(sorted(await found({ type: ['MODEL'] }, 'resnet'))).toEqual(['resnet-cats']);
  });

  it('searches run names, tags and errors', async () => {
    expect(await found(null, 'exploded')).toEqual(['r3']);
    expect(await found({ type: ['RUN'] }, 'nightly')).toEqual(['r1']);
  });
});

describe('filters', () => {
  it('filters by kind, project, status, severity, finding status and kind', async () => {
    expect(sorted(await found({ type: ['MODEL'] }))).toEqual(
      sorted(['resnet-cats', 'vit-dogs', 'whisper-small']),
    );
    expect(sorted(await found({ project: ['audio'] }))).toEqual(
      sorted(['whisper-small', 'podcasts', 'r3']),
    );
    expect(await found({ status: ['FAILED'] })).toEqual(['r3']);
    expect(await found({ severity: ['HIGH', 'CRITICAL'] })).toEqual(['r1-finding0']);
    expect(sorted(await found({ findingStatus: ['OPEN'] }))).toEqual([
      'r1-finding0',
      'r2-finding0',
    ]);
    expect(await found({ kind: ['LABEL_PROBLEM'] })).toEqual(['r2-finding0']);
  });

  it('filters by runner (findings through their run), tags, and time', async () => {
    expect(sorted(await found({ runner: ['emit'], type: ['FINDING'] }))).toEqual([
      'r1-finding0',
      'r2-finding0',
    ]);
    expect(await found({ tags: ['production'] })).toEqual(['resnet-cats']);
    expect(await found({ tags: ['production', 'cnn'] })).toEqual(['resnet-cats']);
    expect(await found({ tags: ['nightly'] })).toEqual(['r1']);
    const { data } = await t.graphql(
      graphql(`query CreatedAt($id: ID!) { node(id: $id) { ... on Run { createdAt } } }`),
      { id: ids.r2! },
    );
    const r2Created = (data.node as { createdAt: string }).createdAt;
    expect(sorted(await found({ type: ['RUN'], createdAfter: r2Created }))).toEqual(['r2', 'r3']);
    expect(await found({ type: ['RUN'], createdBefore: r2Created })).toEqual(['r1']);
  });

  it('filters by what runs used: a model, a version, a path, a digest', async () => {
    expect(sorted(await found({ usedModel: ids['resnet-cats'] }))).toEqual(
      sorted(['r1', 'r2', 'r1-finding0', 'r2-finding0']),
    );
    expect(sorted(await found({ usedModel: ids['resnet-v2'] }))).toEqual(['r2', 'r2-finding0']);
    expect(sorted(await found({ usedModel: 'vision/resnet-cats@v1' }))).toEqual([
      'r1',
      'r1-finding0',
    ]);
    expect(sorted(await found({ usedDataset: 'vision/street-scenes' }))).toEqual([
      'r1',
      'r1-finding0',
    ]);
    expect(sorted(await found({ usedDataset: ids['calibration-v1-digest'] }))).toEqual([
      'r2',
      'r2-finding0',
    ]);
    expect(sorted(await found({ usedVersion: ids['podcasts-v1'] }))).toEqual(['r3']);
    expect(sorted(await found({ usedVersion: ids['whisper-v1-digest'] }))).toEqual(['r3']);
  });

  it('filters by metric aggregates over steps, and by slice', async () => {
    const runsWhere = (metric: NonNullable<SearchFilter['metric']>) =>
      found({ type: ['RUN'], metric });
    // r1 reported accuracy 0.5, 0.9, 0.7 at steps 0, 1, 2; r2 reported 0.92 once.
    expect(await runsWhere({ key: 'accuracy', op: 'LT', value: 0.8 })).toEqual(['r1']);
    expect(await runsWhere({ key: 'accuracy', agg: 'LAST', op: 'EQ', value: 0.7 })).toEqual(['r1']);
    expect(sorted(await runsWhere({ key: 'accuracy', agg: 'MAX', op: 'GTE', value: 0.9 }))).toEqual(
      ['r1', 'r2'],
    );
    expect(await runsWhere({ key: 'accuracy', agg: 'MIN', op: 'LTE', value: 0.5 })).toEqual(['r1']);
    expect(await runsWhere({ key: 'accuracy', agg: 'MEAN', op: 'GT', value: 0.69 })).toEqual(
      expect.arrayContaining(['r1', 'r2']),
    );
    expect(await runsWhere({ key: 'accuracy', agg: 'MEAN', op: 'LT', value: 0.71 })).toEqual([
      'r1',
    ]);
    expect(
      await runsWhere({ key: 'accuracy', op: 'GT', value: 0.94, slice: { class: 'cat' } }),
    ).toEqual(['r1']);
    expect(
      await runsWhere({ key: 'accuracy', op: 'GT', value: 0.94, slice: { class: 'dog' } }),
    ).toEqual([]);
    // A finding matches through the run that concluded it.
    expect(
      await found({ type: ['FINDING'], metric: { key: 'accuracy', op: 'GT', value: 0.9 } }),
    ).toEqual(['r2-finding0']);
  });

  it('nests and, or and not', async () => {
    expect(
      sorted(
        await found({
          or: [{ severity: ['HIGH'] }, { and: [{ type: ['RUN'] }, { status: ['FAILED'] }] }],
        }),
      ),
    ).toEqual(sorted(['r1-finding0', 'r3']));
    expect(sorted(await found({ not: { type: ['RUN', 'FINDING', 'DATASET', 'MODEL'] } }))).toEqual([
      'acceptance',
    ]);
    // Runs without a low accuracy: r3 reported none at all.
    expect(
      sorted(
        await found({ type: ['RUN'], not: { metric: { key: 'accuracy', op: 'LT', value: 0.8 } } }),
      ),
    ).toEqual(['r2', 'r3']);
    expect(
      sorted(
        await found({
          and: [
            { project: ['vision'] },
            {
              or: [
                { tags: ['transformer'] },
                {
                  not: { or: [{ type: ['MODEL'] }, { type: ['DATASET'] }, { type: ['WORKFLOW'] }] },
                  runner: ['emit'],
                  usedModel: ids['resnet-v2'],
                },
              ],
            },
          ],
        }),
      ),
    ).toEqual(sorted(['vit-dogs', 'r2', 'r2-finding0']));
  });

  it('combines words and filters', async () => {
    expect(
      await found({ severity: ['HIGH'], usedDataset: 'vision/street-scenes' }, 'drift'),
    ).toEqual(['r1-finding0']);
    expect(await found({ severity: ['LOW'] }, 'drift')).toEqual([]);
  });

  it('gives runs and findings the same language', async () => {
    const filter: SearchFilter = {
      metric: { key: 'accuracy', agg: 'MAX', op: 'GTE', value: 0.9 },
      usedModel: ids['resnet-cats'],
    };
    const runs = await t.graphql(FilteredRuns, { filter });
    expect(sorted(runs.data.runs.edges.map((e) => named(e.node.id)))).toEqual(['r1', 'r2']);
    expect(runs.data.runs.totalCount).toBe(2);
    const findings = await t.graphql(FilteredFindings, {
      filter: { ...filter, severity: ['HIGH'] },
    });
    expect(findings.data.findings.edges.map((e) => named(e.node.id))).toEqual(['r1-finding0']);
    // A condition only models meet leaves no run.
    const none = await t.graphql(FilteredRuns, { filter: { type: ['MODEL'] } });
    expect(none.data.runs.totalCount).toBe(0);
  });

  it('refuses malformed filters with a typed error', async () => {
    const bad = async (filter: SearchFilter) => {
      const response = await t.graphql(Search, { filter });
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      return response.errors?.[0]?.message;
    };
    expect(await bad({ metric: { key: ' ', op: 'GT', value: 1 } })).toMatch(/metric key is empty/);
    expect(await bad({ metric: { key: 'a', op: 'GT', value: 1, slice: ['x'] } })).toMatch(
      /slice must be an object/,
    );
    expect(await bad({ usedModel: ids.r1! })).toMatch(
      /expected the id of a Model or ModelVersion, got a Run id/,
    );
    expect(await bad({ usedVersion: 'vision/resnet-cats@v1' })).toMatch(
      /ModelVersion or DatasetVersion/,
    );
    let deep: SearchFilter = { type: ['RUN'] };
    for (let i = 0; i < 10; i += 1) deep = { not: deep };
    expect(await bad(deep)).toMatch(/nest at most 8 deep/);
  });
});

describe('facets, pages and scope', () => {
  it('counts every match by kind, status, severity, runner, project and tag', async () => {
    const { data, statements } = await t.graphql(SearchFacets, { filter: { project: ['vision'] } });
    // 2 models, 2 datasets, 1 workflow, 2 runs and their 2 findings.
    expect(data.search.totalCount).toBe(9);
    expect(data.search.facets.types).toEqual([
      { value: 'DATASET', count: 2 },
      { value: 'FINDING', count: 2 },
      { value: 'MODEL', count: 2 },
      { value: 'RUN', count: 2 },
      { value: 'WORKFLOW', count: 1 },
    ]);
    expect(data.search.facets.statuses).toEqual([{ value: 'SUCCEEDED', count: 2 }]);
    expect(sorted(data.search.facets.severities.map((s) => `${s.value}:${s.count}`))).toEqual([
      'HIGH:1',
      'LOW:1',
    ]);
    expect(data.search.facets.runners).toEqual([{ value: 'emit', count: 4 }]);
    expect(data.search.facets.projects).toEqual([{ value: 'vision', count: 9 }]);
    // Each tag of the models, datasets and runs found, once per item that has it.
    expect(sorted(data.search.facets.tags.map((s) => `${s.value}:${s.count}`))).toEqual([
      'cnn:1',
      'night:1',
      'nightly:1',
      'production:1',
      'transformer:1',
    ]);
    const models = await t.graphql(SearchFacets, { filter: { type: ['MODEL'] } });
    expect(sorted(models.data.search.facets.projects.map((s) => `${s.value}:${s.count}`))).toEqual([
      'audio:1',
      'vision:2',
    ]);
    // The page (empty) and the counts: two statements.
    expect(statements).toHaveLength(2);
  });

  it('costs one statement for a page, whatever kinds it shows and however long', async () => {
    const { statements, data } = await t.graphql(Search, { query: 'calib' });
    expect(data.search.edges).toHaveLength(3);
    expect(statements).toHaveLength(1);
    const total = (await t.graphql(SearchFacets, {})).data.search.totalCount;
    const typeNames = {
      MODEL: 'Model',
      DATASET: 'Dataset',
      WORKFLOW: 'Workflow',
      RUN: 'Run',
      FINDING: 'Finding',
    } as const;
    for (const first of [2, 50]) {
      const page = await t.graphql(Search, { first });
      expect(page.data.search.edges).toHaveLength(Math.min(first, total));
      // Each item shown is of the kind the page found, read in the page's own statement.
      for (const { node: hit } of page.data.search.edges)
        expect(hit.node.__typename).toBe(typeNames[hit.type]);
      expect(page.statements, `first ${first}`).toHaveLength(1);
    }
    const kinds = (await t.graphql(Search, { first: 50 })).data.search.edges.map(
      (e) => e.node.node.__typename,
    );
    expect(sorted([...new Set(kinds)])).toEqual(['Dataset', 'Finding', 'Model', 'Run', 'Workflow']);
  });

  it('pages stably while items are added', async () => {
    for (const orderBy of ['NEWEST', 'OLDEST', 'RELEVANCE'] as const) {
      const before = await found({ type: ['RUN', 'FINDING'] });
      const seen: string[] = [];
      let after: string | null = null;
      let added = 0;
      for (;;) {
        const response: Awaited<ReturnType<typeof searchPage>> = await searchPage({
          filter: { type: ['RUN', 'FINDING'], project: ['vision', 'audio'] },
          query: orderBy === 'RELEVANCE' ? 'emit' : null,
          orderBy,
          first: 2,
          after,
        });
        const page: (typeof response)['data']['search'] = response.data.search;
        seen.push(...page.edges.map((e) => e.node.node.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
        // Another client adds runs and findings between our first pages.
        if (added === 2) continue;
        added += 1;
        await run(
          `added-${orderBy}-${added}`,
          'vision',
          {},
          {
            findings: [{ kind: 'NOTE', severity: 'INFO', title: `emit note ${added}` }],
          },
        );
      }
      expect(new Set(seen).size).toBe(seen.length);
      if (orderBy !== 'RELEVANCE')
        for (const id of before.map((name) => ids[name] ?? name)) expect(seen).toContain(id);
    }
  });

  it('never shows what the actor may not see', async () => {
    const audio = memberOf('local:audio', ['audio']);
    expect(sorted(await found(null, undefined, audio))).toEqual(
      sorted(['whisper-small', 'podcasts', 'r3']),
    );
    expect(await found(null, 'calibration', audio)).toEqual([]);
    expect(await found({ usedModel: 'vision/resnet-cats' }, undefined, audio)).toEqual([]);
  });

  it('lists 50 runs with their inputs, metrics and findings in one statement', async () => {
    for (let i = 0; i < 6; i += 1)
      await run(
        `bulk-${i}`,
        'vision',
        { model: 'resnet-v1', dataset: 'street-v1' },
        {
          metrics: [{ key: 'accuracy', value: i / 10 }],
          findings: [{ kind: 'NOTE', severity: 'INFO', title: `bulk ${i}` }],
        },
      );
    const { data, statements } = await t.graphql(RunsPage, { first: 50 });
    expect(data.runs.edges.length).toBeGreaterThanOrEqual(9);
    const bulk = data.runs.edges.find((e) => e.node.id === ids['bulk-3'])!.node;
    expect(bulk.inputs.map((i) => i.version?.__typename).sort()).toEqual([
      'DatasetVersion',
      'ModelVersion',
    ]);
    expect(bulk.metrics.edges.map((e) => e.node)).toEqual([{ key: 'accuracy', value: 0.3 }]);
    expect(bulk.findings.map((f) => f.title)).toEqual(['bulk 3']);
    expect(statements).toHaveLength(1);
  });

  it("hides, on a page of runs, an input's version in a project the reader may not see", async () => {
    await run(
      'crossing',
      'audio',
      { model: 'whisper-v1', dataset: 'street-v1' },
      {
        metrics: [
          { key: 'wer', value: 0.2, step: 1 },
          { key: 'wer', value: 0.3, step: 0 },
        ],
        findings: [{ kind: 'NOTE', severity: 'LOW', title: 'crossing' }],
      },
    );
    const reader = memberOf('test:audio', ['audio'], 'viewer');
    const { data, statements } = await t.graphql(RunsPage, { first: 50 }, { as: reader });
    const crossing = data.runs.edges.find((e) => e.node.id === ids.crossing)!.node;
    expect(crossing.inputs.map((i) => [i.role, i.version?.__typename ?? null])).toEqual([
      ['dataset', null],
      ['model', 'ModelVersion'],
    ]);
    expect(crossing.metrics.edges.map((e) => e.node)).toEqual([
      { key: 'wer', value: 0.3 },
      { key: 'wer', value: 0.2 },
    ]);
    expect(crossing.findings.map((f) => f.title)).toEqual(['crossing']);
    expect(data.runs.edges.map((e) => e.node.id)).not.toContain(ids['bulk-3']);
    expect(statements).toHaveLength(1);
  });
});
