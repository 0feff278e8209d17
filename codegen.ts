// Typed documents: every graphql(`...`) in test/ (and, separately, in src/client/, whose
// generated types are committed so the client works without a codegen step) is checked
// against schema.graphql and gets result and variable types.
import type { CodegenConfig } from '@graphql-codegen/cli';

const typedDocuments = {
  scalars: { DateTime: 'string', JSON: 'unknown' },
  enumsAsTypes: true,
  useTypeImports: true,
  importExtension: '.ts',
};

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'test/gql/': {
      documents: ['test/**/*.ts', 'bench/**/*.ts', '!test/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typedDocuments,
    },
    'src/client/gql/': {
      documents: ['src/client/**/*.ts', '!src/client/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typedDocuments,
    },
  },
};

export default config;
