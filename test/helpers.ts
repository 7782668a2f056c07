/** Shared test helpers: the loaded core, file reading, and where the real vectors live. */
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { InputError } from '../electron/core/errors.ts';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadCore } from '../electron/core/core.ts';
import type { Appraisal, NamedBytes, VerifyRequest } from '../electron/core/appraisal.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** `../shared/vectors` beside the checkout; tests that need it skip visibly when it is absent. */
export const VECTORS = join(ROOT, '..', 'shared', 'vectors');
export const SNP = join(VECTORS, 'snp');
export const HAVE_VECTORS = existsSync(join(SNP, 'manifest.json'));
/**
 * A Go toolchain, for the tests that run a peer's own Go code at test time (fixtures/go-*: go-sev-guest's
 * protobuf writer, go-attestation's event-log replay); undefined when absent (those tests skip visibly).
 */
export const GO = ['/usr/local/go/bin/go', 'go'].find((g) => spawnSync(g, ['version']).status === 0);
if (!HAVE_VECTORS) console.warn(`\n*** ../shared/vectors not found at ${VECTORS}: real-vector tests are SKIPPED ***\n`);

export const FIXTURES = join(ROOT, 'fixtures', 'snp');
/** T0 of ../shared/vectors/snp/PROVENANCE.md, also used by the fixtures. */
export const T0 = new Date('2025-12-01T00:00:00Z');

/** Reads a file as NamedBytes (name = path, as the CLI does). */
export function file(path: string): NamedBytes {
  return { name: path, bytes: readFileSync(path) };
}

export const core = await loadCore();

/** Verifies with T0 unless `referenceTime` is given. */
export function verify(req: Partial<VerifyRequest> & Pick<VerifyRequest, 'evidence'>): Appraisal {
  return core.verify({ referenceTime: T0, ...req });
}

/** The status of check `id`; throws if the appraisal has no such check. */
export function status(a: Appraisal, id: string): string {
  const c = a.checks.find((k) => k.id === id);
  if (!c) throw new Error(`no check ${id}; have ${a.checks.map((k) => k.id).join(', ')}`);
  return c.status;
}

/** Ids of failing checks. */
export function failing(a: Appraisal): string[] {
  return a.checks.filter((k) => k.status === 'fail').map((k) => k.id);
}

/** Ids of warning checks. */
export function warnings(a: Appraisal): string[] {
  return a.checks.filter((k) => k.status === 'warn').map((k) => k.id);
}

/** The InputError `fn` throws; fails the test when it throws anything else or nothing. */
export function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError, but the call returned');
}
