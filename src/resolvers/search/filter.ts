// The filter language of search, runs and findings: predicates on models, datasets,
// workflows, runs and findings, nested with and / or / not, compiled to one SQL condition
// per kind of item.
//
// A predicate that does not apply to a kind of item is false for it: `{severity: [HIGH]}`
// matches only findings. Run predicates (runner, inputs used, metrics) apply to a finding
// through the run that concluded it.
import { type Column, type SQL, sql } from 'drizzle-orm';
import { textArray } from '../../db/rows.ts';
import { datasets, findings, models, runs, workflows } from '../../db/schema.ts';
import { canonicalJson } from '../core/canonical-json.ts';
import { ValidationError } from '../core/errors.ts';
import { decodeGlobalId } from '../core/global-id.ts';

export const searchTypes = ['MODEL', 'DATASET', 'WORKFLOW', 'RUN', 'FINDING'] as const;
export type SearchType = (typeof searchTypes)[number];

export type ComparisonOp = 'GT' | 'GTE' | 'LT' | 'LTE' | 'EQ';
export type MetricAggregate = 'LAST' | 'MIN' | 'MAX' | 'MEAN';

type List<T> = readonly T[] | null | undefined;

export interface MetricPredicate {
  key: string;
  /** LAST (the value at the highest step) when absent. */
  agg?: MetricAggregate | null;
  op: ComparisonOp;
  value: number;
  /** The slice's labels (an object of strings); the whole set when absent. */
  slice?: unknown;
}

export interface SearchFilter {
  and?: List<SearchFilter>;
  or?: List<SearchFilter>;
  not?: SearchFilter | null;
  type?: List<SearchType>;
  project?: List<string>;
  status?: List<string>;
  findingStatus?: List<string>;
  severity?: List<string>;
  kind?: List<string>;
  runner?: List<string>;
  tags?: List<string>;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  usedModel?: string | null;
  usedDataset?: string | null;
  usedVersion?: string | null;
  topLevel?: boolean | null;
  metric?: MetricPredicate | null;
}

/** A compiled condition; a constant when the filter decides it for a whole kind of item. */
export type Condition = SQL | boolean;

export function allOf(parts: Condition[]): Condition {
  if (parts.includes(false)) return false;
  const rest = parts.filter((part): part is SQL => part !== true);
  if (rest.length === 0) return true;
  return rest.length === 1 ? rest[0]! : sql`(${sql.join(rest, sql` and `)})`;
}

function anyOf(parts: Condition[]): Condition {
  if (parts.includes(true)) return true;
  const rest = parts.filter((part): part is SQL => part !== false);
  if (rest.length === 0) return false;
  return rest.length === 1 ? rest[0]! : sql`(${sql.join(rest, sql` or `)})`;
}

const negated = (part: Condition): Condition =>
  typeof part === 'boolean' ? !part : sql`not ${part}`;

/** The columns a kind of item offers to predicates. */
interface Subject {
  type: SearchType;
  projectId: Column;
  createdAt: Column;
  tags: Column | null;
  /** The run whose predicates apply: the run itself, or the run a finding came from. */
  runId: Column | null;
}

export const subjects: Record<SearchType, Subject> = {
  MODEL: {
    type: 'MODEL',
    projectId: models.projectId,
    createdAt: models.createdAt,
    tags: models.tags,
    runId: null,
  },
  DATASET: {
    type: 'DATASET',
    projectId: datasets.projectId,
    createdAt: datasets.createdAt,
    tags: datasets.tags,
    runId: null,
  },
  WORKFLOW: {
    type: 'WORKFLOW',
    projectId: workflows.projectId,
    createdAt: workflows.createdAt,
    tags: workflows.tags,
    runId: null,
  },
  RUN: {
    type: 'RUN',
    projectId: runs.projectId,
    createdAt: runs.createdAt,
    tags: runs.tags,
    runId: runs.id,
  },
  FINDING: {
    type: 'FINDING',
    projectId: findings.projectId,
    createdAt: findings.createdAt,
    tags: null,
    runId: findings.runId,
  },
};

const LIMITS = { depth: 8, predicates: 64 };

const OPERATORS: Record<ComparisonOp, string> = { GT: '>', GTE: '>=', LT: '<', LTE: '<=', EQ: '=' };

const AGGREGATES: Record<MetricAggregate, string> = {
  LAST: 'ms.last',
  MIN: 'ms.min',
  MAX: 'ms.max',
  MEAN: '(ms.sum / ms.count)',
};

/**
 * Checks a filter's shape before it is compiled: nesting and size within limits, metric
 * predicates complete, references well-formed. `path` locates a mistake in the input.
 */
