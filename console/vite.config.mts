import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

// The console is served by the app under /console/ (src/http/console-static.ts) from dist/console.
export default defineConfig({
  root: here,
  base: '/console/',
  // Preact's automatic JSX runtime; no React, no Babel.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: resolve(here, '..', 'dist', 'console'),
    emptyOutDir: true,
    // No source maps in the served bundle; the strict CSP forbids inline scripts, and Vite emits none.
    sourcemap: false,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
