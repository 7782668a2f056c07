/** Errors of the core wrapper. */

/** The input could not be read or parsed (CLI exit code 2). Names the file and the field. */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${file}: ${field}: ${detail}`);
    this.name = 'InputError';
  }
}

/** What exhausted the core: its wasm stack (V8 RangeError), its memory (a Rust abort is `unreachable`), or another trap. */
export type TrapKind = 'stack' | 'memory' | 'trap';

/** Classifies what a wasm call threw. Rust on wasm32 aborts (allocation failure, or a panic with panic=abort) as `unreachable`. */
export function trapKind(cause: unknown): TrapKind {
  const m = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  if (/call stack/i.test(m)) return 'stack';
  if (/unreachable|out of memory|allocat/i.test(m)) return 'memory';
  return 'trap';
}

/**
 * The wasm core trapped on an input (never a verdict): stack exhaustion, memory exhaustion or a bug.
 * The instance is recreated before this is thrown, so the caller may go on with the next input.
 * `file` names the evidence being verified when known; the message then reads
 * "FILE: the verifier ran out of stack on this input (…)".
 */
export class CoreTrap extends Error {
  readonly kind: TrapKind;
  constructor(
    readonly cause: unknown,
    readonly file?: string,
  ) {
    const kind = trapKind(cause);
    const what = kind === 'stack' ? 'the verifier ran out of stack on this input' : kind === 'memory' ? 'the verifier ran out of memory (or aborted) on this input' : 'the verification core trapped on this input';
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${file === undefined ? '' : `${file}: `}${what} (wasm: ${detail}); the core was restarted`);
    this.name = 'CoreTrap';
    this.kind = kind;
  }
}
