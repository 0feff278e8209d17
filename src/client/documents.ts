// The operations the client sends, as typed documents (graphql-codegen, src/client/gql/).
import { graphql } from './gql/index.ts';

export const Viewer = graphql(`
  query ClientViewer {
    viewer { id kind name admin expiresAt roles { project role } }
  }
`);

export const RegisterModel = graphql(`
  mutation ClientRegisterModel($input: RegisterModelInput!) {
    registerModel(input: $input) {
      __typename
      ... on RegisterModelPayload { created model { id } }
      ... on Error { message }
    }
  }
`);

export const ModelVersionFields = graphql(`
  fragment ClientModelVersionFields on ModelVersion {
    id version uri format digest sizeBytes model { name project { slug } }
  }
`);

export const DatasetVersionFields = graphql(`
  fragment ClientDatasetVersionFields on DatasetVersion {
    id version uri format digest sizeBytes transform
    derivedFrom { id version dataset { name project { slug } } }
    dataset { name project { slug } }
  }
`);

export const RegistrationFields = graphql(`
  fragment ClientRegistrationFields on ContentRegistration {
    id state bytesHashed bytesTotal versionCreated
    registeredModelVersion { ...ClientModelVersionFields }
    registeredDatasetVersion { ...ClientDatasetVersionFields }
    error { __typename message ... on ValidationError { path } }
  }
`);

export const RegisterModelVersion = graphql(`
  mutation ClientRegisterModelVersion($input: RegisterModelVersionInput!) {
    registerModelVersion(input: $input) {
      __typename
      ... on RegisterModelVersionPayload { created modelVersion { ...ClientModelVersionFields } }
      ... on ContentRegistration { ...ClientRegistrationFields }
      ... on Error { message }
      ... on ValidationError { path }
    }
  }
`);

export const RegistrationProgress = graphql(`
  subscription ClientRegistrationProgress($id: ID!) {
    contentRegistrationProgress(id: $id) { ...ClientRegistrationFields }
  }
`);

export const RegisterDataset = graphql(`
  mutation ClientRegisterDataset($input: RegisterDatasetInput!) {
    registerDataset(input: $input) {
      __typename
      ... on RegisterDatasetPayload { created dataset { id } }
      ... on Error { message }
    }
  }
`);

export const RegisterDatasetVersion = graphql(`
  mutation ClientRegisterDatasetVersion($input: RegisterDatasetVersionInput!) {
    registerDatasetVersion(input: $input) {
      __typename
      ... on RegisterDatasetVersionPayload {
        created datasetVersion { ...ClientDatasetVersionFields }
      }
      ... on ContentRegistration { ...ClientRegistrationFields }
      ... on Error { message }
      ... on ValidationError { path }
    }
  }
`);
export const Models = graphql(`
  query ClientModels($filter: ModelFilter, $first: Int, $after: String) {
    models(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id name task tags description updatedAt project { slug }
        latestVersion { id version digest format uri sizeBytes }
        versions(first: 100) { edges { node {
          id version digest format uri sizeBytes createdAt createdBy createdByName
          signature {
            irVersion producer opsets { domain version }
            inputs { name elementType shape } outputs { name elementType shape }
          }
        } } }
      } }
    }
  }
`);

export const Datasets = graphql(`
  query ClientDatasets($filter: DatasetFilter, $first: Int, $after: String) {
    datasets(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id name task tags description updatedAt project { slug }
        latestVersion { id version digest format uri sizeBytes }
        versions(first: 100) { edges { node {
          id version digest format uri sizeBytes createdAt createdBy createdByName transform
          derivedFrom { id version dataset { name project { slug } } }
        } } }
      } }
    }
  }
`);

export const Workflows = graphql(`
  query ClientWorkflows($filter: WorkflowFilter, $first: Int, $after: String) {
    workflows(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id name tags description updatedAt project { slug }
        latestVersion { id number digest }
        versions(first: 100) { edges { node { id number digest createdAt createdBy createdByName spec } } }
      } }
    }
  }
`);

export const StartRun = graphql(`
  mutation ClientStartRun($input: StartRunInput!) {
    startRun(input: $input) {
      __typename
      ... on StartRunPayload { run { id status project { slug } } }
      ... on Error { message }
    }
  }
`);

export const DefineWorkflow = graphql(`
  mutation ClientDefineWorkflow($input: DefineWorkflowInput!) {
    defineWorkflow(input: $input) {
      __typename
      ... on DefineWorkflowPayload {
        created
        workflowVersion { id number digest workflow { name project { slug } } }
      }
      ... on ValidationError { message path }
      ... on Error { message }
    }
  }
`);

export const StartWorkflow = graphql(`
  mutation ClientStartWorkflow($input: StartWorkflowInput!) {
    startWorkflow(input: $input) {
      __typename
      ... on RunPayload { run { id status project { slug } } }
      ... on Error { message }
    }
  }
`);

export const CancelRun = graphql(`
  mutation ClientCancelRun($id: ID!) {
    cancelRun(id: $id) {
      __typename
      ... on RunPayload { run { id status } }
      ... on Error { message }
    }
  }
`);

export const ReproduceRun = graphql(`
  mutation ClientReproduceRun($id: ID!) {
    reproduceRun(id: $id) {
      __typename
      ... on RunPayload { run { id status project { slug } } }
      ... on Error { message }
    }
  }
`);

