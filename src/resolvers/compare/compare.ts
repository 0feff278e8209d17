// Comparing results: runs side by side metric by metric, with whether each difference is
// significant; and models ranked by their latest evaluation on one dataset version.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { selectRows, textArray } from '../../db/rows.ts';
import { artifacts, blobs, projects, runs } from '../../db/schema.ts';
import { pairedBootstrap } from '../../runners/stats/bootstrap.ts';
import { visibleProjects, visibleSlugs } from '../core/actor.ts';
import type { ServiceContext } from '../core/context.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { decodeGlobalId } from '../core/global-id.ts';
import { boundedList, MAX_METRIC_KEYS } from '../core/list-limit.ts';
import { parseRef } from '../core/refs.ts';
import type { RunRow } from '../runs/status.ts';

export type SignificanceMethod = 'PAIRED_BOOTSTRAP' | 'INTERVAL_OVERLAP' | 'NONE';

export interface ComparedValue {
  runId: string;
  value: number | null;
  ciLower: number | null;
  ciUpper: number | null;
  ciLevel: number | null;
  sampleSize: number | null;
  /** value minus the first run's value; null for the first run or a missing value. */
  delta: number | null;
  /** The difference's interval (paired bootstrap only). */
  deltaLower: number | null;
  deltaUpper: number | null;
  /** Whether the difference is significant at the 95% level; null when it cannot be told. */
  significant: boolean | null;
  pValue: number | null;
  method: SignificanceMethod;
}

export interface MetricComparison {
  key: string;
  slice: Record<string, string>;
  /** One per compared run, in the order asked for. */
  values: ComparedValue[];
}

export interface RunComparison {
  runs: RunRow[];
  metrics: MetricComparison[];
}

/** Common items needed before a paired bootstrap says anything. */
const MIN_PAIRED_ITEMS = 10;
const PAIRED_RESAMPLES = 2000;
/** Per-item score files above this size are not read (the intervals are compared instead). */
const MAX_PER_ITEM_BYTES = 64 * 1024 * 1024;

function localIds(globalIds: readonly string[], type: string, arg: string): string[] {
  return globalIds.map((globalId, i) => {
    const decoded = decodeGlobalId(globalId);
    if (decoded?.type !== type)
      throw new ValidationError(`expected the id of a ${type}`, [arg, String(i)]);
    return decoded.id;
  });
}

interface LastValue {
  run_id: string;
  key: string;
  slice: Record<string, string>;
  slice_key: string;
  value: number;
  ci_lower: number | null;
  ci_upper: number | null;
  ci_level: number | null;
  sample_size: number | null;
}

/** Per-item scores a run stored as `per-item/<metric>.json`: {"<item id>": score}. */
async function perItemScores(
  ctx: ServiceContext,
  runIds: string[],
  keys: string[],
): Promise<Map<string, Map<string, number>>> {
  const rows = await ctx.db
    .select({ runId: artifacts.runId, name: artifacts.name, bytes: blobs.bytes })
    .from(artifacts)
    .innerJoin(blobs, eq(blobs.digest, artifacts.digest))
    .where(
      and(
        inArray(artifacts.runId, runIds),
        inArray(
          artifacts.name,
          keys.map((key) => `per-item/${key}.json`),
        ),
        sql`${blobs.sizeBytes} <= ${MAX_PER_ITEM_BYTES}`,
      ),
    );
  const scores = new Map<string, Map<string, number>>();
  for (const row of rows) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(row.bytes).toString('utf8'));
    } catch {
      continue; // Not per-item scores after all: compared by intervals.
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) continue;
    const entries = Object.entries(parsed).filter(
      (entry): entry is [string, number] =>
        typeof entry[1] === 'number' && Number.isFinite(entry[1]),
    );
    const key = row.name.slice('per-item/'.length, -'.json'.length);
    scores.set(`${row.runId}\n${key}`, new Map(entries));
  }
  return scores;
}

function significanceOf(
  base: LastValue | undefined,
  other: LastValue | undefined,
  baseItems: Map<string, number> | undefined,
  otherItems: Map<string, number> | undefined,
): Pick<
  ComparedValue,
  'delta' | 'deltaLower' | 'deltaUpper' | 'significant' | 'pValue' | 'method'
> {
  const none = {
    deltaLower: null,
    deltaUpper: null,
    significant: null,
    pValue: null,
    method: 'NONE' as const,
  };
  if (!base || !other) return { delta: null, ...none };
  const delta = other.value - base.value;
  if (baseItems && otherItems) {
    const common = [...otherItems.keys()].filter((item) => baseItems.has(item)).sort();
    if (common.length >= MIN_PAIRED_ITEMS) {
      const result = pairedBootstrap({
        a: Float64Array.from(common, (item) => otherItems.get(item)!),
        b: Float64Array.from(common, (item) => baseItems.get(item)!),
        resamples: PAIRED_RESAMPLES,
        seed: 0,
      });
      return {
        delta,
        deltaLower: result.lower,
        deltaUpper: result.upper,
        significant: result.lower > 0 || result.upper < 0,
        pValue: result.pValue,
        method: 'PAIRED_BOOTSTRAP',
      };
    }
  }
  if (
    base.ci_lower !== null &&
    base.ci_upper !== null &&
    other.ci_lower !== null &&
    other.ci_upper !== null
  ) {
    // Intervals that do not overlap: a conservative test (overlapping ones may still differ).
    const apart = other.ci_lower > base.ci_upper || other.ci_upper < base.ci_lower;
    return { delta, ...none, significant: apart, method: 'INTERVAL_OVERLAP' };
  }
  return { delta, ...none };
}

