// Search: words in the hub's query language, a filter builder (type, status, severity,
// runner, project, tags, used model or dataset, time, a metric predicate), facet counts,
// highlighted snippets, paging.
import { useQuery } from 'urql';
import { Link } from 'wouter';
import type { Comparison, RunStatus, SearchFilter, SearchType, Severity } from '../gql/graphql.ts';
import { graphql } from '../gql/index.ts';
import {
  Failure,
  Highlighted,
  Pager,
  RUN_STATUSES,
  SEVERITIES,
  Select,
  useFilters,
  usePages,
} from '../parts/common.tsx';

const SearchQuery = graphql(`
  query UiSearch($query: String, $filter: SearchFilter, $first: Int!, $after: String) {
    search(query: $query, filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      facets {
        types { value count }
        statuses { value count }
        severities { value count }
        runners { value count }
        projects { value count }
        tags { value count }
      }
      edges {
        cursor
        node {
          type title titleHighlight snippet
          node { __typename ... on Node { id } }
        }
      }
    }
  }
`);

const TYPES = ['RUN', 'FINDING', 'MODEL', 'DATASET', 'WORKFLOW'] as const;
const COMPARISONS = ['GT', 'GTE', 'LT', 'LTE', 'EQ'] as const;

function linkTo(type: string, id: string): string {
  if (type === 'RUN') return `/runs/${id}`;
  return `/lineage?id=${encodeURIComponent(id)}`;
}

export default function Search() {
  const [params, change] = useFilters();
  const field = (name: string, label: string, props: object = {}) => (
    <label>
      {label}{' '}
      <input
        name={name}
        // Set again when a facet changes it.
        key={params.get(name) ?? ''}
        defaultValue={params.get(name) ?? ''}
        onBlur={(e) => change({ [name]: e.target.value.trim() })}
        onKeyDown={(e) => e.key === 'Enter' && change({ [name]: e.currentTarget.value.trim() })}
        {...props}
      />
    </label>
  );
  return (
    <>
      <h1>Search</h1>
      <form
        aria-label="Search"
        onSubmit={(e) => {
          e.preventDefault();
          const q = new FormData(e.currentTarget).get('q');
          change({ q: String(q ?? '').trim() });
        }}
      >
        <label>
          Search for{' '}
          <input
            name="q"
            type="search"
            size={50}
            defaultValue={params.get('q') ?? ''}
            placeholder='words, "a phrase", -not, a or b'
          />
        </label>{' '}
        <button type="submit">Search</button>
      </form>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <Select
          label="Type"
          value={params.get('type') ?? ''}
          options={TYPES}
          onChange={(type) => change({ type })}
        />
        <Select
          label="Status"
          value={params.get('status') ?? ''}
          options={RUN_STATUSES}
          onChange={(status) => change({ status })}
        />
        <Select
          label="Severity"
          value={params.get('severity') ?? ''}
          options={SEVERITIES}
          onChange={(severity) => change({ severity })}
        />
        {field('project', 'Project')}
        {field('runner', 'Runner')}
        {field('tag', 'Tag')}
        {field('model', 'Used model', { placeholder: 'project/name@version' })}
        {field('dataset', 'Used dataset', { placeholder: 'project/name@version' })}
        {field('since', 'Since', { type: 'date' })}
        {field('until', 'Until', { type: 'date' })}
        <fieldset>
          <legend>Metric</legend>
          {field('metric', 'Key', { size: 10 })}
          <Select
            label="is"
            value={params.get('op') ?? ''}
            options={COMPARISONS}
            onChange={(op) => change({ op })}
          />
          {field('value', 'Value', { size: 6, inputMode: 'decimal' })}
        </fieldset>
      </form>
      <Results key={params.toString()} params={params} change={change} />
    </>
  );
}

