/**
 * The core's build id: "sha256:" and the first 16 hex digits of the SHA-256 of the wasm module's bytes
 * (out/wasm/custodian_core.wasm). The module exports no version of its own, and its bytes are exactly
 * what verified, so two appraisals with the same build id ran the same core. Used by `custodian
 * --version`; reports can carry it too.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEFAULT_WASM_PATH } from './core.ts';

/** The build id of the wasm core at `wasmPath` (default: $CUSTODIAN_WASM or the built module); "not built" when missing. */
export function coreBuildId(wasmPath: string = process.env.CUSTODIAN_WASM ?? DEFAULT_WASM_PATH): string {
  try {
    return `sha256:${createHash('sha256').update(readFileSync(wasmPath)).digest('hex').slice(0, 16)}`;
  } catch {
    return 'not built';
  }
}
