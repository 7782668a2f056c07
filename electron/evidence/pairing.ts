/**
 * Pairs evidence with its endorsements by identity, not by folder: among every candidate file under
 * the roots a user gave (a Batch folder, `custodian verify --endorsements DIR`), each piece of
 * evidence gets the files whose identity it wants — the VCEK/VLEK whose hwID and TCB are the
 * report's CHIP_ID and REPORTED_TCB, the TCB Info of the PCK certificate's FMSPC, the RIM of the
 * device's driver or firmware version, the device chain with the report's FWID, CRLs by issuer, the
 * HCL report and event log a TD quote binds. The identities come from the core
 * (`Core.identify`, wasm/src/identity.rs); this module only matches keys.
 *
 * When several different items fit one want (a genuine and a tampered RIM of one version, two
 * issues of a TCB Info, a full and a truncated device chain), each is tried in a full appraisal and
 * the most authentic is used: fewest failing checks other than time-bound ones (a signature or chain
 * that does not verify outweighs an expired certificate: at an old reference time a genuine RIM may
 * have expired while a tampered copy fails only its signature), then fewest time-bound failures,
 * skipped checks and warnings. The choice is reported as a warning naming every file. Files are never
 * merged: one item per want.
 */
import path from 'node:path';
import type { Identity, Offer, Want } from '../core/appraisal.ts';

/** A candidate endorsement file: absolute path and the core's identity of its bytes. */
export interface Candidate {
  path: string;
  identity: Identity;
}

/** One line of a pairing's account: `info` says which file was used and why; `warning` is an ambiguity or an unmet want. */
export interface PairingNote {
  level: 'info' | 'warning';
  text: string;
}

/** The endorsement files chosen for one piece of evidence (absolute paths, in the order chosen) and why; `rejected`: the alternatives tried and not used. */
export interface Pairing {
  files: string[];
  notes: PairingNote[];
  rejected: string[];
}

/** The check ids an appraisal with these endorsement files (paths) gave each status; `null` when it could not be made (input error: worst). */
export type Trial = (files: string[]) => { fail: string[]; warn: string[]; skip: string[] } | null;

/** A trial's result from an appraisal: the check ids by status. */
export function checkIds(appraisal: { checks: readonly { id: string; status: string }[] }): NonNullable<ReturnType<Trial>> {
  const ids = (status: string) => appraisal.checks.filter((c) => c.status === status).map((c) => c.id);
  return { fail: ids('fail'), warn: ids('warn'), skip: ids('skip') };
}

/** Checks that fail by the reference time alone (a certificate's validity, a CRL's or collateral's freshness window), not by forgery. */
const TIME_BOUND = /(^|\.)(validity|freshness|window)$/;

interface Entry {
  candidate: Candidate;
  offer: Offer;
}

/** The candidate files indexed by the keys they offer. */
export class EndorsementPool {
  private readonly byKey = new Map<string, Entry[]>();

  /** Indexes `candidates` (files whose identity offers nothing are kept out). */
  constructor(readonly candidates: readonly Candidate[]) {
    for (const candidate of candidates) {
      for (const offer of candidate.identity.offers) {
        const list = this.byKey.get(offer.key) ?? [];
        list.push({ candidate, offer });
        this.byKey.set(offer.key, list);
      }
    }
  }

  /** Every candidate offering `key`. */
  offering(key: string): readonly Entry[] {
    return this.byKey.get(key) ?? [];
  }
}

/** The kind of item a key names (`amd-vcek`, `intel-tcbinfo`, `crl`, …). */
const slotOf = (key: string) => key.split(':', 1)[0]!;
/**
 * Whether one appraisal takes a single item of this key's kind (one VEK, one TCB Info, one HCL report,
 * one device chain…): a second of another identity would be refused by the core or shadow the first.
 * CRLs (one per issuer) and RIMs (one per device role and version) are not exclusive.
 */
const exclusive = (key: string) => !['crl', 'nvidia-rim'].includes(slotOf(key));

/** Directory steps from the evidence's folder to the candidate's (0: beside it). */
function distance(from: string, to: string): number {
  const a = path.dirname(from).split(path.sep);
  const b = path.dirname(to).split(path.sep);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return a.length - common + (b.length - common);
}

const compareText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/**
 * Chooses the endorsements for the evidence at `evidencePath` with identity `identity` from `pool`,
 * as of `at` (Unix seconds). `trial` appraises a candidate set; it is called only when several
 * different items fit one want. `label` names files in notes (e.g. relative to the batch folder).
 */
