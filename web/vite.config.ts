// Builds the web UI into web/dist, served by the hub at /ui/ (src/http/ui.ts).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { inlineDocuments } from './inline-documents.ts';
import { preloadUi } from './preload-ui.ts';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  plugins: [inlineDocuments(), react(), preloadUi()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The first page's scripts have a budget, checked by test/web-ui.test.ts; the lineage
    // graph (ELK is most of it) and the generated form are chunks loaded only by their pages.
    chunkSizeWarningLimit: 1800,
  },
});
