// Search: one query across models, datasets, workflows, runs and findings, and the filter
// language that `runs` and `findings` share with it.
import { brandWithType } from '@pothos/core';
import {
  type FindingOrderField,
  findingOrdering,
  listFindings,
} from '../resolvers/runs/queries.ts';
import type { MetricPredicate, SearchFilter } from '../resolvers/search/filter.ts';
import { type FacetCount, type SearchHit, search } from '../resolvers/search/search.ts';
import { builder } from './builder.ts';
import { OrderDirectionEnum } from './catalogue.ts';
import type { GraphQLContext } from './context.ts';
import { DatasetRef, FindingRef, ModelRef, RunRef, WorkflowRef } from './refs.ts';
import { FindingStatusEnum, SeverityEnum } from './results.ts';
import { RunStatusEnum } from './run-status.ts';

export const SearchTypeEnum = builder.enumType('SearchType', {
  description: 'A kind of item search finds.',
  values: {
    MODEL: { description: 'A model.' },
    DATASET: { description: 'A dataset.' },
    WORKFLOW: { description: 'A workflow.' },
    RUN: { description: 'A run.' },
    FINDING: { description: 'A finding.' },
  } as const,
});

const ComparisonEnum = builder.enumType('Comparison', {
  description: 'How a metric value compares with a given value.',
  values: {
    GT: { description: 'Greater than.' },
    GTE: { description: 'Greater than or equal to.' },
    LT: { description: 'Less than.' },
    LTE: { description: 'Less than or equal to.' },
    EQ: { description: 'Equal to.' },
  } as const,
});

const MetricAggregateEnum = builder.enumType('MetricAggregate', {
  description: 'Which value of a metric reported over steps (epochs, batches) to compare.',
  values: {
    LAST: { description: 'The value at the highest step (the only one for most metrics).' },
    MIN: { description: 'The smallest value over steps.' },
    MAX: { description: 'The largest value over steps.' },
    MEAN: { description: 'The mean over steps.' },
  } as const,
});

const MetricPredicateInput = builder.inputRef<MetricPredicate>('MetricPredicate').implement({
  description:
    'A condition on a metric a run reported, e.g. accuracy LAST >= 0.9 on the class "cat".',
  fields: (t) => ({
    key: t.string({ required: true, description: 'The metric, e.g. "accuracy".' }),
    agg: t.field({
      type: MetricAggregateEnum,
      description: 'Which of its values over steps; LAST when left out.',
    }),
    op: t.field({ type: ComparisonEnum, required: true, description: 'The comparison.' }),
    value: t.float({ required: true, description: 'The value compared with.' }),
    // JSON's input type is `unknown`, which Pothos cannot fit to an optional property.
    slice: t.field({
      type: 'JSON',
      description:
        'The slice, e.g. {"class": "cat"}: only values with exactly these labels. The whole data when left out.',
    }) as never,
  }),
});

export const SearchFilterInput = builder.inputRef<SearchFilter>('SearchFilter').implement({
  description:
    'Conditions on items, all of which must hold; nest with and / or / not. A condition that does not apply to a kind of item is false for it (severity matches only findings); conditions on runs (runner, inputs used, metrics) apply to a finding through its run.',
  fields: (t) => ({
    and: t.field({ type: [SearchFilterInput], description: 'Every one of these holds.' }),
    or: t.field({ type: [SearchFilterInput], description: 'At least one of these holds.' }),
    not: t.field({ type: SearchFilterInput, description: 'This does not hold.' }),
    type: t.field({ type: [SearchTypeEnum], description: 'Of one of these kinds.' }),
    project: t.stringList({ description: 'In one of these projects (slugs).' }),
    status: t.field({ type: [RunStatusEnum], description: 'Runs in one of these statuses.' }),
    findingStatus: t.field({
      type: [FindingStatusEnum],
      description: 'Findings in one of these triage statuses.',
    }),
    severity: t.field({
      type: [SeverityEnum],
      description: 'Findings of one of these severities.',
    }),
    kind: t.stringList({ description: 'Findings of one of these kinds, e.g. DRIFT.' }),
    runner: t.stringList({ description: 'Runs of one of these runners (and their findings).' }),
    tags: t.stringList({
      description: 'Carrying all of these tags (models, datasets, workflows, runs).',
    }),
    createdAfter: t.field({ type: 'DateTime', description: 'Created at or after this time.' }),
    createdBefore: t.field({ type: 'DateTime', description: 'Created before this time.' }),
    usedModel: t.id({
      description:
        'Runs (and their findings) that used this model: a Model id (any version), a ModelVersion id, "project/name", "project/name@version" or a sha256 digest.',
    }),
    usedDataset: t.id({
      description:
        'Runs (and their findings) that used this dataset: a Dataset id (any version), a DatasetVersion id, "project/name", "project/name@version" or a sha256 digest.',
    }),
    usedVersion: t.id({
      description:
        'Runs (and their findings) that used this model or dataset version: its id or its sha256 digest.',
    }),
    topLevel: t.boolean({
      description: 'Runs that are (true) or are not (false) steps of a workflow run.',
    }),
    metric: t.field({
      type: MetricPredicateInput,
      description: 'Runs (and their findings) whose metric meets this condition.',
    }),
  }),
});