export function pair(evidencePath: string, identity: Identity, pool: EndorsementPool, at: number, trial: Trial, label: (file: string) => string = (f) => f): Pairing {
  const files: string[] = [];
  const notes: PairingNote[] = [];
  const rejected: string[] = [];
  /** Key → digest of the item already chosen for it, and the same for each exclusive slot. */
  const chosen = new Map<string, string>();
  const slots = new Map<string, string>();
  const conflicts = (c: Candidate) =>
    c.identity.offers.some((o) => (chosen.has(o.key) && chosen.get(o.key) !== o.digest) || (slots.has(slotOf(o.key)) && slots.get(slotOf(o.key)) !== o.digest));
  const accept = (c: Candidate) => {
    files.push(c.path);
    for (const o of c.identity.offers) {
      if (!chosen.has(o.key)) chosen.set(o.key, o.digest);
      if (exclusive(o.key) && !slots.has(slotOf(o.key))) slots.set(slotOf(o.key), o.digest);
    }
  };
  /** The product line the first want with variants (a v2 SEV-SNP report's VEK) was met with; later wants keep to it. */
  let variant: string | undefined;
  const decider = identity.wants.find((w) => w.variants !== undefined);
  // Newest issued at or before the reference time first, then nearest, then by path.
  const rank = (e: Entry) => [e.offer.issued === undefined ? 0 : e.offer.issued <= at ? -e.offer.issued : Number.MAX_SAFE_INTEGER, distance(evidencePath, e.candidate.path)];
  const before = (x: Entry, y: Entry) => {
    const [a, b] = [rank(x), rank(y)];
    return a[0]! - b[0]! || a[1]! - b[1]! || compareText(x.candidate.path, y.candidate.path);
  };
  /** The distinct items that fit `want` now (the same certificate in DER and in PEM is one), best ranked first. */
  /** Whether `want` depends on the product the decider sets and that is not known (yet, or at all: without the VEK a v2 report's ASK and CRL would be a guess). */
  const awaitsProduct = (want: Want) => want.variants !== undefined && want !== decider && variant === undefined;
  const alternativesFor = (want: Want): Entry[] => {
    if (awaitsProduct(want)) return [];
    const keys = want.keys.filter((_, i) => variant === undefined || want.variants?.[i] === undefined || want.variants[i] === variant);
    let entries = keys.flatMap((k) => pool.offering(k)).filter((e) => e.candidate.path !== evidencePath && !conflicts(e.candidate));
    if (want.nearest && entries.length > 0) {
      const near = Math.min(...entries.map((e) => distance(evidencePath, e.candidate.path)));
      entries = entries.filter((e) => distance(evidencePath, e.candidate.path) === near);
    }
    const items = new Map<string, Entry>();
    for (const e of [...entries].sort(before)) if (!items.has(e.offer.digest)) items.set(e.offer.digest, e);
    return [...items.values()];
  };
  const use = (want: Want, best: Entry) => {
    accept(best.candidate);
    if (want === decider) variant = want.variants![want.keys.indexOf(best.offer.key)];
    notes.push({ level: 'info', text: `${label(best.candidate.path)}: ${best.offer.what}, for ${want.what}` });
  };
  const met = (want: Want) => want.keys.some((k) => chosen.has(k));
  // Wants with one fitting item first, so that the trials of an ambiguous want (a genuine and a
  // tampered RIM) appraise with everything else already in place (the device chain); wants that
  // await the product after its decider.
  const seen = new Set<string>();
  const later: Want[] = [];
  for (const want of identity.wants) {
    const id = want.keys.join('|');
    if (seen.has(id) || met(want)) continue;
    seen.add(id);
    const alternatives = alternativesFor(want);
    if (alternatives.length === 1) use(want, alternatives[0]!);
    else if (alternatives.length > 1 || awaitsProduct(want)) later.push(want);
  }
  for (const want of later) {
    if (met(want)) continue;
    const alternatives = alternativesFor(want);
    if (alternatives.length === 0) continue;
    if (alternatives.length === 1) use(want, alternatives[0]!);
    else {
      const best = choose(want, alternatives, files, trial, notes, label);
      rejected.push(...alternatives.filter((e) => e !== best).map((e) => e.candidate.path));
      use(want, best);
    }
  }
  return { files, notes, rejected };
}

/** Tries each alternative (in rank order) and keeps the most authentic (see the module comment); notes the ambiguity. */
function choose(want: Want, alternatives: Entry[], files: string[], trial: Trial, notes: PairingNote[], label: (file: string) => string): Entry {
  const scored = alternatives.map((e) => {
    const r = trial([...files, e.candidate.path]);
    const score = r ? [r.fail.filter((id) => !TIME_BOUND.test(id)).length, r.fail.filter((id) => TIME_BOUND.test(id)).length, r.skip.length, r.warn.length] : [Infinity];
    return { e, r, score };
  });
  const better = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? Infinity) !== (b[i] ?? Infinity)) return (a[i] ?? Infinity) < (b[i] ?? Infinity);
    return false;
  };
  let best = scored[0]!;
  for (const s of scored) if (better(s.score, best.score)) best = s;
  const counts = ({ r }: (typeof scored)[number]) => (r ? `${r.fail.length} failing${r.fail.length ? `: ${r.fail.join(', ')}` : ''}; ${r.warn.length} warning` : 'unreadable with it');
  const others = scored.filter((s) => s !== best).map((s) => `${label(s.e.candidate.path)} (${counts(s)})`);
  notes.push({
    level: 'warning',
    text: `${alternatives.length} different files fit ${want.what}: used ${label(best.e.candidate.path)} (${counts(best)}); not used: ${others.join(', ')}`,
  });
  return best.e;
}