export function validateSearchFilter(filter: SearchFilter, path: string[] = ['filter']): void {
  let predicates = 0;
  const visit = (node: SearchFilter, at: string[], depth: number) => {
    if (depth > LIMITS.depth)
      throw new ValidationError(`filters nest at most ${LIMITS.depth} deep`, at);
    for (const [field, value] of Object.entries(node)) {
      if (value === null || value === undefined) continue;
      if (field === 'and' || field === 'or') {
        (value as SearchFilter[]).forEach((child, i) => {
          visit(child, [...at, field, String(i)], depth + 1);
        });
      } else if (field === 'not') visit(value as SearchFilter, [...at, 'not'], depth + 1);
      else predicates += 1;
    }
    if (predicates > LIMITS.predicates)
      throw new ValidationError(`a filter has at most ${LIMITS.predicates} predicates`, at);
    const metric = node.metric;
    if (metric) {
      if (!metric.key.trim())
        throw new ValidationError('metric key is empty', [...at, 'metric', 'key']);
      if (!Number.isFinite(metric.value))
        throw new ValidationError('metric value must be a finite number', [
          ...at,
          'metric',
          'value',
        ]);
      const slice = metric.slice ?? {};
      if (typeof slice !== 'object' || Array.isArray(slice))
        throw new ValidationError('slice must be an object of labels, e.g. {"class": "cat"}', [
          ...at,
          'metric',
          'slice',
        ]);
      for (const [label, value] of Object.entries(slice))
        if (typeof value !== 'string')
          throw new ValidationError(`slice label ${label} must be a string`, [
            ...at,
            'metric',
            'slice',
          ]);
    }
    if (node.usedModel) usedCondition('model', node.usedModel, [...at, 'usedModel'], null);
    if (node.usedDataset) usedCondition('dataset', node.usedDataset, [...at, 'usedDataset'], null);
    if (node.usedVersion) usedCondition('version', node.usedVersion, [...at, 'usedVersion'], null);
  };
  visit(filter, path, 1);
}

/**
 * The inputs (`run_inputs` rows, alias `ri`) that a "used" reference names: a model or
 * dataset (any of its versions), one version, "project/name[@version]", or a digest.
 */
function usedCondition(
  kind: 'model' | 'dataset' | 'version',
  ref: string,
  path: string[],
  visible: readonly string[] | null,
): SQL {
  const decoded = decodeGlobalId(ref);
  const expected = {
    model: ['Model', 'ModelVersion'],
    dataset: ['Dataset', 'DatasetVersion'],
    version: ['ModelVersion', 'DatasetVersion'],
  }[kind];
  if (decoded) {
    if (!expected.includes(decoded.type))
      throw new ValidationError(
        `expected the id of a ${expected.join(' or ')}, got a ${decoded.type} id`,
        path,
      );
    switch (decoded.type) {
      case 'Model':
        return sql`ri.model_version_id in (select id from model_versions where model_id = ${decoded.id}::uuid)`;
      case 'ModelVersion':
        return sql`ri.model_version_id = ${decoded.id}::uuid`;
      case 'Dataset':
        return sql`ri.dataset_version_id in (select id from dataset_versions where dataset_id = ${decoded.id}::uuid)`;
      default:
        return sql`ri.dataset_version_id = ${decoded.id}::uuid`;
    }
  }
  if (/^sha256:[0-9a-f]{64}$/.test(ref)) {
    const byDigest = (table: string) =>
      sql`(select id from ${sql.raw(table)} where digest = ${ref})`;
    if (kind === 'model') return sql`ri.model_version_id in ${byDigest('model_versions')}`;
    if (kind === 'dataset') return sql`ri.dataset_version_id in ${byDigest('dataset_versions')}`;
    return sql`(ri.model_version_id in ${byDigest('model_versions')} or ri.dataset_version_id in ${byDigest('dataset_versions')})`;
  }
  const match = /^([^/@]+)\/([^/@]+)(?:@(.+))?$/.exec(ref);
  if (!match || kind === 'version')
    throw new ValidationError(
      kind === 'version'
        ? 'expected the id of a ModelVersion or DatasetVersion, or a "sha256:..." digest'
        : `expected the id of a ${expected.join(' or ')}, "project/name", "project/name@version" or a digest`,
      path,
    );
  const [, project, name, version] = match;
  const [versions, items, itemColumn, inputColumn] =
    kind === 'model'
      ? ['model_versions', 'models', 'model_id', 'model_version_id']
      : ['dataset_versions', 'datasets', 'dataset_id', 'dataset_version_id'];
  const scope = visible === null ? sql`` : sql` and p.slug = any(${textArray(visible)}::text[])`;
  return sql`ri.${sql.raw(inputColumn)} in (
    select v.id from ${sql.raw(versions)} v
    join ${sql.raw(items)} i on i.id = v.${sql.raw(itemColumn)}
    join projects p on p.id = i.project_id
    where p.slug = ${project} and i.name = ${name}${version ? sql` and v.version = ${version}` : sql``}${scope})`;
}

