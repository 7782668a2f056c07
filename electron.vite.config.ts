/**
 * electron-vite build: main (ESM), preload (CommonJS, required for sandboxed
 * preloads) and the React renderer, all into out/.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const rootDir = fileURLToPath(new URL('.', import.meta.url));
const pkg = JSON.parse(readFileSync(resolve(rootDir, 'package.json'), 'utf8')) as { version: string };

export default defineConfig({
  main: {
    build: {
      outDir: resolve(rootDir, 'out/main'),
      lib: {
        entry: {
          index: resolve(rootDir, 'electron/main/index.ts'),
          // Batch verification runs in worker threads (electron/batch/jobs.ts loads ./batch-worker.js).
          'batch-worker': resolve(rootDir, 'electron/batch/worker.ts'),
        },
      },
    },
  },
  preload: {
    define: { __CUSTODIAN_VERSION__: JSON.stringify(pkg.version) },
    build: {
      outDir: resolve(rootDir, 'out/preload'),
      // Sandboxed preloads cannot be ES modules: emit out/preload/index.cjs.
      lib: { entry: { index: resolve(rootDir, 'electron/preload/index.ts') }, formats: ['cjs'] },
      rolldownOptions: { output: { entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(rootDir, 'renderer'),
    plugins: [react()],
    define: { __CUSTODIAN_VERSION__: JSON.stringify(pkg.version) },
    build: {
      outDir: resolve(rootDir, 'out/renderer'),
      rolldownOptions: {
        input: {
          index: resolve(rootDir, 'renderer/index.html'),
          // Only the loopback host serves this (it defines window.custodian over HTTP); Electron never loads it.
          'loopback-bridge': resolve(rootDir, 'electron/loopback/bridge.ts'),
        },
        output: {
          entryFileNames: (chunk) => (chunk.name === 'loopback-bridge' ? 'loopback-bridge.js' : 'assets/[name]-[hash].js'),
        },
      },
    },
  },
});