/**
 * Runs side by side: for each metric (and slice) any of them reported, each run's last value
 * with its interval, the difference from the first run, and whether it is significant — by
 * a paired bootstrap over items when both runs stored per-item scores for the metric, else
 * by whether their intervals overlap.
 */
export async function compareRuns(
  ctx: ServiceContext,
  runGlobalIds: readonly string[],
  metricKeys: readonly string[] | null,
): Promise<RunComparison> {
  if (runGlobalIds.length < 2 || runGlobalIds.length > 50)
    throw new ValidationError('compare from 2 to 50 runs', ['ids']);
  if (metricKeys) boundedList(metricKeys, MAX_METRIC_KEYS, 'metrics');
  const ids = localIds(runGlobalIds, 'Run', 'ids');
  if (new Set(ids).size !== ids.length) throw new ValidationError('a run is given twice', ['ids']);
  const found = await ctx.db
    .select()
    .from(runs)
    .where(and(inArray(runs.id, ids), visibleProjects(ctx.actor, runs.projectId)));
  const byId = new Map(found.map((run) => [run.id, run]));
  const missing = ids.findIndex((id) => !byId.has(id));
  if (missing >= 0) throw new NotFoundError('run', runGlobalIds[missing]!);
  const keyFilter = metricKeys?.length
    ? sql` and key = any(${textArray(metricKeys)}::text[])`
    : sql``;
  const values = await selectRows<LastValue>(
    ctx.db,
    sql`select distinct on (run_id, key, slice_key) run_id::text, key, slice, slice_key, value,
               ci_lower, ci_upper, ci_level, sample_size
        from metrics
        where run_id = any(${textArray(ids)}::uuid[])${keyFilter}
        order by run_id, key, slice_key, step desc, id desc`,
  );
  const keys = [...new Set(values.map((v) => v.key))];
  const items = keys.length ? await perItemScores(ctx, ids, keys) : new Map();
  const rows = new Map<string, Map<string, LastValue>>();
  for (const value of values) {
    const row = `${value.key}\n${value.slice_key}`;
    if (!rows.has(row)) rows.set(row, new Map());
    rows.get(row)!.set(value.run_id, value);
  }
  const metrics = [...rows.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, byRun]) => {
      const any = [...byRun.values()][0]!;
      const base = byRun.get(ids[0]!);
      const unsliced = any.slice_key === '';
      const scoresOf = (runId: string) =>
        unsliced ? items.get(`${runId}\n${any.key}`) : undefined;
      return {
        key: any.key,
        slice: any.slice,
        values: ids.map((runId, i): ComparedValue => {
          const value = byRun.get(runId);
          const versus =
            i === 0
              ? {
                  delta: null,
                  deltaLower: null,
                  deltaUpper: null,
                  significant: null,
                  pValue: null,
                  method: 'NONE' as const,
                }
              : significanceOf(base, value, scoresOf(ids[0]!), scoresOf(runId));
          return {
            runId,
            value: value?.value ?? null,
            ciLower: value?.ci_lower ?? null,
            ciUpper: value?.ci_upper ?? null,
            ciLevel: value?.ci_level ?? null,
            sampleSize: value?.sample_size ?? null,
            ...versus,
          };
        }),
      };
    });
  return { runs: ids.map((id) => byId.get(id)!), metrics };
}

export interface ModelRanking {
  rank: number | null;
  modelVersionId: string;
  runId: string | null;
  value: number | null;
  ciLower: number | null;
  ciUpper: number | null;
  ciLevel: number | null;
  sampleSize: number | null;
}

/** The dataset version named by global id or "project/name@version" (label or digest). */
async function datasetVersionId(
  ctx: ServiceContext,
  ref: string,
  visible: ReturnType<typeof sql>,
): Promise<{ id: string }> {
  const parsed = parseRef(ref, ['DatasetVersion'], ['datasetVersion'], true);
  if (parsed.kind === 'id') return { id: parsed.id };
  const [found] = await selectRows<{ id: string }>(
    ctx.db,
    sql`select dv.id::text from dataset_versions dv join datasets d on d.id = dv.dataset_id
        join ${projects} p on p.id = d.project_id
        where p.slug = ${parsed.project} and d.name = ${parsed.name} and ${visible}
          and ${parsed.version!.startsWith('sha256:') ? sql`dv.digest` : sql`dv.version`} = ${parsed.version}`,
  );
  if (!found) throw new NotFoundError('dataset version', ref);
  return found;
}