const SearchOrderEnum = builder.enumType('SearchOrder', {
  description: 'How search results are ordered.',
  values: {
    RELEVANCE: { description: 'Best match first (the default with a query).' },
    NEWEST: { description: 'Newest first (the default without a query).' },
    OLDEST: { description: 'Oldest first.' },
  } as const,
});

const SearchResultUnion = builder.unionType('SearchResult', {
  description: 'An item search found.',
  types: [ModelRef, DatasetRef, WorkflowRef, RunRef, FindingRef],
});

const TYPE_NAMES = {
  MODEL: 'Model',
  DATASET: 'Dataset',
  WORKFLOW: 'Workflow',
  RUN: 'Run',
  FINDING: 'Finding',
} as const;

/** An item found, in its kind's loader: a field elsewhere in the request reads it for free. */
function primeLoader(ctx: GraphQLContext, hit: SearchHit): void {
  const { loaders } = ctx;
  const item = hit.item as never;
  ({
    MODEL: () => loaders.model.prime(hit.id, item),
    DATASET: () => loaders.dataset.prime(hit.id, item),
    WORKFLOW: () => loaders.workflow.prime(hit.id, item),
    RUN: () => loaders.run.prime(hit.id, item),
    FINDING: () => loaders.finding.prime(hit.id, item),
  })[hit.type]();
}

const SearchHitRef = builder.objectRef<SearchHit>('SearchHit').implement({
  description: 'One item found, with why it matched.',
  fields: (t) => ({
    type: t.field({ type: SearchTypeEnum, description: 'Its kind.', resolve: (hit) => hit.type }),
    node: t.field({
      type: SearchResultUnion,
      description: 'The item.',
      // The page's statement read it (search.ts), and primed its loader (below).
      resolve: (hit) => {
        // The union cannot tell a model row from a dataset row by shape: the brand says which.
        brandWithType(hit.item, TYPE_NAMES[hit.type] as never);
        return hit.item as never;
      },
    }),
    rank: t.exposeFloat('rank', { description: 'Relevance to the query (0 without a query).' }),
    title: t.exposeString('title', { description: 'Its name or title.' }),
    titleHighlight: t.exposeString('titleHighlight', {
      nullable: true,
      description:
        'The title, HTML-escaped, with the words of the query in <mark>; null without a query.',
    }),
    snippet: t.exposeString('snippet', {
      nullable: true,
      description:
        'A passage of its description, summary or error with the words of the query in <mark> (HTML-escaped); null when none matched there.',
    }),
  }),
});

const FacetCountRef = builder.objectRef<FacetCount>('FacetCount').implement({
  description: 'How many matches share a value.',
  fields: (t) => ({
    value: t.exposeString('value', { description: 'The value.' }),
    count: t.exposeInt('count', { description: 'How many matches have it.' }),
  }),
});