export const Run = graphql(`
  query ClientRun($id: ID!) {
    node(id: $id) {
      ... on Run {
        id name status runnerId runnerVersion stepId seed createdAt startedAt finishedAt
        durationMs reproduceCommand
        project { slug }
        error { code message }
        progress { fraction stage message }
        workflowVersion { id number digest workflow { name } }
        children { id stepId status runnerId }
        metrics(first: 500) {
          pageInfo { hasNextPage endCursor }
          edges { node { key value ciLower ciUpper ciLevel slice step } }
        }
        findings { id kind severity title summary status requirement }
      }
    }
  }
`);

/** The pages of a run's metrics after its first (a run may have many thousands). */
export const RunMetrics = graphql(`
  query ClientRunMetrics($id: ID!, $after: String) {
    node(id: $id) {
      ... on Run {
        metrics(first: 500, after: $after) {
          pageInfo { hasNextPage endCursor }
          edges { node { key value ciLower ciUpper ciLevel slice step } }
        }
      }
    }
  }
`);

export const Runs = graphql(`
  query ClientRuns($filter: SearchFilter, $first: Int, $after: String) {
    runs(filter: $filter, first: $first, after: $after, orderBy: { field: CREATED_AT, direction: DESC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id name status runnerId stepId createdAt finishedAt project { slug }
        workflowVersion { workflow { name } }
      } }
    }
  }
`);

export const RunEvents = graphql(`
  subscription ClientRunEvents($runId: ID!, $after: String) {
    runEvents(runId: $runId, after: $after) {
      __typename cursor seq at runId step
      ... on RunStatusEvent { status reason attempt }
      ... on RunProgressEvent { fraction stage message }
      ... on RunMetricEvent { metric { key value ciLower ciUpper ciLevel slice step } }
      ... on RunLogEvent { level message }
      ... on RunFindingEvent { kind severity title }
      ... on RunArtifactEvent { name digest mediaType }
      ... on RunOutputEvent { name digest }
      ... on RunStepEvent { stepId stepStatus: status reason stepRun { id } }
    }
  }
`);

export const Search = graphql(`
  query ClientSearch($query: String, $filter: SearchFilter, $first: Int, $after: String) {
    search(query: $query, filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        type title rank
        node {
          __typename
          ... on Model { id project { slug } }
          ... on Dataset { id project { slug } }
          ... on Workflow { id project { slug } }
          ... on Run { id status runnerId project { slug } }
          ... on Finding { id severity kind run { id project { slug } } }
        }
      } }
    }
  }
`);

export const Findings = graphql(`
  query ClientFindings($filter: SearchFilter, $first: Int, $after: String) {
    findings(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id kind severity status title summary createdAt requirement
        run { id project { slug } }
      } }
    }
  }
`);

export const Trace = graphql(`
  query ClientTrace($id: ID!, $depth: Int!, $direction: LineageDirection!) {
    trace(id: $id, depth: $depth, direction: $direction) {
      start isPartial hiddenNodes truncatedAt
      nodes {
        id type depth
        node {
          __typename
          ... on ModelVersion { version digest model { name project { slug } } }
          ... on DatasetVersion { version digest dataset { name project { slug } } }
          ... on WorkflowVersion { number digest workflow { name project { slug } } }
          ... on Run { runName: name status runnerId }
          ... on Finding { title severity }
          ... on Model { name project { slug } }
          ... on Dataset { name project { slug } }
          ... on Workflow { name project { slug } }
        }
      }
      edges { from to relation role }
    }
  }
`);

export const TraceProv = graphql(`
  query ClientTraceProv($id: ID!) {
    trace(id: $id) { prov }
  }
`);

export const CompareRuns = graphql(`
  query ClientCompareRuns($ids: [ID!]!, $metrics: [String!]) {
    compareRuns(ids: $ids, metrics: $metrics) {
      runs { id name runnerId status }
      metrics {
        key slice
        values { value ciLower ciUpper delta deltaLower deltaUpper pValue significant method run { id } }
      }
    }
  }
`);

export const Report = graphql(`
  query ClientReport($id: ID!, $format: ReportFormat!) {
    node(id: $id) { ... on Run { report(format: $format) } }
  }
`);

export const RetryRun = graphql(`
  mutation ClientRetryRun($id: ID!) {
    retryRun(id: $id) {
      __typename
      ... on RunPayload { run { id status project { slug } } }
      ... on Error { message }
    }
  }
`);

export const TriageFinding = graphql(`
  mutation ClientTriageFinding($input: TriageFindingInput!) {
    triageFinding(input: $input) {
      __typename
      ... on TriageFindingPayload { finding { id status title } }
      ... on Error { message }
    }
  }
`);

export const Impact = graphql(`
  query ClientImpact($id: ID!, $maxNodes: Int!) {
    impact(id: $id, maxNodes: $maxNodes) {
      isPartial
      findings { id kind severity status title run { id } }
      runs { id name runnerId status project { slug } }
      datasetVersions { id version digest dataset { name project { slug } } }
      modelVersions { id version digest model { name project { slug } } }
      artifacts { id name digest }
    }
  }
`);
