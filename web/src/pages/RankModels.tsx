// The registry's model comparison: every model's versions ranked on one dataset version by
// their latest successful evaluation of a metric, each value with its interval (compareModels).
import { useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql/index.ts';
import { Failure, useFilters } from '../parts/common.tsx';
import { withInterval } from '../run/metrics.ts';

const RankQuery = graphql(`
  query UiRankModels($datasetVersion: ID!, $metric: String!, $models: [ID!]!, $higherIsBetter: Boolean!) {
    compareModels(datasetVersion: $datasetVersion, metric: $metric, models: $models, higherIsBetter: $higherIsBetter) {
      rank value ciLower ciUpper ciLevel sampleSize
      modelVersion { id version model { name project { slug } } }
      run { id name }
    }
  }
`);

export function RankModels({
  datasetVersions,
  models,
}: {
  datasetVersions: readonly { id: string; label: string }[];
  models: readonly string[];
}) {
  const [params, change] = useFilters();
  const on = params.get('rankOn') ?? '';
  const metric = params.get('metric') ?? 'accuracy';
  const lowerIsBetter = params.get('lower') === '1';
  return (
    <section aria-labelledby="rank">
      <h2 id="rank">Compare models on a dataset</h2>
      <form className="filters" aria-label="Compare models" onSubmit={(e) => e.preventDefault()}>
        <label>
          Dataset version{' '}
          <select value={on} onChange={(e) => change({ rankOn: e.target.value })}>
            <option value="">choose…</option>
            {datasetVersions.map((v) => (
              <option key={v.id} value={v.id}>
                {v.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Metric{' '}
          <input
            defaultValue={metric}
            size={12}
            onBlur={(e) => change({ metric: e.target.value.trim() })}
            onKeyDown={(e) => e.key === 'Enter' && change({ metric: e.currentTarget.value.trim() })}
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={lowerIsBetter}
            onChange={(e) => change({ lower: e.target.checked ? '1' : null })}
          />{' '}
          Lower is better
        </label>
      </form>
      {on && metric && models.length > 0 && (
        <Ranking
          datasetVersion={on}
          metric={metric}
          models={models}
          higherIsBetter={!lowerIsBetter}
        />
      )}
    </section>
  );
}

function Ranking(variables: {
  datasetVersion: string;
  metric: string;
  models: readonly string[];
  higherIsBetter: boolean;
}) {
  const [{ data, error }] = useQuery({
    query: RankQuery,
    variables: { ...variables, models: [...variables.models] },
  });
  return (
    <>
      <Failure error={error} />
      {data && (
        <table aria-label={`models ranked by ${variables.metric}`}>
          <thead>
            <tr>
              <th>Rank</th>
              <th>Model version</th>
              <th>{variables.metric} (95% interval)</th>
              <th>Items</th>
              <th>Run</th>
            </tr>
          </thead>
          <tbody>
            {data.compareModels.map((r) => (
              <tr key={r.modelVersion.id}>
                <td>{r.rank ?? '–'}</td>
                <td>
                  {r.modelVersion.model.project.slug}/{r.modelVersion.model.name}@
                  {r.modelVersion.version}
                </td>
                <td>
                  {r.value == null
                    ? 'not evaluated'
                    : withInterval({ key: '', step: 0, slice: null, ...r, value: r.value })}
                </td>
                <td>{r.sampleSize ?? ''}</td>
                <td>{r.run && <Link href={`/runs/${r.run.id}`}>{r.run.name ?? 'run'}</Link>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
