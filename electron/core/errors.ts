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

/** The wasm core trapped (a bug in the core, never a verdict). The module is reloaded afterwards. */
export class CoreTrap extends Error {
  constructor(readonly cause: unknown) {
    super(`the verification core trapped: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'CoreTrap';
  }
}
