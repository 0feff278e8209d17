// Comparing results: compareRuns and compareModels.
import {
  type ComparedValue,
  compareModels,
  compareRuns,
  type MetricComparison,
  type ModelRanking,
  type RunComparison,
} from '../resolvers/compare/compare.ts';
import { MAX_METRIC_KEYS } from '../resolvers/core/list-limit.ts';
import { builder } from './builder.ts';
import { ModelVersionRef, RunRef } from './refs.ts';
import { intervalFields } from './results.ts';

const SignificanceMethodEnum = builder.enumType('SignificanceMethod', {
  description: 'How a difference between two runs was judged.',
  values: {
    PAIRED_BOOTSTRAP: {
      description:
        'A paired bootstrap over the items both runs scored (their per-item/<metric>.json artifacts).',
    },
    INTERVAL_OVERLAP: {
      description: 'Whether the two confidence intervals overlap (conservative).',
    },
    NONE: { description: 'Not judged: a value or an interval is missing.' },
  } as const,
});

const ComparedValueRef = builder.objectRef<ComparedValue>('ComparedValue').implement({
  description: 'One run’s value of a metric, and how it differs from the first run’s.',
  fields: (t) => ({
    run: t.field({
      type: RunRef,
      description: 'The run.',
      resolve: async (v, _args, ctx) => (await ctx.loaders.run.load(v.runId))!,
    }),
    value: t.exposeFloat('value', {
      nullable: true,
      description: 'Its last value; null if the run did not report it.',
    }),
    ...intervalFields(t),
    delta: t.exposeFloat('delta', {
      nullable: true,
      description: 'Its value minus the first run’s (null for the first run).',
    }),
    deltaLower: t.exposeFloat('deltaLower', {
      nullable: true,
      description: 'Lower bound of the 95% interval of the difference (paired bootstrap only).',
    }),
    deltaUpper: t.exposeFloat('deltaUpper', {
      nullable: true,
      description: 'Upper bound of the 95% interval of the difference (paired bootstrap only).',
    }),
    significant: t.exposeBoolean('significant', {
      nullable: true,
      description:
        'Whether the difference is significant at the 95% level; null when it cannot be told.',
    }),
    pValue: t.exposeFloat('pValue', {
      nullable: true,
      description: 'Two-sided p-value of the difference (paired bootstrap only).',
    }),
    method: t.field({
      type: SignificanceMethodEnum,
      description: 'How significance was judged.',
      resolve: (v) => v.method,
    }),
  }),
});

const MetricComparisonRef = builder.objectRef<MetricComparison>('MetricComparison').implement({
  description: 'One metric (and slice) across the compared runs.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The metric.' }),
    slice: t.expose('slice', { type: 'JSON', description: 'Its slice; {} for the whole data.' }),
    values: t.field({
      type: [ComparedValueRef],
      description: 'One per run, in the order the runs were given.',
      resolve: (m) => m.values,
    }),
  }),
});

const RunComparisonRef = builder.objectRef<RunComparison>('RunComparison').implement({
  description: 'Runs side by side, metric by metric.',
  fields: (t) => ({
    runs: t.field({
      type: [RunRef],
      description: 'The runs, in the order given.',
      resolve: (c) => c.runs,
    }),
    metrics: t.field({
      type: [MetricComparisonRef],
      description: 'Every metric any of the runs reported (or those asked for), by key then slice.',
      resolve: (c) => c.metrics,
    }),
  }),
});

const ModelRankingRef = builder.objectRef<ModelRanking>('ModelRanking').implement({
  description: 'A model version’s latest evaluation on the dataset version, and its place.',
  fields: (t) => ({
    rank: t.exposeInt('rank', {
      nullable: true,
      description: '1 for the best; null when not evaluated.',
    }),
    modelVersion: t.field({
      type: ModelVersionRef,
      description: 'The model version.',
      resolve: async (r, _args, ctx) => (await ctx.loaders.modelVersion.load(r.modelVersionId))!,
    }),
    run: t.field({
      type: RunRef,
      nullable: true,
      description: 'Its latest successful run on the dataset version that reported the metric.',
      resolve: (r, _args, ctx) => (r.runId ? ctx.loaders.run.load(r.runId) : null),
    }),
    value: t.exposeFloat('value', { nullable: true, description: 'The metric’s last value.' }),
    ...intervalFields(t),
  }),
});

builder.queryFields((t) => ({
  compareRuns: t.field({
    type: RunComparisonRef,
    description:
      'Runs side by side: each metric’s value with its confidence interval, the difference from the first run, and whether it is significant (a paired bootstrap when both runs stored per-item scores, else non-overlapping intervals).',
    args: {
      ids: t.arg.idList({
        required: true,
        description: 'The runs (2 to 50); the first is the baseline.',
      }),
      metrics: t.arg.stringList({
        description: `Only these metrics (at most ${MAX_METRIC_KEYS}); all when left out.`,
      }),
    },
    resolve: (_root, args, ctx) => compareRuns(ctx, args.ids.map(String), args.metrics ?? null),
  }),
  compareModels: t.field({
    type: [ModelRankingRef],
    description:
      'The latest successful evaluation of each model version on one dataset version, best first; versions never evaluated on it come last.',
    args: {
      models: t.arg.idList({
        required: true,
        description:
          'Models (all their versions) or model versions: ids, "project/name" or "project/name@version".',
      }),
      datasetVersion: t.arg.id({
        required: true,
        description: 'The dataset version: its id, or "project/name@version".',
      }),
      metric: t.arg.string({
        required: true,
        description: 'The metric to rank by, e.g. "accuracy".',
      }),
      higherIsBetter: t.arg.boolean({
        defaultValue: true,
        required: true,
        description: 'False for metrics such as loss or ece, where lower is better.',
      }),
    },
    resolve: (_root, args, ctx) =>
      compareModels(
        ctx,
        args.models.map(String),
        String(args.datasetVersion),
        args.metric,
        args.higherIsBetter,
      ),
  }),
}));
