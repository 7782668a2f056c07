/**
 * `custodian verify --endorsements DIR`: the evidence's endorsements chosen by identity among every
 * file under the given folders (electron/evidence/pairing.ts, as Batch does), each given the role its
 * content calls for. Loaded only when the option is used.
 */
import path from 'node:path';
import { statSync } from 'node:fs';
import type { Appraisal, NamedBytes } from '../core/appraisal.ts';
import type { Core } from '../core/core.ts';
import { InputError } from '../core/errors.ts';
import { classify } from '../evidence/classify.ts';
import { checkIds, pair, type PairingNote } from '../evidence/pairing.ts';
import { buildPool, filesUnder, identityOf } from '../evidence/pool.ts';
import { readLimited } from '../io/limits.ts';
import type { Role, RoleFile } from './inputs.ts';

/** The most candidate files the `--endorsements` folders may hold together (a KDS cache, a RIM mirror, a responder's case folder). */
export const MAX_CANDIDATES = 20_000;

/** The flag a paired file stands for, from its content. */
function roleOf(bytes: Uint8Array): Role {
  const kind = classify(bytes);
  if (kind === 'nvidia-rim') return '--rim';
  if (kind === 'ocsp-response') return '--ocsp';
  if (kind === 'crl') return '--crl';
  if (kind === 'tdx-collateral' || kind === 'azure-hcl-report' || kind === 'event-log' || kind === 'vtpm-quote') return '--collateral';
  return '--chain';
}

/** Every candidate file under `roots` (a file stands for itself). InputError naming the root that cannot be listed or holds too many. */
function candidates(roots: readonly string[]): string[] {
  const out = new Set<string>();
  for (const root of roots) {
    let files: string[];
    try {
      files = statSync(root).isDirectory() ? filesUnder(root) : [path.resolve(root)];
    } catch (e) {
      throw new InputError(root, '--endorsements', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    for (const f of files) out.add(f);
    if (out.size > MAX_CANDIDATES) throw new InputError(root, '--endorsements', `more than ${MAX_CANDIDATES} files under the --endorsements folders: give the folders that hold this evidence's endorsements`);
  }
  return [...out];
}

/**
 * The endorsements of `evidence` (read from `evidencePath`) found by identity under `roots`, as of
 * `at`, with the pairing's notes. `appraise` gives the appraisal with extra files (used only to choose
 * among several files that fit one want). Files named as in the command line's folders.
 */
export function pairEndorsements(core: Core, evidencePath: string, evidence: NamedBytes, roots: readonly string[], at: Date, appraise: (extra: RoleFile[]) => Appraisal): { files: RoleFile[]; notes: PairingNote[] } {
  const { pool } = buildPool(core, candidates(roots));
  const identity = identityOf(core, evidence.bytes, evidence.name);
  if (!identity) return { files: [], notes: [] };
  // Each file is read once: the trials and the final appraisal use the same bytes.
  const read = new Map<string, RoleFile>();
  const asRoleFile = (p: string): RoleFile => {
    let f = read.get(p);
    if (!f) {
      const bytes = readLimited(p, 'endorsement');
      f = { role: roleOf(bytes), file: { name: path.relative(process.cwd(), p) || p, bytes } };
      read.set(p, f);
    }
    return f;
  };
  const trial = (paths: string[]) => {
    try {
      return checkIds(appraise(paths.map(asRoleFile)));
    } catch {
      return null;
    }
  };
  const paired = pair(path.resolve(evidencePath), identity, pool, Math.floor(at.getTime() / 1000), trial, (f) => path.relative(process.cwd(), f) || f);
  return { files: paired.files.map(asRoleFile), notes: paired.notes };
}