/**
 * The latest successful evaluation of each model version (a model stands for all its
 * versions) on one dataset version, ranked by `metric` (unsliced, its last value); versions
 * with no such evaluation come last, unranked. One statement.
 */
export async function compareModels(
  ctx: ServiceContext,
  modelGlobalIds: readonly string[],
  datasetVersionGlobalId: string,
  metric: string,
  higherIsBetter: boolean,
): Promise<ModelRanking[]> {
  if (modelGlobalIds.length < 1 || modelGlobalIds.length > 100)
    throw new ValidationError('compare from 1 to 100 models', ['models']);
  const modelIds: string[] = [];
  const versionIds: string[] = [];
  const slugs = visibleSlugs(ctx.actor);
  const visible = slugs === null ? sql`true` : sql`p.slug = any(${textArray(slugs)}::text[])`;
  for (const [i, ref] of modelGlobalIds.entries()) {
    const path = ['models', String(i)];
    // "project/name" is a model (all its versions), "project/name@version" one version.
    const versioned = !decodeGlobalId(ref) && ref.includes('@');
    const parsed = parseRef(
      ref,
      versioned ? ['ModelVersion'] : ['Model', 'ModelVersion'],
      path,
      versioned,
    );
    if (parsed.kind === 'id') {
      (decodeGlobalId(ref)!.type === 'Model' ? modelIds : versionIds).push(parsed.id);
      continue;
    }
    const [found] = await selectRows<{ id: string }>(
      ctx.db,
      parsed.version === null
        ? sql`select m.id::text from models m join ${projects} p on p.id = m.project_id
              where p.slug = ${parsed.project} and m.name = ${parsed.name} and ${visible}`
        : sql`select mv.id::text from model_versions mv join models m on m.id = mv.model_id
              join ${projects} p on p.id = m.project_id
              where p.slug = ${parsed.project} and m.name = ${parsed.name} and ${visible}
                and ${parsed.version.startsWith('sha256:') ? sql`mv.digest` : sql`mv.version`} = ${parsed.version}`,
    );
    if (!found) throw new NotFoundError(versioned ? 'model version' : 'model', ref);
    (versioned ? versionIds : modelIds).push(found.id);
  }
  const dataset = await datasetVersionId(ctx, datasetVersionGlobalId, visible);
  if (!metric.trim()) throw new ValidationError('metric is empty', ['metric']);
  const rows = await selectRows<{
    model_version_id: string;
    run_id: string | null;
    value: number | null;
    ci_lower: number | null;
    ci_upper: number | null;
    ci_level: number | null;
    sample_size: number | null;
    dataset_visible: boolean;
  }>(
    ctx.db,
    sql`with versions as (
          select mv.id, mv.created_at from model_versions mv
          join models m on m.id = mv.model_id join ${projects} p on p.id = m.project_id
          where (mv.id = any(${textArray(versionIds)}::uuid[]) or mv.model_id = any(${textArray(modelIds)}::uuid[]))
            and ${visible}
        ), latest as (
          select distinct on (ri.model_version_id) ri.model_version_id, r.id as run_id
          from run_inputs ri
          join runs r on r.id = ri.run_id
          join ${projects} p on p.id = r.project_id
          where ri.model_version_id in (select id from versions)
            and r.status = 'SUCCEEDED' and ${visible}
            and exists (select 1 from run_inputs d where d.run_id = r.id and d.dataset_version_id = ${dataset.id}::uuid)
            and exists (select 1 from metric_summaries s where s.run_id = r.id and s.key = ${metric} and s.slice_key = '')
          order by ri.model_version_id, r.finished_at desc nulls last, r.id desc
        )
        select v.id::text as model_version_id, l.run_id::text, m.value, m.ci_lower, m.ci_upper,
               m.ci_level, m.sample_size,
               exists (select 1 from dataset_versions dv join datasets d on d.id = dv.dataset_id
                       join ${projects} p on p.id = d.project_id
                       where dv.id = ${dataset.id}::uuid and ${visible}) as dataset_visible
        from versions v
        left join latest l on l.model_version_id = v.id
        left join lateral (
          select value, ci_lower, ci_upper, ci_level, sample_size from metrics
          where run_id = l.run_id and key = ${metric} and slice_key = ''
          order by step desc, id desc limit 1
        ) m on true
        order by v.created_at, v.id`,
  );
  if (!rows[0]?.dataset_visible && rows.length)
    throw new NotFoundError('dataset version', datasetVersionGlobalId);
  const rankings: ModelRanking[] = rows.map((row) => ({
    rank: null,
    modelVersionId: row.model_version_id,
    runId: row.run_id,
    value: row.value,
    ciLower: row.ci_lower,
    ciUpper: row.ci_upper,
    ciLevel: row.ci_level,
    sampleSize: row.sample_size,
  }));
  const evaluated = rankings
    .filter((r) => r.value !== null)
    .sort((a, b) => (higherIsBetter ? b.value! - a.value! : a.value! - b.value!));
  evaluated.forEach((ranking, i) => {
    ranking.rank = i + 1;
  });
  return [...evaluated, ...rankings.filter((r) => r.value === null)];
}
