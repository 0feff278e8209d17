// All of a run's metrics: the run's query brings their first page; the pages after it are
// read here, one after another, so a run with many thousands of metrics still shows them all.
import { useEffect, useState } from 'react';
import { type OperationResult, useClient } from 'urql';
import type { UiRunMetricsQuery } from '../gql/graphql.ts';
import { graphql } from '../gql/index.ts';
import type { RunMetric } from './metrics.ts';

const MetricsAfter = graphql(`
  query UiRunMetrics($id: ID!, $after: String) {
    node(id: $id) {
      ... on Run {
        metrics(first: 500, after: $after) {
          pageInfo { hasNextPage endCursor }
          edges { node { key value step slice ciLower ciUpper ciLevel sampleSize } }
        }
      }
    }
  }
`);

export interface MetricPage {
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  edges: Array<{ node: RunMetric }>;
}

/** The metrics of `first` and of every page after it; `complete` once all are read. */
export function useAllMetrics(
  runId: string,
  first: MetricPage | undefined,
): { metrics: RunMetric[]; complete: boolean; error: string | null } {
  const client = useClient();
  const [rest, setRest] = useState<{ after: string; metrics: RunMetric[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const start = first?.pageInfo.hasNextPage ? (first.pageInfo.endCursor ?? null) : null;
  useEffect(() => {
    if (!start) return;
    let live = true;
    (async () => {
      const metrics: RunMetric[] = [];
      let cursor: string | null = start;
      while (cursor) {
        const result: OperationResult<UiRunMetricsQuery> = await client
          .query(MetricsAfter, { id: runId, after: cursor }, { requestPolicy: 'network-only' })
          .toPromise();
        if (!live) return;
        const page =
          result.data?.node && 'metrics' in result.data.node ? result.data.node.metrics : null;
        if (!page) {
          setError(result.error?.message ?? 'the run is no longer visible');
          return;
        }
        metrics.push(...page.edges.map((edge) => edge.node));
        cursor = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
      }
      setRest({ after: start, metrics });
    })();
    return () => {
      live = false;
    };
  }, [client, runId, start]);
  const firstMetrics = first?.edges.map((edge) => edge.node) ?? [];
  if (!start) return { metrics: firstMetrics, complete: true, error: null };
  const more = rest?.after === start ? rest.metrics : null;
  return { metrics: [...firstMetrics, ...(more ?? [])], complete: more !== null, error };
}