const SearchFacetsRef = builder
  .objectRef<Awaited<ReturnType<Awaited<ReturnType<typeof search>>['facets']>>>('SearchFacets')
  .implement({
    description: 'Counts over every match, not just the page.',
    fields: (t) => ({
      types: t.field({ type: [FacetCountRef], description: 'By kind.', resolve: (f) => f.types }),
      statuses: t.field({
        type: [FacetCountRef],
        description: 'Runs by status.',
        resolve: (f) => f.statuses,
      }),
      severities: t.field({
        type: [FacetCountRef],
        description: 'Findings by severity.',
        resolve: (f) => f.severities,
      }),
      runners: t.field({
        type: [FacetCountRef],
        description: 'Runs, and findings by their run, by runner.',
        resolve: (f) => f.runners,
      }),
      projects: t.field({
        type: [FacetCountRef],
        description: 'By the slug of their project.',
        resolve: (f) => f.projects,
      }),
      tags: t.field({
        type: [FacetCountRef],
        description:
          'Models, datasets, workflows and runs by tag; an item counts under each of its tags.',
        resolve: (f) => f.tags,
      }),
    }),
  });

const SearchConnectionRef = builder
  .objectRef<Awaited<ReturnType<typeof search>>>('SearchConnection')
  .implement({
    description: 'A page of search results.',
    fields: (t) => ({
      edges: t.field({
        type: [
          builder.objectRef<{ cursor: string; node: SearchHit }>('SearchEdge').implement({
            description: 'A result and its cursor.',
            fields: (e) => ({
              cursor: e.exposeString('cursor', {
                description: 'Pass as `after` for the next page.',
              }),
              node: e.field({
                type: SearchHitRef,
                description: 'The result.',
                resolve: (edge) => edge.node,
              }),
            }),
          }),
        ],
        description: 'The results of this page, best first.',
        resolve: (c) => c.edges,
      }),
      pageInfo: t.field({
        type: builder.pageInfoRef(),
        description: 'Whether more results follow, and the cursors bounding this page.',
        resolve: (c) => c.pageInfo,
      }),
      totalCount: t.int({
        description: 'How many items match in all.',
        resolve: async (c) => (await c.facets()).total,
      }),
      facets: t.field({
        type: SearchFacetsRef,
        description: 'Counts of the matches by kind, status, severity and runner.',
        resolve: (c) => c.facets(),
      }),
    }),
  });

builder.queryField('search', (t) =>
  t.field({
    type: SearchConnectionRef,
    description:
      'Finds models, datasets, workflows, runs and findings by words (names, descriptions, tags, finding titles and summaries; "quoted phrases", or, -not; each word also matches as a prefix) and by filter.',
    args: {
      query: t.arg.string({ description: 'The words to look for; leave out to filter only.' }),
      filter: t.arg({ type: SearchFilterInput, description: 'Conditions every result meets.' }),
      orderBy: t.arg({
        type: SearchOrderEnum,
        description: 'RELEVANCE with a query, else NEWEST.',
      }),
      first: t.arg.int({ description: 'At most this many results (default 20, at most 500).' }),
      after: t.arg.string({ description: 'The cursor of the last result of the previous page.' }),
    },
    resolve: async (_root, args, ctx: GraphQLContext) => {
      const found = await search(ctx, args);
      for (const { node } of found.edges) primeLoader(ctx, node);
      return found;
    },
  }),
);

const FindingOrderFieldEnum = builder.enumType('FindingOrderField', {
  description: 'What a list of findings is ordered by.',
  values: {
    CREATED_AT: { description: 'When it was recorded.' },
    UPDATED_AT: { description: 'When it last changed (triage).' },
  } as const,
});

const FindingOrder = builder.inputType('FindingOrder', {
  description: 'An ordering of findings.',
  fields: (t) => ({
    field: t.field({
      type: FindingOrderFieldEnum,
      required: true,
      description: 'What to order by.',
    }),
    direction: t.field({ type: OrderDirectionEnum, required: true, description: 'Which way.' }),
  }),
});

builder.queryField('findings', (t) =>
  t.connection(
    {
      type: FindingRef,
      description: 'Findings you may see, newest first unless ordered otherwise.',
      args: {
        filter: t.arg({ type: SearchFilterInput, description: 'Conditions the findings meet.' }),
        orderBy: t.arg({ type: FindingOrder, description: 'Defaults to newest first.' }),
      },
      resolve: (_root, args, ctx) => {
        const order = args.orderBy ?? { field: 'CREATED_AT', direction: 'DESC' };
        return listFindings(
          ctx,
          args.filter ?? {},
          findingOrdering(order.field as FindingOrderField, order.direction),
          args,
          (p) => ctx.loaders.project.prime(p.id, p),
        );
      },
    },
    { name: 'FindingConnection' },
    { name: 'FindingEdge' },
  ),
);
