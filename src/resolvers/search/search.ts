// Search across models, datasets, workflows, runs and findings: PostgreSQL full-text
// search (weighted vectors kept by the tables themselves, prefix matching, highlighted
// snippets) combined with the filter language of filter.ts. One statement answers a
// page, the found items' rows with it; facets and the total are one more, made only when a
// client asks for them.

import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { selectRows, textArray } from '../../db/rows.ts';
import { datasets, findings, models, projects, runs, workflows } from '../../db/schema.ts';
import { visibleSlugs } from '../core/actor.ts';
import type { ServiceContext } from '../core/context.ts';
import { ValidationError } from '../core/errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type PageInfo } from '../core/pagination.ts';
import {
  allOf,
  type Condition,
  compileSearchFilter,
  type SearchFilter,
  type SearchType,
  searchTypes,
  subjects,
  validateSearchFilter,
} from './filter.ts';

export type SearchOrder = 'RELEVANCE' | 'NEWEST' | 'OLDEST';

export interface SearchArgs {
  query?: string | null;
  filter?: SearchFilter | null;
  orderBy?: SearchOrder | null;
  first?: number | null;
  after?: string | null;
}

/** The row of an item found: a run, a finding, or a model, dataset or workflow. */
export type SearchItem =
  | typeof runs.$inferSelect
  | typeof findings.$inferSelect
  | typeof models.$inferSelect
  | typeof datasets.$inferSelect
  | typeof workflows.$inferSelect;

