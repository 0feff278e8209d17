// The runs list's query and its variables from the page's address: shared by the page and
// by the entry script, which sends it before the UI has loaded (preload.ts).
import type { RunStatus, UiRunsQueryVariables } from '../gql/graphql.ts';
import { graphql } from '../gql/index.ts';

export const RunsQuery = graphql(`
  query UiRuns($first: Int!, $after: String, $filter: SearchFilter) {
    runs(first: $first, after: $after, filter: $filter, orderBy: { field: CREATED_AT, direction: DESC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id name status runnerId createdBy createdByName startedAt finishedAt createdAt
          project { slug }
          progress { fraction stage }
          inputs { role version { __typename ... on ModelVersion { version model { name } } ... on DatasetVersion { version dataset { name } } } }
        }
      }
    }
  }
`);

/**
 * A page of the top-level runs the address's filters select: status, project, runner, and
 * `used`, a model or dataset version they used.
 */
export function runsVariables(params: URLSearchParams, after: string | null): UiRunsQueryVariables {
  const status = params.get('status');
  const project = params.get('project');
  const runner = params.get('runner');
  const used = params.get('used');
  return {
    first: 20,
    after,
    filter: {
      topLevel: true,
      ...(status ? { status: [status as RunStatus] } : {}),
      ...(project ? { project: [project] } : {}),
      ...(runner ? { runner: [runner] } : {}),
      ...(used ? { usedVersion: used } : {}),
    },
  };
}
