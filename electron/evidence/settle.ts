/**
 * The Inspector's multi-file drop, paired by identity (electron/evidence/pairing.ts) where it is
 * ambiguous: when several different dropped files fit one thing the evidence wants (a genuine and a
 * tampered RIM of one version, two TCB Infos of one FMSPC), each is tried and only the most authentic
 * is appraised; the others are set aside and a warning names them all. Files that fit nothing, or fit
 * without a rival, pass through as before, so the core still reports what it could not use.
 */
import type { Core } from '../core/core.ts';
import type { NamedBytes } from '../core/appraisal.ts';
import { classify } from './classify.ts';
import { checkIds, EndorsementPool, pair, type PairingNote } from './pairing.ts';
import { identityOf } from './pool.ts';
import { planAppraisal } from './select.ts';

/**
 * `files` without the rivals that lost an ambiguous choice (`rejected`, by index into `files`), and
 * the choices' warnings. `appraise` appraises a subset of `files` (the trial); `at` is the reference
 * time (Unix seconds: among equals, the newest issued by then is preferred). Leaves `files` as they
 * are when they cannot form one appraisal (the caller reports that) or no choice is ambiguous.
 */
export function settleAmbiguity(core: Core, files: readonly NamedBytes[], at: number, appraise: (subset: NamedBytes[]) => { checks: readonly { id: string; status: string }[] }): { files: NamedBytes[]; rejected: number[]; notes: PairingNote[] } {
  const unchanged = { files: [...files], rejected: [], notes: [] };
  if (files.length < 3) return unchanged;
  let primary: number;
  try {
    primary = planAppraisal(files.map((f) => classify(f.bytes)), files.map((f) => f.name)).primary;
  } catch {
    return unchanged;
  }
  const identity = identityOf(core, files[primary]!.bytes, files[primary]!.name);
  if (!identity) return unchanged;
  // Candidates are named by index: dropped files have no folders, and two may share a name.
  const candidates = files.flatMap((f, i) => {
    const id = i === primary ? null : identityOf(core, f.bytes, f.name);
    return id && id.offers.length > 0 ? [{ path: String(i), identity: id }] : [];
  });
  const others = files.filter((_, i) => i !== primary && !candidates.some((c) => c.path === String(i)));
  const trial = (paths: string[]) => {
    try {
      return checkIds(appraise([files[primary]!, ...others, ...paths.map((p) => files[Number(p)]!)]));
    } catch {
      return null;
    }
  };
  const paired = pair(String(primary), identity, new EndorsementPool(candidates), at, trial, (p) => files[Number(p)]!.name);
  if (paired.rejected.length === 0) return unchanged;
  const rejected = paired.rejected.map(Number);
  return { files: files.filter((_, i) => !rejected.includes(i)), rejected, notes: paired.notes.filter((n) => n.level === 'warning') };
}
