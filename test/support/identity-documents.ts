// Identity operations as a client writes them; graphql-codegen types each one.
import { graphql } from '../gql/index.ts';

export const CreateApiToken = graphql(`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      __typename
      ... on CreateApiTokenPayload {
        secret
        apiToken { id name owner prefix admin project role expiresAt revokedAt lastUsedAt createdBy }
      }
      ... on Error { message }
      ... on ForbiddenError { project required held }
    }
  }
`);

export const RevokeApiToken = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      __typename
      ... on ApiTokenPayload { apiToken { id revokedAt } }
      ... on Error { message }
    }
  }
`);

export const ApiTokens = graphql(`
  query ApiTokens($project: String) {
    apiTokens(project: $project) { id name project role admin lastUsedAt revokedAt }
  }
`);

export const SetProjectMember = graphql(`
  mutation SetProjectMember($input: SetProjectMemberInput!) {
    setProjectMember(input: $input) {
      __typename
      ... on SetProjectMemberPayload { member { subject role } }
      ... on Error { message }
    }
  }
`);

export const ProjectMembers = graphql(`
  query ProjectMembers($slug: String!) {
    project(slug: $slug) { slug members { subject role } }
  }
`);

export const ModelNames = graphql(`
  query ModelNames {
    models(first: 100) { edges { node { name project { slug } } } }
  }
`);
