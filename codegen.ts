// Typed documents for the tests and the web UI: every graphql(`...`) in test/, bench/ and
// web/src/ is checked against schema.graphql and gets result and variable types.
import type { CodegenConfig } from '@graphql-codegen/cli';

const client = {
  preset: 'client',
  presetConfig: { fragmentMasking: false },
  config: {
    scalars: { DateTime: 'string', JSON: 'unknown' },
    enumsAsTypes: true,
    useTypeImports: true,
    importExtension: '.ts',
  },
} as const;

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'test/gql/': { ...client, documents: ['test/**/*.ts', 'bench/**/*.ts', '!test/gql/**'] },
    'web/src/gql/': {
      ...client,
      documents: ['web/src/**/*.tsx', 'web/src/**/*.ts', '!web/src/gql/**'],
    },
  },
};

export default config;