/** The condition `filter` puts on items of `subject`'s kind. */
export function compileSearchFilter(
  filter: SearchFilter,
  subject: Subject,
  visible: readonly string[] | null,
): Condition {
  const parts: Condition[] = [];
  const forRuns = (condition: () => SQL): Condition => (subject.runId ? condition() : false);
  const only = (type: SearchType, condition: () => SQL): Condition =>
    subject.type === type ? condition() : false;
  const list = (values: readonly string[], cast: string) =>
    sql`any(${textArray(values)}::${sql.raw(cast)}[])`;
  if (filter.and?.length)
    parts.push(allOf(filter.and.map((f) => compileSearchFilter(f, subject, visible))));
  if (filter.or) parts.push(anyOf(filter.or.map((f) => compileSearchFilter(f, subject, visible))));
  if (filter.not) parts.push(negated(compileSearchFilter(filter.not, subject, visible)));
  if (filter.type) parts.push(filter.type.includes(subject.type));
  if (filter.project)
    parts.push(
      sql`${subject.projectId} in (select id from projects where slug = ${list(filter.project, 'text')})`,
    );
  if (filter.status)
    parts.push(only('RUN', () => sql`${runs.status} = ${list(filter.status!, 'run_status')}`));
  if (filter.findingStatus)
    parts.push(
      only(
        'FINDING',
        () => sql`${findings.status} = ${list(filter.findingStatus!, 'finding_status')}`,
      ),
    );
  if (filter.severity)
    parts.push(
      only(
        'FINDING',
        () => sql`${findings.severity} = ${list(filter.severity!, 'finding_severity')}`,
      ),
    );
  if (filter.kind)
    parts.push(only('FINDING', () => sql`${findings.kind} = ${list(filter.kind!, 'text')}`));
  if (filter.tags) {
    const tagColumn = subject.tags;
    parts.push(tagColumn ? sql`${tagColumn} @> ${textArray(filter.tags)}::text[]` : false);
  }
  if (filter.createdAfter)
    parts.push(sql`${subject.createdAt} >= ${filter.createdAfter.toISOString()}::timestamptz`);
  if (filter.createdBefore)
    parts.push(sql`${subject.createdAt} < ${filter.createdBefore.toISOString()}::timestamptz`);
  if (filter.runner)
    parts.push(
      subject.type === 'RUN'
        ? sql`${runs.runnerId} = ${list(filter.runner, 'text')}`
        : forRuns(
            () =>
              sql`exists (select 1 from runs fr where fr.id = ${subject.runId} and fr.runner_id = ${list(filter.runner!, 'text')})`,
          ),
    );
  if (filter.topLevel !== null && filter.topLevel !== undefined)
    parts.push(
      only('RUN', () =>
        filter.topLevel ? sql`${runs.parentRunId} is null` : sql`${runs.parentRunId} is not null`,
      ),
    );
  const used = (
    kind: 'model' | 'dataset' | 'version',
    ref: string | null | undefined,
    field: string,
  ) => {
    if (!ref) return;
    parts.push(
      forRuns(
        () =>
          sql`exists (select 1 from run_inputs ri where ri.run_id = ${subject.runId} and ${usedCondition(kind, ref, ['filter', field], visible)})`,
      ),
    );
  };
  used('model', filter.usedModel, 'usedModel');
  used('dataset', filter.usedDataset, 'usedDataset');
  used('version', filter.usedVersion, 'usedVersion');
  const metric = filter.metric;
  if (metric) {
    const labels = (metric.slice ?? {}) as Record<string, string>;
    const slice = Object.keys(labels).length ? canonicalJson(labels) : '';
    const value = sql.raw(AGGREGATES[metric.agg ?? 'LAST']);
    const op = sql.raw(OPERATORS[metric.op]);
    parts.push(
      forRuns(
        () => sql`exists (select 1 from metric_summaries ms where ms.run_id = ${subject.runId}
          and ms.key = ${metric.key} and ms.slice_key = ${slice} and ${value} ${op} ${metric.value}::float8)`,
      ),
    );
  }
  return allOf(parts);
}
