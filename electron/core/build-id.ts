/**
 * The core's build id ({@link buildIdOf}) without loading the core, for `custodian --version`.
 */
import { readFileSync } from 'node:fs';
import { buildIdOf, DEFAULT_WASM_PATH } from './core.ts';

/** The build id of the wasm core at `wasmPath` (default: $CUSTODIAN_WASM or the built module); "not built" when missing. */
export function coreBuildId(wasmPath: string = process.env.CUSTODIAN_WASM ?? DEFAULT_WASM_PATH): string {
  try {
    return buildIdOf(readFileSync(wasmPath));
  } catch {
    return 'not built';
  }
}
