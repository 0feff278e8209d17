// Runs: the newest first, filtered by status, project and runner; new runs and status
// changes arrive through the runUpdates subscription without a reload.
import { useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql/index.ts';
import {
  Failure,
  Pager,
  Progress,
  RUN_STATUSES,
  Select,
  Status,
  useFilters,
  usePages,
  When,
} from '../parts/common.tsx';
import { RunsQuery, runsVariables } from './runs-query.ts';

const RunUpdates = graphql(`
  subscription UiRunUpdates($project: String) {
    runUpdates(project: $project) { status run { id } }
  }
`);

export function Runs() {
  const [params, change] = useFilters();
  return (
    <>
      <h1>Runs</h1>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <Select
          label="Status"
          value={params.get('status') ?? ''}
          options={RUN_STATUSES}
          onChange={(status) => change({ status })}
        />
        <label>
          Project{' '}
          <input
            defaultValue={params.get('project') ?? ''}
            onBlur={(e) => change({ project: e.target.value.trim() })}
            onKeyDown={(e) =>
              e.key === 'Enter' && change({ project: e.currentTarget.value.trim() })
            }
          />
        </label>
        <RunnerFilter
          value={params.get('runner') ?? ''}
          onChange={(runner) => change({ runner })}
        />
        {params.get('used') && (
          <span>
            That used version <code>{params.get('used')}</code>{' '}
            <button type="button" className="link" onClick={() => change({ used: null })}>
              any version
            </button>
          </span>
        )}
      </form>
      <RunList key={params.toString()} params={params} />
    </>
  );
}

function RunnerFilter({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const [{ data }] = useQuery({ query: graphql(`query UiRunnerIds { runners { id } }`) });
  return (
    <Select
      label="Runner"
      value={value}
      options={data?.runners.map((r) => r.id) ?? []}
      onChange={onChange}
    />
  );
}

function RunList({ params }: { params: URLSearchParams }) {
  const pages = usePages();
  const project = params.get('project');
  const [{ data, error, fetching }, refetch] = useQuery({
    query: RunsQuery,
    variables: runsVariables(params, pages.after),
  });
  useSubscription({ query: RunUpdates, variables: { project } }, (_previous, update) => {
    refetch({ requestPolicy: 'network-only' });
    return update;
  });
  const runs = data?.runs;
  const [chosen, setChosen] = useState<string[]>([]);
  return (
    <section aria-label="Runs" aria-busy={fetching}>
      <Failure error={error} />
      <p>
        {chosen.length >= 2 ? (
          <Link href={`/compare?ids=${chosen.join(',')}`}>Compare {chosen.length} runs</Link>
        ) : (
          <span className="muted">Tick two or more runs to compare them.</span>
        )}
      </p>
      <table>
        <thead>
          <tr>
            <th>
              <span className="visually-hidden">Compare</span>
            </th>
            <th>Run</th>
            <th>Status</th>
            <th>Progress</th>
            <th>Runner</th>
            <th>Inputs</th>
            <th>Started</th>
            <th>Ended</th>
            <th>By</th>
          </tr>
        </thead>
        <tbody>
          {runs?.edges.map(({ node: run }) => (
            <tr key={run.id} data-run={run.id}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`compare ${run.name ?? run.id}`}
                  checked={chosen.includes(run.id)}
                  onChange={(e) =>
                    setChosen(
                      e.target.checked ? [...chosen, run.id] : chosen.filter((id) => id !== run.id),
                    )
                  }
                />
              </td>
              <td>
                <Link href={`/runs/${run.id}`}>{run.name ?? `${run.runnerId} run`}</Link>
                <div className="muted">{run.project.slug}</div>
              </td>
              <td>
                <Status value={run.status} />
              </td>
              <td>
                <Progress
                  fraction={run.status === 'SUCCEEDED' ? 1 : run.progress?.fraction}
                  label={`progress of ${run.name ?? run.id}`}
                />
              </td>
              <td>{run.runnerId}</td>
              <td>
                {run.inputs.map((input) => (
                  <div key={input.role}>
                    {input.role}: {versionName(input.version)}
                  </div>
                ))}
              </td>
              <td>
                <When at={run.startedAt} />
              </td>
              <td>
                <When at={run.finishedAt} />
              </td>
              <td title={run.createdBy}>{run.createdByName}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs && runs.totalCount === 0 && <p>No runs match.</p>}
      {runs && (
        <Pager
          pages={pages}
          hasNext={runs.pageInfo.hasNextPage}
          endCursor={runs.pageInfo.endCursor}
          total={runs.totalCount}
        />
      )}
    </section>
  );
}

type VersionLike =
  | { __typename: 'ModelVersion'; version: string; model: { name: string } }
  | { __typename: 'DatasetVersion'; version: string; dataset: { name: string } }
  | null
  | undefined;

export function versionName(version: VersionLike | { __typename?: string }): string {
  if (!version || !('version' in version)) return '—';
  const owner = 'model' in version ? version.model.name : version.dataset.name;
  return `${owner}@${version.version}`;
}
