/**
 * Builds the {@link EndorsementPool} of candidate files for pairing by identity: each file read
 * within the endorsement size limit and identified by the core once per distinct content (a folder of
 * 10,000 copies of one VCEK costs one identification). Files the core does not recognise as an
 * endorsement (notes, manifests, unreadable files) are left out; `skipped` says how many.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Core } from '../core/core.ts';
import type { Identity } from '../core/appraisal.ts';
import { readLimited } from '../io/limits.ts';
import { EndorsementPool, type Candidate } from './pairing.ts';

/** Identities by content SHA-256, shared by every pool a process builds. */
const identities = new Map<string, Identity | null>();

/** The core's identity of `bytes`, or null when no parser recognises them. Cached by content. */
export function identityOf(core: Core, bytes: Uint8Array, name: string): Identity | null {
  const digest = createHash('sha256').update(bytes).digest('hex');
  let identity = identities.get(digest);
  if (identity === undefined) {
    try {
      identity = core.identify({ name, bytes });
    } catch {
      identity = null;
    }
    identities.set(digest, identity);
  }
  return identity;
}

/** The pool of `files` (absolute paths); `skipped` counts files left out (unreadable or not endorsements). */
export function buildPool(core: Core, files: readonly string[]): { pool: EndorsementPool; skipped: number } {
  const candidates: Candidate[] = [];
  let skipped = 0;
  for (const file of files) {
    let identity: Identity | null = null;
    try {
      identity = identityOf(core, readLimited(file, 'endorsement'), path.basename(file));
    } catch {
      identity = null;
    }
    if (identity && identity.offers.length > 0) candidates.push({ path: file, identity });
    else skipped++;
  }
  return { pool: new EndorsementPool(candidates), skipped };
}

/** Every regular file under `dir`, recursively (dotfiles and symbolic links skipped), sorted. Throws as readdirSync does. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const pending = [path.resolve(dir)];
  while (pending.length > 0) {
    const d = pending.pop()!;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) pending.push(full);
      else if (e.isFile()) out.push(full);
    }
  }
  return out.sort();
}
