/**
 * Chooses, among files recognised by {@link classify}, the evidence and the endorsements that go
 * with it. Shared by the inspector (files the user opened) and the batch (files in one folder).
 */
import type { FileKind } from '../ipc/contract.ts';
import { EVIDENCE_KINDS } from './classify.ts';

/** Endorsement kinds each evidence kind uses; an Azure HCL report alone is SEV-SNP evidence. */
const ENDORSES: Record<string, ReadonlySet<FileKind>> = {
  'sev-snp-report': new Set(['certificate', 'crl', 'der-endorsement']),
  'azure-hcl-report': new Set(['certificate', 'crl', 'der-endorsement']),
  'tdx-quote': new Set(['certificate', 'crl', 'der-endorsement', 'tdx-collateral', 'azure-hcl-report']),
  'sgx-quote': new Set(['certificate', 'crl', 'der-endorsement', 'tdx-collateral']),
};

/** True when a file of `kind` is evidence in a set whose kinds are `all`. */
export function isEvidence(kind: FileKind, all: readonly FileKind[]): boolean {
  if (EVIDENCE_KINDS.has(kind)) return true;
  // An HCL report carries an SNP report; beside a TDX quote it is the quote's collateral instead.
  return kind === 'azure-hcl-report' && !all.some((k) => k === 'tdx-quote' || k === 'sgx-quote');
}

/** True when a file of `kind` is an endorsement for evidence of `evidenceKind`. */
export function endorses(evidenceKind: FileKind, kind: FileKind): boolean {
  return ENDORSES[evidenceKind]?.has(kind) ?? false;
}
