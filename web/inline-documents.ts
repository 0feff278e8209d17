// A Vite plugin that puts each GraphQL document into the module that uses it, in place of its
// `graphql(`...`)` call, as graphql-codegen's Babel plugin does: otherwise the generated
// `graphql()` brings every page's documents (a fifth of the UI's code) into the main bundle.
// The documents are codegen's own (web/src/gql/graphql.ts), found by their source text in
// web/src/gql/gql.ts; a call whose text codegen does not know fails the build.
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

const GENERATED = new URL('./src/gql/', import.meta.url);

/** Each document's source text, as written in a `graphql()` call, with its AST as JSON. */
function generatedDocuments(): Map<string, string> {
  const asts = new Map<string, string>();
  const typed = readFileSync(new URL('graphql.ts', GENERATED), 'utf8');
  for (const [, name, json] of typed.matchAll(/^export const (\w+) = (\{.*\}) as unknown as /gm))
    asts.set(name!, json!);
  const map = readFileSync(new URL('gql.ts', GENERATED), 'utf8');
  const block = map.slice(
    map.indexOf('const documents'),
    map.indexOf('\n};', map.indexOf('const documents')),
  );
  const bySource = new Map<string, string>();
  for (const [, source, name] of block.matchAll(/^ {4}("(?:[^"\\]|\\.)*"): types\.(\w+),$/gm)) {
    const ast = asts.get(name!);
    if (!ast) throw new Error(`web/src/gql/graphql.ts has no ${name}: run npm run codegen`);
    bySource.set(JSON.parse(source!) as string, ast);
  }
  return bySource;
}

export function inlineDocuments(): Plugin {
  let documents = new Map<string, string>();
  return {
    name: 'evalhub-inline-documents',
    enforce: 'pre',
    buildStart() {
      documents = generatedDocuments();
    },
    transform(code, id) {
      if (!/\/web\/src\/.*\.tsx?$/.test(id) || id.includes('/web/src/gql/')) return null;
      if (!code.includes('graphql(`')) return null;
      const inlined = code.replace(
        /\bgraphql\(`((?:[^`$\\]|\$(?!\{))*)`\)/g,
        (_call, source: string) => {
          const ast = documents.get(source);
          if (!ast)
            throw new Error(
              `${id}: a graphql() document codegen does not know: run npm run codegen`,
            );
          return `(${ast})`;
        },
      );
      return { code: inlined, map: null };
    },
  };
}