export interface SearchHit {
  type: SearchType;
  id: string;
  /** Its row, read by the page's statement (through the same scope as the page). */
  item: SearchItem;
  /** Relevance to the query (0 without one); higher is better. */
  rank: number;
  createdAt: Date;
  title: string;
  /** The title with the query's words marked, HTML-escaped; null without a query. */
  titleHighlight: string | null;
  /** A passage of the description, summary or error with the words marked; null when none matched. */
  snippet: string | null;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface SearchFacets {
  total: number;
  types: FacetCount[];
  statuses: FacetCount[];
  severities: FacetCount[];
  runners: FacetCount[];
  projects: FacetCount[];
  tags: FacetCount[];
}

export interface SearchConnection {
  edges: { cursor: string; node: SearchHit }[];
  pageInfo: PageInfo;
  /** Counts over every match (not just this page), computed when first asked for. */
  facets: () => Promise<SearchFacets>;
}

/** What each kind of item shows as its title and its searchable passage. */
interface Searchable {
  table: PgTable;
  id: PgColumn;
  vector: PgColumn;
  title: SQL;
  body: SQL;
  status: SQL;
  severity: SQL;
  runner: SQL;
  /** The slug of its project. */
  project: SQL;
  /** Its tags (none for a finding). */
  tags: SQL;
}

const searchables: Record<SearchType, Searchable> = {
  MODEL: catalogue(models),
  DATASET: catalogue(datasets),
  WORKFLOW: catalogue(workflows),
  RUN: {
    table: runs,
    id: runs.id,
    vector: runs.searchVector,
    // Unnamed: a run of a workflow (not one of its steps) by the workflow's name, any other
    // by its runner.
    title: sql`coalesce(${runs.name}, (
        select tw.name from workflow_versions twv join workflows tw on tw.id = twv.workflow_id
        where twv.id = ${runs.workflowVersionId} and ${runs.stepId} is null), ${runs.runnerId}) || ' run'`,
    body: sql`coalesce(${runs.error}->>'message', '')`,
    status: sql`${runs.status}::text`,
    severity: sql`null::text`,
    runner: sql`${runs.runnerId}`,
    project: projectSlug(runs.projectId),
    tags: sql`${runs.tags}`,
  },
  FINDING: {
    table: findings,
    id: findings.id,
    vector: findings.searchVector,
    title: sql`${findings.title}`,
    body: sql`${findings.summary}`,
    status: sql`null::text`,
    severity: sql`${findings.severity}::text`,
    runner: sql`(select fr.runner_id from runs fr where fr.id = ${findings.runId})`,
    project: projectSlug(findings.projectId),
    tags: sql`'{}'::text[]`,
  },
};

function catalogue(table: typeof models | typeof datasets | typeof workflows): Searchable {
  const columns = getTableColumns(table);
  return {
    table,
    id: columns.id,
    vector: columns.searchVector,
    title: sql`${columns.name}`,
    body: sql`${columns.description}`,
    status: sql`null::text`,
    severity: sql`null::text`,
    runner: sql`null::text`,
    project: projectSlug(columns.projectId),
    tags: sql`${columns.tags}`,
  };
}

function projectSlug(projectId: PgColumn): SQL {
  return sql`(select fp.slug from ${projects} fp where fp.id = ${projectId})`;
}

// Marks the highlighter puts around matches; control characters a text never holds, so the
// text can be HTML-escaped first and the marks turned into <mark> after.
const START = '\u0002';
const STOP = '\u0003';

function highlighted(text: string | null): string | null {
  if (text === null) return null;
  const escaped = text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
  return escaped.replaceAll(START, '<mark>').replaceAll(STOP, '</mark>');
}

/**
 * The query as a tsquery: web-search syntax ("quoted phrases", or, -not), each word also
 * matching as a prefix so that "calib" finds "calibration". Apostrophes are dropped first:
 * they would end a lexeme early in the rewrite.
 */
function tsQuery(text: string): SQL {
  const cleaned = text.replaceAll("'", ' ');
  // Cast, not to_tsquery(): the lexemes are parsed already, and parsing them again would
  // split a hyphenated one ("resnet-50") into a longer phrase that no longer matches.
  return sql`(regexp_replace(websearch_to_tsquery('english', ${cleaned})::text, '''([^'']+)''', '''\\1'':*', 'g'))::tsquery`;
}

interface Cursor {
  rank: number;
  createdAt: string;
  id: string;
}

function encodeCursor(order: SearchOrder, hit: SearchHit): string {
  return Buffer.from(
    JSON.stringify([order, hit.rank, hit.createdAt.toISOString(), hit.id]),
  ).toString('base64url');
}

function decodeCursor(order: SearchOrder, cursor: string): Cursor {
  try {
    const [name, rank, createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (
      name === order &&
      typeof rank === 'number' &&
      typeof id === 'string' &&
      !Number.isNaN(Date.parse(createdAt))
    )
      return { rank, createdAt, id };
  } catch {
    // Not JSON: answered below.
  }
  throw new ValidationError(`not a cursor of this search in ${order} order`, ['after']);
}

interface Plan {
  text: string | null;
  /** The condition on each kind of item that can match at all. */
  conditions: [SearchType, SQL][];
}

function plan(ctx: ServiceContext, args: SearchArgs): Plan {
  const filter = args.filter ?? {};
  validateSearchFilter(filter);
  const text = args.query?.trim() ? args.query.trim() : null;
  if (text && text.length > 500)
    throw new ValidationError('a query has at most 500 characters', ['query']);
  const visible = visibleSlugs(ctx.actor);
  const conditions: [SearchType, SQL][] = [];
  for (const type of searchTypes) {
    const subject = subjects[type];
    const scope: Condition =
      visible === null
        ? true
        : sql`${subject.projectId} in (select id from projects where slug = any(${textArray(visible)}::text[]))`;
    const matches: Condition = text ? sql`${searchables[type].vector} @@ q.query` : true;
    const condition = allOf([scope, matches, compileSearchFilter(filter, subject, visible)]);
    if (condition === false) continue;
    conditions.push([type, condition === true ? sql`true` : condition]);
  }
  return { text, conditions };
}

/** The query as a one-row table, q, that every part of a statement matches against. */
const queryStatement = (text: string | null) =>
  text ? sql`select ${tsQuery(text)} as query` : sql`select null::tsquery as query`;

const queryCte = (text: string | null) => sql`with q as (${queryStatement(text)}) `;

/** The row of the item a page's row found, whichever of the joined tables holds it. */
function itemOf(row: {
  type: SearchType;
  id: string;
  run: SearchItem | null;
  finding: SearchItem | null;
  model: SearchItem | null;
  dataset: SearchItem | null;
  workflow: SearchItem | null;
}): SearchItem {
  const item = {
    RUN: row.run,
    FINDING: row.finding,
    MODEL: row.model,
    DATASET: row.dataset,
    WORKFLOW: row.workflow,
  }[row.type];
  if (!item) throw new Error(`search found ${row.type} ${row.id} without its row`);
  return item;
}

/** Finds items by text and filter, a page at a time. */
export async function search(ctx: ServiceContext, args: SearchArgs): Promise<SearchConnection> {
  const order: SearchOrder = args.orderBy ?? (args.query?.trim() ? 'RELEVANCE' : 'NEWEST');
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE)
    throw new ValidationError(`first must be a whole number from 0 to ${MAX_PAGE_SIZE}`, ['first']);
  const after = args.after ? decodeCursor(order, args.after) : null;
  const { text, conditions } = plan(ctx, args);
  const facets = memo(() => searchFacets(ctx, text, conditions));
  if (conditions.length === 0) return { edges: [], pageInfo: emptyPage, facets };

  const branches = conditions.map(([type, condition]) => {
    const s = searchables[type];
    const rank = text ? sql`ts_rank(${s.vector}, q.query)::float8` : sql`0::float8`;
    return sql`select ${type}::text as type, ${s.id} as id, ${subjects[type].createdAt} as created_at,
      ${rank} as rank, ${s.title} as title, ${s.body} as body
      from ${s.table}, q where ${condition}`;
  });
  const [keys, direction] =
    order === 'RELEVANCE'
      ? [sql`(rank, created_at, id)`, sql`<`]
      : order === 'NEWEST'
        ? [sql`(created_at, id)`, sql`<`]
        : [sql`(created_at, id)`, sql`>`];
  const orderBy = (prefix: string) => {
    const [rank, createdAt, id] = ['rank', 'created_at', 'id'].map((c) => sql.raw(prefix + c));
    return order === 'RELEVANCE'
      ? sql`${rank} desc, ${createdAt} desc, ${id} desc`
      : order === 'NEWEST'
        ? sql`${createdAt} desc, ${id} desc`
        : sql`${createdAt} asc, ${id} asc`;
  };
  const cursorCondition = after
    ? order === 'RELEVANCE'
      ? sql`where ${keys} ${direction} (${after.rank}::float8, ${after.createdAt}::timestamptz, ${after.id}::uuid)`
      : sql`where ${keys} ${direction} (${after.createdAt}::timestamptz, ${after.id}::uuid)`
    : sql``;
  const headline = (column: string, options: string) =>
    text
      ? sql`ts_headline('english', ${sql.raw(column)}, q.query, ${`StartSel=${START}, StopSel=${STOP}, ${options}`})`
      : sql`null::text`;
  // Highlighting is costly, so only the page's rows get it: the inner query sorts and cuts.
  // Each item's row comes in the same statement (joined by type and id), so that showing
  // what was found costs nothing more: the page was read through the actor's scope.
  const q = ctx.db.$with('q', { query: sql`query` }).as(queryStatement(text));
  const page = sql`(
      select * from (${sql.join(branches, sql` union all `)}) hits
      ${cursorCondition}
      order by ${orderBy('')}
      limit ${first + 1}
    ) page cross join q`;
  const found = (type: SearchType, id: PgColumn) => sql`page.type = ${type} and ${id} = page.id`;
  const rows = await ctx.db
    .with(q)
    .select({
      type: sql<SearchType>`page.type`,
      id: sql<string>`page.id::text`,
      createdAt: sql<string | Date>`page.created_at`,
      rank: sql<number>`page.rank`,
      title: sql<string>`page.title`,
      titleHighlight: sql<string | null>`${headline('page.title', 'HighlightAll=true')}`,
      snippet: sql<
        string | null
      >`case when page.body <> '' then ${headline('page.body', 'MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "')} end`,
      bodyMatches: text
        ? sql<boolean | null>`to_tsvector('english', page.body) @@ q.query`
        : sql<boolean | null>`null::bool`,
      run: runs,
      finding: findings,
      model: models,
      dataset: datasets,
      workflow: workflows,
    })
    .from(page)
    .leftJoin(runs, found('RUN', runs.id))
    .leftJoin(findings, found('FINDING', findings.id))
    .leftJoin(models, found('MODEL', models.id))
    .leftJoin(datasets, found('DATASET', datasets.id))
    .leftJoin(workflows, found('WORKFLOW', workflows.id))
    .orderBy(orderBy('page.'));
  const hits: SearchHit[] = rows.slice(0, first).map((row) => ({
    type: row.type,
    id: row.id,
    item: itemOf(row),
    rank: Number(row.rank),
    createdAt: new Date(row.createdAt),
    title: row.title,
    titleHighlight: highlighted(row.titleHighlight),
    // A passage is worth showing when the words are in it, not just in the title.
    snippet: row.bodyMatches ? highlighted(row.snippet) : null,
  }));
  const edges = hits.map((node) => ({ node, cursor: encodeCursor(order, node) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    facets,
  };
}

const emptyPage: PageInfo = {
  hasNextPage: false,
  hasPreviousPage: false,
  startCursor: null,
  endCursor: null,
};

function memo<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => {
    result ??= compute();
    return result;
  };
}

/**
 * Counts of every match by type, run status, finding severity, runner, project and tag: one
 * statement (an item with several tags counts once under each).
 */
async function searchFacets(
  ctx: ServiceContext,
  text: string | null,
  conditions: [SearchType, SQL][],
): Promise<SearchFacets> {
  const facets: SearchFacets = {
    total: 0,
    types: [],
    statuses: [],
    severities: [],
    runners: [],
    projects: [],
    tags: [],
  };
  if (conditions.length === 0) return facets;
  const branches = conditions.map(([type, condition]) => {
    const s = searchables[type];
    return sql`select ${type}::text as type, ${s.status} as status, ${s.severity} as severity,
      ${s.runner} as runner, ${s.project} as project, ${s.tags} as tags
      from ${s.table}, q where ${condition}`;
  });
  const rows = await selectRows<{
    set: number;
    type: string | null;
    status: string | null;
    severity: string | null;
    runner: string | null;
    project: string | null;
    tag: string | null;
    n: number;
  }>(
    ctx.db,
    sql`${queryCte(text)}, matches as (${sql.join(branches, sql` union all `)})
    select grouping(type, status, severity, runner, project)::int as set, type, status, severity,
           runner, project, null::text as tag, count(*)::int as n
    from matches
    group by grouping sets ((type), (status), (severity), (runner), (project))
    union all
    select -1, null, null, null, null, null, tag, count(*)::int
    from matches, unnest(matches.tags) tag
    group by tag
    order by n desc, type, status, severity, runner, project, tag`,
  );
  // grouping() sets a bit for each column a row is NOT grouped by: 0b01111 is the (type) set;
  // -1 marks the tags' rows.
  const sets: Record<
    number,
    [
      keyof Omit<SearchFacets, 'total'>,
      'type' | 'status' | 'severity' | 'runner' | 'project' | 'tag',
    ]
  > = {
    15: ['types', 'type'],
    23: ['statuses', 'status'],
    27: ['severities', 'severity'],
    29: ['runners', 'runner'],
    30: ['projects', 'project'],
    [-1]: ['tags', 'tag'],
  };
  for (const row of rows) {
    const [facet, column] = sets[row.set]!;
    const value = row[column];
    if (value === null) continue;
    facets[facet].push({ value, count: row.n });
    if (facet === 'types') facets.total += row.n;
  }
  return facets;
}
