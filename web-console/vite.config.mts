import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The staff console, served by the hub at /console/ (src/http/console.ts). Vite 8 compiles TSX with
// its built-in oxc transform (the React plugin only adds dev-time Fast Refresh, and its optional
// peers do not resolve on this registry).
const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: path.resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
});
