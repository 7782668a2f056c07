/**
 * The inspector's service: recognises the files the user opened, verifies the evidence among them
 * with the others as endorsements, and returns the appraisal with the evidence's byte layout.
 */
import type { Core } from '../core/core.ts';
import { InputError } from '../core/errors.ts';
import type { EvidenceType } from '../core/appraisal.ts';
import type { FileKind, NamedFile, Request, Response } from '../ipc/contract.ts';
import { describeCertificates } from './certificates.ts';
import { classify, evidenceBytes } from './classify.ts';
import { dcapLayout } from './layout-tdx.ts';
import { snpLayout } from './layout-snp.ts';
import { endorses, isEvidence } from './select.ts';

/** The byte layout for evidence of `kind` (empty for kinds without one, e.g. an HCL report). */
export function layoutFor(kind: FileKind, bytes: Uint8Array) {
  if (kind === 'sev-snp-report') return snpLayout(bytes.length);
  if (kind === 'tdx-quote' || kind === 'sgx-quote') return dcapLayout(bytes);
  return [];
}

/** The core's evidence type for a kind, forcing what the classifier saw. */
export function evidenceType(kind: FileKind): EvidenceType | undefined {
  return kind === 'tdx-quote' ? 'tdx' : kind === 'sgx-quote' ? 'sgx' : kind === 'sev-snp-report' ? 'sev-snp' : undefined;
}

/**
 * Verifies one evidence file among `request.files`. Throws {@link InputError} naming the files when
 * none or several are evidence, and whatever the core throws for unparsable input.
 */
export function inspect(core: Core, request: Request<'evidence:inspect'> & { files: NamedFile[] }): Response<'evidence:inspect'> {
  const kinds = request.files.map((f) => classify(f.bytes));
  const evidenceIdx = kinds.flatMap((k, i) => (isEvidence(k, kinds) ? [i] : []));
  const names = request.files.map((f) => f.name).join(', ');
  if (evidenceIdx.length === 0) throw new InputError(names, 'evidence', 'none of these files is an SEV-SNP report or a DCAP quote');
  if (evidenceIdx.length > 1) {
    throw new InputError(evidenceIdx.map((i) => request.files[i]!.name).join(', '), 'evidence', 'several files are evidence; open one at a time (use Compare for two)');
  }
  const ei = evidenceIdx[0]!;
  const evidence = request.files[ei]!;
  const kind = kinds[ei]!;
  const roles = kinds.map((k, i) => (i === ei ? 'evidence' : endorses(kind, k) ? 'endorsement' : 'ignored') as 'evidence' | 'endorsement' | 'ignored');
  const appraisal = core.verify({
    evidence,
    endorsements: request.files.filter((_, i) => roles[i] === 'endorsement'),
    testAnchors: request.testAnchors,
    policy: request.policy ?? undefined,
    referenceTime: new Date(request.referenceTime),
    type: evidenceType(kind),
  });
  const bytes = evidenceBytes(evidence.bytes);
  const used = request.files.filter((_, i) => roles[i] !== 'ignored');
  return {
    files: request.files.map((f, i) => ({ name: f.name, kind: kinds[i]!, role: roles[i]! })),
    evidence: { name: evidence.name, kind, bytes, layout: layoutFor(kind, bytes) },
    appraisal,
    certificates: describeCertificates(used, request.testAnchors, new Date(request.referenceTime), core.pinnedRoots()),
  };
}
