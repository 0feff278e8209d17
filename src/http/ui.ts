// The web UI at /ui/: the files Vite built into web/dist (`npm run build:ui`, run by npm's
// `prepare` on install). Every path under /ui/ that is not a file gets index.html, so deep
// links (/ui/runs/<id>) work; `/` sends the browser to /ui/.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UI_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

async function file(path: string): Promise<Buffer | null> {
  return readFile(path).catch(() => null);
}

/** Answers `/` and `/ui/...`; returns false for any other path. */
export async function serveUi(path: string, res: ServerResponse): Promise<boolean> {
  if (path === '/' || path === '/ui') {
    res.writeHead(302, { location: '/ui/' }).end();
    return true;
  }
  if (!path.startsWith('/ui/')) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.slice('/ui/'.length));
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('malformed path');
    return true;
  }
  // normalize() resolves any `..`, so the path stays inside web/dist.
  const relative = normalize(decoded).replace(/^(\.\.[/\\])+/, '');
  const asset = relative.startsWith('assets/') ? await file(join(UI_DIST, relative)) : null;
  if (asset) {
    res
      .writeHead(200, {
        'content-type': types[extname(relative)] ?? 'application/octet-stream',
        // Vite names each asset by its content's hash.
        'cache-control': 'public, max-age=31536000, immutable',
      })
      .end(asset);
    return true;
  }
  const index = await file(join(UI_DIST, 'index.html'));
  if (!index) {
    res
      .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
      .end('The web UI is not built: run `npm run build:ui` (npm install runs it).\n');
    return true;
  }
  res.writeHead(200, { 'content-type': types['.html']!, 'cache-control': 'no-cache' }).end(index);
  return true;
}
