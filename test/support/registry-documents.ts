// Registry operations as a client writes them; graphql-codegen types each one.
import { graphql } from '../gql/index.ts';

export const RegisterModel = graphql(`
  mutation RegisterModel($input: RegisterModelInput!) {
    registerModel(input: $input) {
      __typename
      ... on RegisterModelPayload {
        created
        model { id name task tags description project { id slug } }
      }
      ... on Error { message }
      ... on ValidationError { path }
      ... on ConflictError { existingId }
    }
  }
`);

export const RegisterModelVersion = graphql(`
  mutation RegisterModelVersion($input: RegisterModelVersionInput!) {
    registerModelVersion(input: $input) {
      __typename
      ... on RegisterModelVersionPayload {
        created alreadyRegisteredAs
        modelVersion {
          id version uri format digest sizeBytes labels metadata createdBy
          model { id name }
          trainedOn { id version }
        }
      }
      ... on Error { message }
      ... on ValidationError { path }
      ... on ConflictError { existingId }
      ... on NotFoundError { entity ref }
      ... on DigestMismatchError { expected actual }
    }
  }
`);

export const RegisterDataset = graphql(`
  mutation RegisterDataset($input: RegisterDatasetInput!) {
    registerDataset(input: $input) {
      __typename
      ... on RegisterDatasetPayload { created dataset { id name task } }
      ... on Error { message }
      ... on ValidationError { path }
    }
  }
`);

export const RegisterDatasetVersion = graphql(`
  mutation RegisterDatasetVersion($input: RegisterDatasetVersionInput!) {
    registerDatasetVersion(input: $input) {
      __typename
      ... on RegisterDatasetVersionPayload {
        created
        datasetVersion {
          id version uri format digest sizeBytes itemCount labels transform
          derivedFrom { id version }
          dataset { id name }
        }
      }
      ... on Error { message }
      ... on ValidationError { path }
      ... on ConflictError { existingId }
      ... on NotFoundError { entity ref }
      ... on DigestMismatchError { expected actual }
    }
  }
`);

export const DefineWorkflow = graphql(`
  mutation DefineWorkflow($input: DefineWorkflowInput!) {
    defineWorkflow(input: $input) {
      __typename
      ... on DefineWorkflowPayload {
        created
        workflowVersion { id number digest spec workflow { id name } }
      }
      ... on Error { message }
      ... on ValidationError { path }
    }
  }
`);

/** Narrows a mutation result to one member of its union, failing with the message otherwise. */
export function expectType<T extends { __typename: string }, N extends T['__typename']>(
  result: T,
  typename: N,
): Extract<T, { __typename: N }> {
  if (result.__typename !== typename) {
    const message = 'message' in result ? `: ${String(result.message)}` : '';
    throw new Error(`expected ${typename}, got ${result.__typename}${message}`);
  }
  return result as Extract<T, { __typename: N }>;
}

export const SetProjectSettings = graphql(`
  mutation SetProjectSettings($input: SetProjectSettingsInput!) {
    setProjectSettings(input: $input) {
      __typename
      ... on ProjectPayload { project { slug commandRunnerEnabled } }
      ... on Error { message }
    }
  }
`);
