// The lineage walk: a breadth-first search over the `lineage_edges` view in ONE SQL
// statement, whatever the depth.
//
// A plain recursive CTE over edges cannot remember which nodes it has seen (each step sees
// only the rows of the step before), so on a graph with diamonds it expands a node once per
// path, and on a cycle it goes round until the depth limit. Instead, each step of this CTE
// is one row holding the whole frontier and every node visited so far as arrays: the next
// frontier is the frontier's neighbours that are not yet visited. Each node is expanded
// once, cycles end by themselves, and the depth of a node is its true (shortest) distance.
// Each step probes the edge tables' indexes with `= any(frontier)`.
import { type SQL, sql } from 'drizzle-orm';
import { type Queryable, selectPreparedRows, textArray } from '../../db/rows.ts';

export type WalkDirection = 'UPSTREAM' | 'DOWNSTREAM';

export interface WalkRequest {
  /** Where the walk starts (depth 0): ids and their node types. */
  start: readonly { id: string; type: string }[];
  directions: readonly WalkDirection[];
  maxDepth: number;
  maxNodes: number;
  /** Slugs of the projects whose nodes may be visited; null for all. The walk stops at others. */
  visibleProjects: readonly string[] | null;
  /** Stop as soon as this node is reached (for paths). */
  target?: string;
}

export interface WalkNode {
  id: string;
  type: string;
  depth: number;
  direction: WalkDirection;
}

export interface WalkEdge {
  upId: string;
  upType: string;
  downId: string;
  downType: string;
  relation: string;
  role: string | null;
}

export interface WalkResult {
  /** Each node once per direction it was reached in, at its shortest distance. */
  nodes: WalkNode[];
  edges: WalkEdge[];
  /** The depth at which a walk left nodes out (by maxDepth or maxNodes), or null if none did. */
  truncatedAt: number | null;
  /** Whether the walk stopped at nodes the actor may not see. */
  hiddenNodes: boolean;
  /** How many distinct nodes it stopped at because the actor may not see them. */
  hiddenNodeCount: number;
}

/** The recursive CTE named `name` that walks in `direction`. */
function walkCte(name: string, direction: WalkDirection, request: WalkRequest): SQL {
  // Walking upstream goes from an edge's down end to its up end; downstream the other way.
  const [from, to] = direction === 'UPSTREAM' ? ['down', 'up'] : ['up', 'down'];
  const self = sql.raw(name);
  const fromId = sql.raw(`e.${from}_id`);
  const toId = sql.raw(`${to}_id`);
  const toType = sql.raw(`${to}_type`);
  const edgeTo = sql.raw(`e.${to}_id`);
  const visible =
    request.visibleProjects === null
      ? sql`true`
      : sql`e.${sql.raw(to)}_project_id in (select id from projects where slug = any(${textArray(request.visibleProjects)}::text[]))`;
  const stopAtTarget = request.target
    ? sql`and not ${request.target}::uuid = any(w.visited)`
    : sql``;
  const ids = request.start.map((node) => node.id);
  // The walk keeps an edge's ends, relation and role, not its projects: leaving the project
  // columns out lets the planner drop the view's joins that find them (two to four in each
  // of its ten branches), which took a depth-10 walk on the 1M-edge bench graph from 4.0
  // to 2.6 ms (p50), planning most of the difference.
  const edgeRow = sql`row(e.up_id, e.up_type, null, e.down_id, e.down_type, null, e.relation, e.role)::lineage_edges`;
  return sql`${self}(ids, types, visited, depth, edges, hidden, cut) as (
    select ${textArray(ids)}::uuid[], ${textArray(request.start.map((node) => node.type))}::text[],
           ${textArray(ids)}::uuid[], 0, '{}'::lineage_edges[], '{}'::uuid[], false
    union all
    select next.ids[1:room.n], next.types[1:room.n], w.visited || next.ids[1:room.n], w.depth + 1,
           step.edges, step.hidden, cardinality(next.ids) > room.n
    from ${self} w
    cross join lateral (
      select coalesce(array_agg(${edgeRow}) filter (where ${visible}), '{}') as edges,
             coalesce(array_agg(distinct ${edgeTo}) filter (where not (${visible})), '{}') as hidden
      from lineage_edges e
      where ${fromId} = any(w.ids)
    ) step
    cross join lateral (
      select greatest(${request.maxNodes}::int - cardinality(w.visited), 0) as n
    ) room
    cross join lateral (
      select coalesce(array_agg(x.id order by x.id), '{}') as ids,
             coalesce(array_agg(x.type order by x.id), '{}') as types
      from (
        select distinct (e).${toId} as id, (e).${toType} as type
        from unnest(step.edges) e
        where not (e).${toId} = any(w.visited)
        order by 1
        limit room.n + 1
      ) x
    ) next
    where cardinality(w.ids) > 0 and w.depth <= ${request.maxDepth}::int and not w.cut ${stopAtTarget}
  )`;
}

