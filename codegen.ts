// Typed documents: every graphql(`...`) in test/ and bench/, in web/src/ (the UI) and in
// src/client/ is checked against schema.graphql and gets result and variable types. The
// client's are committed, so that it works without a codegen step; the others are generated.
import type { CodegenConfig } from '@graphql-codegen/cli';

const typedDocuments = {
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
    'test/gql/': {
      ...typedDocuments,
      documents: ['test/**/*.ts', 'bench/**/*.ts', '!test/gql/**'],
    },
    'src/client/gql/': {
      ...typedDocuments,
      documents: ['src/client/**/*.ts', '!src/client/gql/**'],
    },
    'web/src/gql/': {
      ...typedDocuments,
      documents: ['web/src/**/*.tsx', 'web/src/**/*.ts', '!web/src/gql/**'],
    },
  },
};

export default config;
