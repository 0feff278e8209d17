// The web UI at /ui/: the files Vite built into web/dist (`npm run build:ui`, run by npm's
// `prepare` on install). Every path under /ui/ that is not a file gets index.html, so deep
// links (/ui/runs/<id>) work; `/` sends the browser to /ui/. Files are kept in memory once
// read: on a busy machine each asynchronous read waited its turn several times (open, stat,
// read, close), which made index.html ten times slower to serve than /healthz.
import { readFileSync, statSync } from 'node:fs';
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

const kept = new Map<string, { modified: number; bytes: Buffer }>();

/**
 * The file at `path`, or null. A few small files, read in one system call each; an asset's
 * name changes with its content, and index.html is read again when a build replaces it.
 */
function file(path: string): Buffer | null {
  const modified = statSync(path, { throwIfNoEntry: false });
  if (!modified?.isFile()) return null;
  const known = kept.get(path);
  if (known?.modified === modified.mtimeMs) return known.bytes;
  const bytes = readFileSync(path);
  kept.set(path, { modified: modified.mtimeMs, bytes });
  return bytes;
}

/** Answers `/` and `/ui/...`; returns false for any other path. */
export function serveUi(path: string, res: ServerResponse): boolean {
  if (path === '/' || path === '/ui') {
    res.writeHead(302, { location: '/ui/' }).end();
    return true;
  }
  if (!path.startsWith('/ui/')) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.slice('/ui/'.length));
    // No file name holds a NUL, and the file system refuses one by throwing.
    if (decoded.includes('\0')) throw new URIError('NUL in a path');
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('malformed path');
    return true;
  }
  // normalize() resolves any `..`, so the path stays inside web/dist.
  const relative = normalize(decoded).replace(/^(\.\.[/\\])+/, '');
  const asset = relative.startsWith('assets/') ? file(join(UI_DIST, relative)) : null;
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
  const index = file(join(UI_DIST, 'index.html'));
  if (!index) {
    res
      .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
      .end('The web UI is not built: run `npm run build:ui` (npm install runs it).\n');
    return true;
  }
  res.writeHead(200, { 'content-type': types['.html']!, 'cache-control': 'no-cache' }).end(index);
  return true;
}
