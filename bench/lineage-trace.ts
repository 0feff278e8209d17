// Tracing upstream from findings on the generated graph (about 1M edges at scale 1): the
// hub over HTTP against a hand-written recursive CTE over the same `lineage_edges` view, run
// through postgres.js in the same process, from the same start nodes, at depth 3, 10 and
// the full closure. Both must find the same nodes and edges, or the bench fails.
import postgres from 'postgres';
import type { DatabaseHandle } from '../src/db/connect.ts';
import { decodeGlobalId, encodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { LINEAGE_LIMITS, traceLineage } from '../src/resolvers/lineage/trace.ts';
import { graphql } from '../test/gql/index.ts';
import { startBenchHub } from './support/bench-hub.ts';
import { graphLabel, type LineageGraphDatabase } from './support/lineage-database.ts';
import { type BenchResult, ms, overFloor, timeInTurns } from './support/measure.ts';

const Trace = graphql(`
  query BenchTrace($id: ID!, $depth: Int!, $maxNodes: Int!) {
    trace(id: $id, direction: UPSTREAM, depth: $depth, maxNodes: $maxNodes) {
      nodes { id type depth }
      edges { from to relation role }
      isPartial
    }
  }
`);

/** A lineage graph as both sides report it: node id to depth (null: not computed), edges as text. */
interface Answer {
  nodes: Map<string, number | null>;
  edges: Set<string>;
}

const edgeKey = (up: string, down: string, relation: string, role: string | null) =>
  `${up} ${relation}${role === null ? '' : `(${role})`} ${down}`;

/** Relations whose `from` is the edge's up end (lineage.ts reads the others the other way). */
const FROM_IS_UP = new Set(['GENERATED', 'PART_OF']);

interface Depth {
  label: string;
  depth: number;
  maxNodes: number;
  runs: number;
}

const DEPTHS: Depth[] = [
  { label: 'depth 3', depth: 3, maxNodes: 1000, runs: 200 },
  { label: 'depth 10', depth: 10, maxNodes: 1000, runs: 200 },
  {
    label: 'full closure',
    depth: LINEAGE_LIMITS.maxDepth,
    maxNodes: LINEAGE_LIMITS.maxNodes,
    runs: 100,
  },
];

/**
 * Findings of runs whose dataset version ends a long derivation chain, one per run, the
 * deepest chains first: the traces that reach furthest back.
 */
async function startFindings(sql: postgres.Sql, count: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    with recursive chain(start, id, length) as (
      select id, derived_from_id, 1 from dataset_versions where derived_from_id is not null
      union all
      select c.start, dv.derived_from_id, c.length + 1
      from chain c join dataset_versions dv on dv.id = c.id
      where dv.derived_from_id is not null
    ),
    deepest as (select start as id, max(length) as length from chain group by start)
    select id from (
      select distinct on (f.run_id) f.id, d.length
      from findings f
      join run_inputs ri on ri.run_id = f.run_id and ri.role = 'dataset'
      join deepest d on d.id = ri.dataset_version_id
      order by f.run_id, f.id
    ) picked
    order by length desc, id
    limit ${count}`;
  if (rows.length < count) throw new Error(`only ${rows.length} findings to start traces from`);
  return rows.map((row) => row.id);
}

/**
 * The raw SQL: each step follows the edges into the nodes of the step before. The lateral
 * subquery with OFFSET 0 keeps the planner from flattening it into a join, which would hash
 * the whole view at every step (seconds); kept apart, `down_id = walk.id` reaches each edge
 * table's index. UNION drops rows already found, which is what makes it end on a cycle:
 * within the depth limit for (id, type, depth) rows, and for the closure, whose rows are
 * (id, type), once every node is found (distances are not computed there).
 */
async function rawTrace(sql: postgres.Sql, start: string, { depth }: Depth): Promise<Answer> {
  const rows =
    depth === LINEAGE_LIMITS.maxDepth
      ? await sql<RawRow[]>`
    with recursive walk(id, type) as (
      select ${start}::uuid, 'Finding'::text
      union
      select e.up_id, e.up_type
      from walk cross join lateral (
        select up_id, up_type from lineage_edges where down_id = walk.id offset 0
      ) e
    )
    select 'node' as kind, id::text, null::int as depth, null::text as up_id, null::text as down_id,
           null::text as relation, null::text as role
    from walk
    union all
    select 'edge', null, null, e.up_id::text, e.down_id::text, e.relation, e.role
    from walk cross join lateral (
      select up_id, down_id, relation, role from lineage_edges where down_id = walk.id offset 0
    ) e
    where e.up_id in (select id from walk)`
      : await sql<RawRow[]>`
    with recursive walk(id, type, depth) as (
      select ${start}::uuid, 'Finding'::text, 0
      union
      select e.up_id, e.up_type, walk.depth + 1
      from walk cross join lateral (
        select up_id, up_type from lineage_edges where down_id = walk.id offset 0
      ) e
      where walk.depth < ${depth}
    ),
    nodes as (select id, min(depth) as depth from walk group by id)
    select 'node' as kind, id::text, depth, null::text as up_id, null::text as down_id,
           null::text as relation, null::text as role
    from nodes
    union all
    select 'edge', null, null, e.up_id::text, e.down_id::text, e.relation, e.role
    from nodes cross join lateral (
      select up_id, down_id, relation, role from lineage_edges where down_id = nodes.id offset 0
    ) e
    where e.up_id in (select id from nodes)`;
  const answer: Answer = { nodes: new Map(), edges: new Set() };
  for (const row of rows)
    if (row.kind === 'node') answer.nodes.set(row.id!, row.depth);
    else answer.edges.add(edgeKey(row.up_id!, row.down_id!, row.relation!, row.role));
  return answer;
}

interface RawRow {
  kind: 'node' | 'edge';
  id: string | null;
  depth: number | null;
  up_id: string | null;
  down_id: string | null;
  relation: string | null;
  role: string | null;
}

function hubAnswer(trace: {
  nodes: { id: string; depth: number }[];
  edges: { from: string; to: string; relation: string; role?: string | null }[];
}): Answer {
  const uuid = (globalId: string) => decodeGlobalId(globalId)!.id;
  return {
    nodes: new Map(trace.nodes.map((node) => [uuid(node.id), node.depth])),
    edges: new Set(
      trace.edges.map((edge) => {
        const [up, down] = FROM_IS_UP.has(edge.relation)
          ? [edge.from, edge.to]
          : [edge.to, edge.from];
        return edgeKey(uuid(up), uuid(down), edge.relation, edge.role ?? null);
      }),
    ),
  };
}

/**
 * Throws unless both found the same nodes (at the same depths, where the raw SQL has them)
 * and edges; a hub walk that `maxNodes` cut short must lie within the raw SQL's.
 */
function checkSame(hub: Answer, raw: Answer, cutByMaxNodes: boolean, what: string) {
  const problems: string[] = [];
  if (cutByMaxNodes) {
    for (const id of hub.nodes.keys())
      if (!raw.nodes.has(id)) problems.push(`hub node ${id} is not in the raw closure`);
  } else {
    for (const [id, depth] of raw.nodes) {
      const found = hub.nodes.get(id);
      if (found === undefined) problems.push(`hub lacks node ${id}`);
      else if (depth !== null && found !== depth)
        problems.push(`node ${id} at depth ${found} by the hub, ${depth} by raw SQL`);
    }
    for (const id of hub.nodes.keys())
      if (!raw.nodes.has(id)) problems.push(`raw SQL lacks node ${id}`);
    for (const edge of raw.edges) if (!hub.edges.has(edge)) problems.push(`hub lacks ${edge}`);
    for (const edge of hub.edges) if (!raw.edges.has(edge)) problems.push(`raw SQL lacks ${edge}`);
  }
  if (problems.length)
    throw new Error(
      `${what}: the hub and the raw SQL disagree:\n${problems.slice(0, 10).join('\n')}`,
    );
}

const range = (values: number[]) => {
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return low === high ? String(low) : `${low}–${high}`;
};

/** Traces on the generated graph in `database` (PostgreSQL), the hub against raw SQL. */
export async function benchLineageTrace(
  database: DatabaseHandle,
  graph: LineageGraphDatabase,
): Promise<BenchResult> {
  const sql = postgres(graph.url, { max: 1, onnotice: () => {} });
  // The hub prepares its walk, as this raw SQL is; run unprepared too, it shows what planning
  // the ten-branch edge view costs.
  const unprepared = postgres(graph.url, { max: 1, prepare: false, onnotice: () => {} });
  const client = await startBenchHub(database);
  const figures: BenchResult['figures'] = {};
  try {
    const starts = await startFindings(sql, 5);
    figures['start nodes'] =
      `${starts.length} findings of runs whose dataset versions end the deepest derivation chains`;
    for (const level of DEPTHS) {
      const variables = (start: string) => ({
        id: encodeGlobalId('Finding', start),
        depth: level.depth,
        maxNodes: level.maxNodes,
      });
      // Every start, once each way: the same answer, or no figures at all.
      const sizes: number[] = [];
      const edgeCounts: number[] = [];
      let cut = 0;
      for (const start of starts) {
        const hubTrace = (await client.request(Trace, variables(start))).trace;
        if (!hubTrace) throw new Error(`the hub found no finding ${start}`);
        const hub = hubAnswer(hubTrace);
        const cutByMaxNodes = hubTrace.isPartial && hub.nodes.size >= level.maxNodes;
        const what = `${level.label} from finding ${start}`;
        checkSame(hub, await rawTrace(sql, start, level), cutByMaxNodes, what);
        sizes.push(hub.nodes.size);
        edgeCounts.push(hub.edges.size);
        if (cutByMaxNodes) cut += 1;
      }
      const start = (round: number) => starts[round % starts.length]!;
      const timings = await timeInTurns(
        {
          hub: (round) => client.request(Trace, variables(start(round))),
          resolver: (round) =>
            traceLineage(client.services, {
              id: encodeGlobalId('Finding', start(round)),
              direction: 'UPSTREAM',
              depth: level.depth,
              maxNodes: level.maxNodes,
            }),
          raw: (round) => rawTrace(sql, start(round), level),
          unprepared: (round) => rawTrace(unprepared, start(round), level),
          ping: () => client.ping(),
          bare: () => client.bare(),
        },
        level.runs,
      );
      const { hub: hubTiming, resolver: resolverTiming, raw: rawTiming } = timings;
      const unpreparedTiming = timings.unprepared;
      figures[`${level.label}: nodes / edges (hub = raw SQL)`] =
        `${range(sizes)} / ${range(edgeCounts)}${cut ? ` (${cut} of ${starts.length} cut short by maxNodes ${level.maxNodes})` : ''}`;
      figures[`${level.label}: hub p50 / p95 (HTTP + GraphQL)`] =
        `${ms(hubTiming.p50)} / ${ms(hubTiming.p95)}`;
      figures[`${level.label}: HTTP + GraphQL alone ({ __typename }) p50`] = ms(timings.ping.p50);
      figures[`${level.label}: bare HTTP round trip p50`] = ms(timings.bare.p50);
      figures[`${level.label}: hub resolver only p50`] = ms(resolverTiming.p50);
      figures[`${level.label}: raw SQL p50 / p95`] = `${ms(rawTiming.p50)} / ${ms(rawTiming.p95)}`;
      figures[`${level.label}: raw SQL unprepared p50`] = ms(unpreparedTiming.p50);
      figures[`${level.label}: ratio hub / (raw SQL + bare round trip) (p50)`] = overFloor(
        hubTiming,
        rawTiming,
        timings.bare,
      );
      figures[`${level.label}: ratio hub / raw SQL (p50)`] = Number(
        (hubTiming.p50 / rawTiming.p50).toFixed(2),
      );
      figures[`${level.label}: ratio hub resolver / raw SQL (p50)`] = Number(
        (resolverTiming.p50 / rawTiming.p50).toFixed(2),
      );
    }
  } finally {
    await client.close();
    await sql.end();
    await unprepared.end();
  }
  return { name: `lineage trace (postgres, ${graphLabel(graph)})`, figures };
}
