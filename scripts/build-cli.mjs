/**
 * Bundles the `custodian` CLI (electron/cli/main.ts and what it imports) with Vite 8 (Rolldown) into
 * plain ESM that `node` runs without a TypeScript loader: out/cli/custodian.mjs plus one chunk per
 * lazily imported command group (vault, workload), all in out/cli/ so that `new URL('../../…',
 * import.meta.url)` in the sources (the wasm core, the rehearsal fixtures) still resolves from the
 * repository root. Packages in node_modules stay external (resolved from the repository's
 * node_modules at run time; better-sqlite3 is native and cannot be bundled).
 *
 * Usage: `node scripts/build-cli.mjs [--if-stale]`. With --if-stale it builds only when the bundle is
 * missing or older than a source under electron/, fixtures/lib/ (bundled rehearsal generators), package.json or this script (bin/custodian never
 * compiles anything at run time; scripts/setup.sh and the Vitest global setup call this).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The bundle's entry file; bin/custodian runs it. */
export const CLI_BUNDLE = join(root, 'out', 'cli', 'custodian.mjs');

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when out/cli/custodian.mjs is missing or older than any of its sources. */
export function cliBundleIsStale() {
  if (!existsSync(CLI_BUNDLE)) return true;
  const built = statSync(CLI_BUNDLE).mtimeMs;
  const sources = [join(root, 'electron'), join(root, 'fixtures', 'lib'), join(root, 'package.json'), fileURLToPath(import.meta.url)];
  return sources.some((s) => newestMtime(s) > built);
}

/** Builds the bundle (always). */
export async function buildCli() {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    build: {
      ssr: true, // a Node target: node:* built-ins and node_modules packages stay external
      outDir: join(root, 'out', 'cli'),
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      copyPublicDir: false,
      rolldownOptions: {
        // The batch worker is an entry of its own: `custodian batch` starts it as out/cli/batch-worker.mjs.
        input: { custodian: join(root, 'electron', 'cli', 'main.ts'), 'batch-worker': join(root, 'electron', 'batch', 'worker.ts') },
        output: { format: 'es', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs' },
      },
    },
  });
}

/** Builds when {@link cliBundleIsStale}; returns whether it built. */
export async function buildCliIfStale() {
  if (!cliBundleIsStale()) return false;
  await buildCli();
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = process.argv.includes('--if-stale') ? await buildCliIfStale() : (await buildCli(), true);
  if (built) console.log(`build-cli: wrote ${CLI_BUNDLE}`);
}
