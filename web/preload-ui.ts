// A Vite plugin that names the UI's own scripts in index.html as modulepreload links: the
// entry script (web/src/main.tsx) sends the first request and then imports the UI, so the
// browser can fetch the UI's scripts while it runs the entry instead of after.

import type { OutputBundle, OutputChunk } from 'rolldown';
import type { Plugin } from 'vite';

const UI = '/web/src/mount.tsx';

/** The chunk of `module` and every chunk it imports, transitively. */
function chunksOf(bundle: OutputBundle, module: string): OutputChunk[] {
  const chunks = Object.values(bundle).filter((c): c is OutputChunk => c.type === 'chunk');
  const start = chunks.find((c) => c.facadeModuleId?.endsWith(module));
  if (!start) throw new Error(`no chunk for ${module}`);
  const found = new Map<string, OutputChunk>();
  const visit = (chunk: OutputChunk) => {
    if (found.has(chunk.fileName) || chunk.isEntry) return;
    found.set(chunk.fileName, chunk);
    for (const name of chunk.imports) visit(bundle[name] as OutputChunk);
  };
  visit(start);
  return [...found.values()];
}

export function preloadUi(): Plugin {
  let base = '/';
  return {
    name: 'evalhub-preload-ui',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, context) {
        if (!context.bundle) return [];
        return chunksOf(context.bundle, UI).map((chunk) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `${base}${chunk.fileName}` },
          injectTo: 'head',
        }));
      },
    },
  };
}
