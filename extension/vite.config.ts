import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Library build of the OHIF runtime plugins into extension/dist: `chexgen-extension.mjs` and `chexgen-mode.mjs`,
 * ES modules whose default export is the extension / mode object (the server lists them in window.config).
 * React 18 is bundled (OHIF does not share its React); @cornerstonejs/* and @ohif/* are never imported: the
 * code uses the host's objects at runtime.
 */
export default defineConfig({
  root: here,
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    lib: {
      entry: { 'chexgen-extension': resolve(here, 'src/index.ts'), 'chexgen-mode': resolve(here, 'src/mode.ts') },
      formats: ['es'],
      fileName: (_format, name) => `${name}.mjs`,
    },
    rollupOptions: {
      external: (id) => id.startsWith('@cornerstonejs/') || id.startsWith('@ohif/'),
      output: { chunkFileNames: 'chunks/[name]-[hash].mjs' },
    },
  },
});
