// Run operations as a client writes them.
import type { ResultOf } from '@graphql-typed-document-node/core';
import { graphql } from '../gql/index.ts';
import type { TestHub } from './hub.ts';

export const StartRun = graphql(`
  mutation StartRun($input: StartRunInput!) {
    startRun(input: $input) {
      __typename
      ... on StartRunPayload { reused run { id status runKey seed config } }
      ... on Error { message }
      ... on ValidationError { path }
      ... on NotFoundError { entity ref }
    }
  }
`);

export const CancelRun = graphql(`
  mutation CancelRun($id: ID!) {
    cancelRun(id: $id) {
      __typename
      ... on RunPayload { run { id status } }
      ... on Error { message }
    }
  }
`);

export const RetryRun = graphql(`
  mutation RetryRun($id: ID!) {
    retryRun(id: $id) {
      __typename
      ... on RunPayload { run { id status retryOf { id } } }
      ... on Error { message }
    }
  }
`);

export const StartWorkflow = graphql(`
  mutation StartWorkflow($input: StartWorkflowInput!) {
    startWorkflow(input: $input) {
      __typename
      ... on RunPayload { run { id status } }
      ... on Error { message }
      ... on ValidationError { path }
    }
  }
`);

export const RunDetails = graphql(`
  query RunDetails($id: ID!) {
    node(id: $id) {
      __typename
      ... on Run {
        id status attempt maxAttempts runKey seed config environment
        progress { fraction stage message }
        error { code message }
        startedAt finishedAt
        inputs { role position version { __typename ... on ModelVersion { id digest } ... on DatasetVersion { id digest } } }
        metrics(first: 500) { totalCount edges { node { key value step slice ciLower ciUpper ciLevel sampleSize } } }
        findings { id kind severity title summary evidence subject { __typename ... on ModelVersion { id } ... on DatasetVersion { id } } }
        artifacts { id name mediaType digest sizeBytes url }
        children { id stepId status seed error { code message } }
        parent { id }
        events(first: 1000) { totalCount edges { node { __typename seq ... on RunStatusEvent { status reason attempt } } } }
      }
    }
  }
`);

type RunNode = Extract<NonNullable<ResultOf<typeof RunDetails>['node']>, { __typename: 'Run' }>;

/** A run as RunDetails shows it, with its metrics as one list. */
export type RunView = Omit<RunNode, 'metrics'> & {
  metrics: Array<RunNode['metrics']['edges'][number]['node']>;
};

/** The run as RunDetails shows it (every metric: its one page holds all a test makes). */
export async function runDetails(t: TestHub, id: string): Promise<RunView> {
  const { data } = await t.graphql(RunDetails, { id });
  if (data.node?.__typename !== 'Run') throw new Error(`no run ${id}`);
  const { metrics, ...run } = data.node;
  if (metrics.totalCount !== metrics.edges.length)
    throw new Error(`run ${id} has ${metrics.totalCount} metrics, more than one page`);
  return { ...run, metrics: metrics.edges.map((edge) => edge.node) };
}

/** Polls until the run reaches one of `statuses`; fails with its last state after `timeoutMs`. */
export async function waitForStatus(
  t: TestHub,
  id: string,
  statuses: string[],
  timeoutMs = 30_000,
): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await runDetails(t, id);
    if (statuses.includes(run.status)) return run;
    if (Date.now() > deadline)
      throw new Error(`run ${id} did not reach ${statuses.join('/')}: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
