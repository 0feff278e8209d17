// Runs side by side: each metric's value with its interval, the difference from the first
// run with its interval, and whether the hub finds it significant.
import { useQuery } from 'urql';
import { Link, useSearchParams } from 'wouter';
import { graphql } from '../gql/index.ts';
import { Failure } from '../parts/common.tsx';

const CompareQuery = graphql(`
  query UiCompare($ids: [ID!]!) {
    compareRuns(ids: $ids) {
      runs { id name runnerId status }
      metrics {
        key slice
        values { value ciLower ciUpper delta deltaLower deltaUpper significant method run { id } }
      }
    }
  }
`);

const fmt = (v: number | null | undefined) => (v == null ? '—' : v.toPrecision(4));
const range = (lower: number | null | undefined, upper: number | null | undefined) =>
  lower == null || upper == null ? '' : ` [${fmt(lower)}, ${fmt(upper)}]`;

export default function Compare() {
  const [params] = useSearchParams();
  const ids = (params.get('ids') ?? '').split(',').filter(Boolean);
  const [{ data, error }] = useQuery({
    query: CompareQuery,
    variables: { ids },
    pause: ids.length < 2,
  });
  return (
    <>
      <h1>Compare runs</h1>
      {ids.length < 2 && <p>Choose two or more runs on the Runs page, then “Compare”.</p>}
      <Failure error={error} />
      {data && (
        <table>
          <thead>
            <tr>
              <th>Metric</th>
              {data.compareRuns.runs.map((run, i) => (
                <th key={run.id}>
                  <Link href={`/runs/${run.id}`}>{run.name ?? `${run.runnerId} run`}</Link>
                  {i === 0 ? ' (baseline)' : ''}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.compareRuns.metrics.map((m) => (
              <tr key={`${m.key}/${JSON.stringify(m.slice)}`}>
                <td>
                  {m.key}
                  {Object.keys(m.slice as object).length > 0 && (
                    <span className="muted"> {JSON.stringify(m.slice)}</span>
                  )}
                </td>
                {m.values.map((v, i) => (
                  <td key={v.run.id}>
                    {fmt(v.value)}
                    <span className="muted">{range(v.ciLower, v.ciUpper)}</span>
                    {i > 0 && v.delta != null && (
                      <div>
                        Δ {v.delta >= 0 ? '+' : ''}
                        {fmt(v.delta)}
                        <span className="muted">{range(v.deltaLower, v.deltaUpper)}</span>{' '}
                        {v.significant ? <strong>significant</strong> : 'not significant'}
                      </div>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
