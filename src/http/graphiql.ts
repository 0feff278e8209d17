// The GraphiQL page at `/graphiql`, served with its scripts from node_modules: no CDN, so it
// works on an offline machine.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The files the page loads, by the path it loads them from. */
const assets: Record<string, { pkg: string; file: string; type: string }> = {
  '/graphiql/react.js': {
    pkg: 'react',
    file: 'umd/react.production.min.js',
    type: 'text/javascript',
  },
  '/graphiql/react-dom.js': {
    pkg: 'react-dom',
    file: 'umd/react-dom.production.min.js',
    type: 'text/javascript',
  },
  '/graphiql/graphiql.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  '/graphiql/graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
};

// The packages' `exports` hide their UMD files from require.resolve; their folders are not.
const packageFile = (pkg: string, file: string) =>
  join(dirname(require.resolve(`${pkg}/package.json`)), file);

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>evalhub</title>
  <link rel="stylesheet" href="/graphiql/graphiql.css">
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL...</div>
  <script src="/graphiql/react.js"></script>
  <script src="/graphiql/react-dom.js"></script>
  <script src="/graphiql/graphiql.js"></script>
  <script>
    const url = new URL('/graphql', location.href).href;
    const subscriptionUrl = url.replace(/^http/, 'ws');
    const fetcher = GraphiQL.createFetcher({ url, subscriptionUrl });
    const defaultQuery = '# evalhub: the lineage graph of models, datasets, workflows, runs and findings.\\n' +
      '{\\n  models(first: 10) {\\n    totalCount\\n    edges { node { name task latestVersion { version digest } } }\\n  }\\n}\\n';
    ReactDOM.createRoot(document.getElementById('graphiql'))
      .render(React.createElement(GraphiQL, { fetcher, defaultQuery }));
  </script>
</body>
</html>
`;

/** Answers `/graphiql` and the page's assets; returns false for any other path. */
export async function serveGraphiQL(path: string, res: ServerResponse): Promise<boolean> {
  if (path === '/graphiql') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    return true;
  }
  const asset = assets[path];
  if (!asset) return false;
  const body = await readFile(packageFile(asset.pkg, asset.file));
  res
    .writeHead(200, {
      'content-type': `${asset.type}; charset=utf-8`,
      'cache-control': 'public, max-age=86400',
    })
    .end(body);
  return true;
}
