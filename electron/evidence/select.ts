/**
 * Chooses, among files recognised by {@link classify}, the evidence and the endorsements that go
 * with it, and which field of the core's request (`electron/core/appraisal.ts` VerifyRequest) each
 * file goes in. Shared by the inspector (files the user opened) and the batch (files in one folder).
 */
import { InputError } from '../core/errors.ts';
import type { NamedBytes, VerifyRequest } from '../core/appraisal.ts';
import type { FileKind } from '../ipc/contract.ts';
import { CPU_EVIDENCE_KINDS, EVIDENCE_KINDS } from './classify.ts';
import { describeEach } from './describe.ts';

/**
 * Where a file goes in the core's request: the request's own `evidence`, `moreEvidence` (NVIDIA
 * serialized evidence appraised with it: the devices of a node, or the GPUs of composite evidence),
 * `endorsements` (certificates, CRLs, Intel collateral), `rims` (NVIDIA RIMs), `ocsp` (OCSP
 * responses), or nowhere (`null`: not used for this evidence).
 */
export type Slot = 'evidence' | 'moreEvidence' | 'endorsements' | 'rims' | 'ocsp' | null;

const X509: FileKind[] = ['certificate', 'crl', 'der-endorsement'];
/** NVIDIA inputs a request may carry beside its evidence (core: `rims`, `ocsp`, `more_evidence`). */
const NVIDIA_EXTRAS: Partial<Record<FileKind, Slot>> = { 'nvidia-rim': 'rims', 'ocsp-response': 'ocsp', 'nvidia-evidence': 'moreEvidence' };

/** Endorsement kinds each evidence kind uses; an Azure HCL report alone is SEV-SNP evidence. */
const ENDORSES: Record<string, ReadonlySet<FileKind>> = {
  'sev-snp-report': new Set(X509),
  'azure-hcl-report': new Set([...X509, 'vtpm-quote', 'event-log']),
  'tdx-quote': new Set([...X509, 'tdx-collateral', 'azure-hcl-report', 'event-log', 'vtpm-quote']),
  'sgx-quote': new Set([...X509, 'tdx-collateral']),
  // A bare report's device chain comes as certificates; serialized evidence carries its own chains.
  'nvidia-report': new Set(X509),
  'nvidia-evidence': new Set(['crl']),
};

/** True when a file of `kind` is evidence in a set whose kinds are `all`. */
export function isEvidence(kind: FileKind, all: readonly FileKind[]): boolean {
  if (EVIDENCE_KINDS.has(kind)) return true;
  // An HCL report carries an SNP report; beside a TDX quote it is the quote's collateral instead.
  return kind === 'azure-hcl-report' && !all.some((k) => k === 'tdx-quote' || k === 'sgx-quote');
}

const isNvidiaEvidence = (k: FileKind) => k === 'nvidia-report' || k === 'nvidia-evidence';

/**
 * The request field for a file of `kind` when the primary evidence is of `evidenceKind`.
 * `composite`: NVIDIA serialized evidence accompanies a CPU report, so RIMs and OCSP responses apply.
 */
export function slotFor(evidenceKind: FileKind, kind: FileKind, composite = false): Slot {
  if (ENDORSES[evidenceKind]?.has(kind)) return 'endorsements';
  if (isNvidiaEvidence(evidenceKind) || composite) return NVIDIA_EXTRAS[kind] ?? null;
  return null;
}

/** True when a file of `kind` is an endorsement (in the broad sense: any non-evidence input) for evidence of `evidenceKind`. */
export function endorses(evidenceKind: FileKind, kind: FileKind): boolean {
  const slot = slotFor(evidenceKind, kind);
  return slot === 'endorsements' || slot === 'rims' || slot === 'ocsp';
}

/**
 * The plan for one appraisal of files of `kinds` (named `names`, for messages): the index of the
 * primary evidence and each file's slot. Composite evidence is a CPU report (SEV-SNP, TDX, SGX) with
 * NVIDIA serialized evidence; NVIDIA evidence alone is one report or serialized-evidence file, plus
 * more serialized-evidence files (e.g. a node's switches).
 *
 * `bytes` (the files' contents, optional) lets the "none is evidence" error say what each file is.
 *
 * @throws InputError naming the files when none is evidence, or when they cannot form one appraisal.
 */
export function planAppraisal(kinds: readonly FileKind[], names: readonly string[], bytes?: readonly Uint8Array[]): { primary: number; slots: Slot[] } {
  const idx = (pred: (k: FileKind) => boolean) => kinds.flatMap((k, i) => (pred(k) ? [i] : []));
  const cpu = idx((k) => CPU_EVIDENCE_KINDS.has(k) || (k === 'azure-hcl-report' && isEvidence(k, kinds)));
  const reports = idx((k) => k === 'nvidia-report');
  const serialized = idx((k) => k === 'nvidia-evidence');
  const list = (ix: number[]) => ix.map((i) => names[i]).join(', ');
  if (cpu.length + reports.length + serialized.length === 0) {
    const what = bytes ? `: ${describeEach(names.map((name, i) => ({ name, bytes: bytes[i]! })))}` : '';
    throw new InputError(names.join(', '), 'evidence', `none of these files is evidence (an SEV-SNP report, a DCAP quote, an NVIDIA attestation report or NVIDIA serialized evidence)${what}`);
  }
  if (cpu.length > 1) throw new InputError(list(cpu), 'evidence', 'several files are evidence; open one at a time (use Compare for two)');
  if (reports.length > 1) throw new InputError(list(reports), 'evidence', 'several NVIDIA reports; open one at a time, or several devices as NVIDIA serialized evidence (JSON)');
  if (cpu.length === 1 && reports.length > 0) {
    throw new InputError(list(reports), 'evidence', 'a bare NVIDIA report has no device chain of its own, so it cannot join a CPU report as composite evidence: open the GPU evidence as NVIDIA serialized evidence (JSON)');
  }
  const primary = cpu[0] ?? reports[0] ?? serialized[0]!;
  const composite = cpu.length === 1 && serialized.length > 0;
  const slots = kinds.map((k, i) => (i === primary ? 'evidence' : slotFor(kinds[primary]!, k, composite)));
  return { primary, slots };
}

/** The request fields for `files` per `slots` (the evidence itself excluded). */
export function requestInputs(files: readonly NamedBytes[], slots: readonly Slot[]): Pick<VerifyRequest, 'endorsements' | 'rims' | 'ocsp' | 'moreEvidence'> {
  const of = (s: Slot) => files.filter((_, i) => slots[i] === s);
  return { endorsements: of('endorsements'), rims: of('rims'), ocsp: of('ocsp'), moreEvidence: of('moreEvidence') };
}