/** The start of a day (`YYYY-MM-DD`, local time), `days` later; null for no valid day. */
function dayStart(day: string | null, days = 0): string | null {
  const at = day ? new Date(`${day}T00:00`) : null;
  if (!at || Number.isNaN(at.getTime())) return null;
  at.setDate(at.getDate() + days);
  return at.toISOString();
}

function filterOf(params: URLSearchParams): SearchFilter {
  const get = (name: string) => params.get(name) || null;
  const metric = get('metric');
  const op = get('op');
  const value = get('value');
  return {
    ...(get('type') ? { type: [get('type') as SearchType] } : {}),
    ...(get('status') ? { status: [get('status') as RunStatus] } : {}),
    ...(get('severity') ? { severity: [get('severity') as Severity] } : {}),
    ...(get('project') ? { project: [get('project')!] } : {}),
    ...(get('runner') ? { runner: [get('runner')!] } : {}),
    ...(get('tag') ? { tags: [get('tag')!] } : {}),
    ...(get('model') ? { usedModel: get('model')! } : {}),
    ...(get('dataset') ? { usedDataset: get('dataset')! } : {}),
    ...(dayStart(get('since')) ? { createdAfter: dayStart(get('since'))! } : {}),
    // Until a day: up to its end, the start of the next.
    ...(dayStart(get('until'), 1) ? { createdBefore: dayStart(get('until'), 1)! } : {}),
    ...(metric && op && value !== null && Number.isFinite(Number(value))
      ? { metric: { key: metric, op: op as Comparison, value: Number(value) } }
      : {}),
  };
}

function Results({
  params,
  change,
}: {
  params: URLSearchParams;
  change: (c: Record<string, string | null>) => void;
}) {
  const pages = usePages();
  const [{ data, error }] = useQuery({
    query: SearchQuery,
    variables: {
      query: params.get('q') || null,
      filter: filterOf(params),
      first: 20,
      after: pages.after,
    },
  });
  const search = data?.search;
  const facet = (title: string, name: string, counts: { value: string; count: number }[]) =>
    counts.length > 0 && (
      <section aria-label={`${title} facet`}>
        <h2>{title}</h2>
        <ul>
          {counts.map((c) => (
            <li key={c.value}>
              <button
                type="button"
                className="link"
                aria-pressed={params.get(name) === c.value}
                onClick={() => change({ [name]: params.get(name) === c.value ? null : c.value })}
              >
                {c.value}
              </button>{' '}
              <span className="count">{c.count}</span>
            </li>
          ))}
        </ul>
      </section>
    );
  return (
    <div className="with-facets">
      <aside aria-label="Facets">
        {search && (
          <>
            {facet('Type', 'type', search.facets.types)}
            {facet('Status', 'status', search.facets.statuses)}
            {facet('Severity', 'severity', search.facets.severities)}
            {facet('Runner', 'runner', search.facets.runners)}
            {facet('Project', 'project', search.facets.projects)}
            {facet('Tag', 'tag', search.facets.tags)}
          </>
        )}
      </aside>
      <section aria-label="Results">
        <Failure error={error} />
        <ol className="results">
          {search?.edges.map(({ cursor, node: hit }) => {
            const id = 'id' in hit.node ? String(hit.node.id) : '';
            return (
              <li key={cursor}>
                <span className="type">{hit.type}</span>{' '}
                <Link href={linkTo(hit.type, id)}>
                  {hit.titleHighlight ? <Highlighted html={hit.titleHighlight} /> : hit.title}
                </Link>
                {hit.snippet && (
                  <p className="snippet">
                    <Highlighted html={hit.snippet} />
                  </p>
                )}
              </li>
            );
          })}
        </ol>
        {search && search.totalCount === 0 && <p>Nothing matches.</p>}
        {search && (
          <Pager
            pages={pages}
            hasNext={search.pageInfo.hasNextPage}
            endCursor={search.pageInfo.endCursor}
            total={search.totalCount}
          />
        )}
      </section>
    </div>
  );
}
