// Lineage queries as a client writes them.
import { graphql } from '../gql/index.ts';

export const Trace = graphql(`
  query Trace($id: ID!, $direction: LineageDirection, $depth: Int, $maxNodes: Int) {
    trace(id: $id, direction: $direction, depth: $depth, maxNodes: $maxNodes) {
      start
      nodes { id type depth }
      edges { from to relation role }
      isPartial
      truncatedAt
      hiddenNodes
      hiddenNodeCount
    }
  }
`);

export const TraceWithDetails = graphql(`
  query TraceWithDetails($id: ID!) {
    trace(id: $id) {
      nodes {
        depth
        node {
          __typename
          id
          ... on Run { runnerId runnerVersion config seed workflowVersion { id } }
          ... on ModelVersion { digest }
          ... on DatasetVersion { digest }
          ... on WorkflowVersion { digest }
        }
      }
    }
  }
`);

export const TraceProv = graphql(`
  query TraceProv($id: ID!, $direction: LineageDirection) {
    trace(id: $id, direction: $direction) { prov }
  }
`);

export const Impact = graphql(`
  query Impact($id: ID!, $maxNodes: Int) {
    impact(id: $id, maxNodes: $maxNodes) {
      isPartial
      findings { id title severity }
      runs { id }
      datasetVersions { id version }
      modelVersions { id version }
      artifacts { id name }
      graph { nodes { id type depth } }
    }
  }
`);

export const LineagePathQuery = graphql(`
  query LineagePath($from: ID!, $to: ID!) {
    lineagePath(from: $from, to: $to) {
      direction
      nodes { id type depth }
      edges { from to relation role }
    }
  }
`);