/** Walks the lineage graph from `request.start`; see the comment at the top of this file. */
export async function walkLineage(db: Queryable, request: WalkRequest): Promise<WalkResult> {
  const names = request.directions.map((direction) =>
    direction === 'UPSTREAM' ? 'upstream' : 'downstream',
  );
  const ctes = request.directions.map((direction, i) => walkCte(names[i]!, direction, request));
  const levels = sql.join(
    names.map(
      (name, i) => sql`select ${request.directions[i]}::text as direction, * from ${sql.raw(name)}`,
    ),
    sql` union all `,
  );
  // Levels past maxDepth are walked only to learn whether the depth cut left nodes out.
  const rows = await selectPreparedRows<{
    kind: 'node' | 'edge' | 'cut';
    id: string | null;
    type: string | null;
    depth: number | null;
    direction: WalkDirection | null;
    up_id: string | null;
    up_type: string | null;
    down_id: string | null;
    down_type: string | null;
    relation: string | null;
    role: string | null;
    hidden: number | null;
  }>(
    db,
    sql`with recursive ${sql.join(ctes, sql`, `)},
    levels as (${levels}),
    nodes as (
      select distinct on (n.id, l.direction) n.id, n.type, l.depth, l.direction
      from levels l, unnest(l.ids, l.types) as n(id, type)
      where l.depth <= ${request.maxDepth}::int
      order by n.id, l.direction, l.depth
    )
    select 'node' as kind, id::text, type, depth, direction,
           null::text as up_id, null::text as up_type, null::text as down_id,
           null::text as down_type, null::text as relation, null::text as role, null::int as hidden
    from nodes
    union all
    select distinct 'edge', null::text, null::text, null::int, null::text, (e).up_id::text, (e).up_type,
           (e).down_id::text, (e).down_type, (e).relation, (e).role, null::int
    from levels l, unnest(l.edges) e
    where (e).up_id in (select id from nodes) and (e).down_id in (select id from nodes)
    union all
    select 'cut', null::text, null::text,
           min(case when l.cut or (l.depth > ${request.maxDepth}::int and cardinality(l.ids) > 0)
                    then least(l.depth, ${request.maxDepth}::int) end),
           null::text, null::text, null::text, null::text, null::text, null::text, null::text,
           (select count(distinct h)::int from levels, unnest(levels.hidden) h)
    from levels l`,
  );
  const result: WalkResult = {
    nodes: [],
    edges: [],
    truncatedAt: null,
    hiddenNodes: false,
    hiddenNodeCount: 0,
  };
  for (const row of rows) {
    if (row.kind === 'node')
      result.nodes.push({
        id: row.id!,
        type: row.type!,
        depth: Number(row.depth),
        direction: row.direction!,
      });
    else if (row.kind === 'edge')
      result.edges.push({
        upId: row.up_id!,
        upType: row.up_type!,
        downId: row.down_id!,
        downType: row.down_type!,
        relation: row.relation!,
        role: row.role,
      });
    else {
      result.truncatedAt = row.depth === null ? null : Number(row.depth);
      result.hiddenNodeCount = Number(row.hidden ?? 0);
      result.hiddenNodes = result.hiddenNodeCount > 0;
    }
  }
  result.nodes.sort((a, b) => a.depth - b.depth || a.id.localeCompare(b.id));
  return result;
}
