/**
 * Says what a file looks like, in words a user can act on, and whether an input fits the evidence it
 * was given with: "this is an X.509 certificate, not evidence", "a Markdown/text file", "Intel TDX/SGX
 * collateral given to an SEV-SNP report", "an AMD certificate given to NVIDIA evidence". The one place
 * these explanations are decided: the CLI (`custodian verify`, electron/cli/inputs.ts) and the console
 * (planAppraisal in ./select.ts) both call it. Display and input checking only: the core still decides
 * every verdict, and a file this module cannot place is left for the core to parse.
 */
import { X509Certificate } from 'node:crypto';
import type { FileKind } from '../ipc/contract.ts';
import { classify } from './classify.ts';

/** The vendor a certificate, CRL or collateral belongs to, from its names (never trusted: only for messages). */
export type Vendor = 'AMD' | 'Intel' | 'NVIDIA';

/** The evidence platforms an input can belong to. */
export type Platform = 'sev-snp' | 'tdx' | 'sgx' | 'nvidia';

/** What a file is: its {@link classify} kind, the vendor when its names say so, and a phrase such as "an X.509 certificate (AMD SEV-VCEK)". */
export interface FileDescription {
  kind: FileKind;
  vendor?: Vendor;
  /** A noun phrase with its article, e.g. "a Markdown/text file". */
  what: string;
  /** True for text that is no format Custodian reads (Markdown, plain text, an empty file). */
  prose: boolean;
}

const PLATFORM_NAME: Record<Platform, string> = { 'sev-snp': 'an SEV-SNP report', tdx: 'a TDX quote', sgx: 'an SGX quote', nvidia: 'NVIDIA evidence' };
const PLATFORM_VENDOR: Record<Platform, Vendor> = { 'sev-snp': 'AMD', tdx: 'Intel', sgx: 'Intel', nvidia: 'NVIDIA' };

/** The platform a recognised evidence kind is (an Azure HCL report carries an SEV-SNP report). */
export function evidencePlatform(kind: FileKind): Platform | undefined {
  const map: Partial<Record<FileKind, Platform>> = {
    'sev-snp-report': 'sev-snp', 'azure-hcl-report': 'sev-snp', 'tdx-quote': 'tdx', 'sgx-quote': 'sgx', 'nvidia-report': 'nvidia', 'nvidia-evidence': 'nvidia',
  };
  return map[kind];
}

/** The vendor named by a distinguished name (subject or issuer text). */
function vendorOfName(dn: string): Vendor | undefined {
  if (/\bCN=(SEV-|ARK-|ASK-|ASVK-)|Advanced Micro Devices|\(not AMD\)/.test(dn)) return 'AMD';
  if (/Intel SGX|Intel Corporation/.test(dn)) return 'Intel';
  if (/NVIDIA|\bCN=G[HB]\d{3}\b|\bCN=LS10\b/.test(dn)) return 'NVIDIA';
  return undefined;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** The first certificate of a PEM bundle or DER file: its CN and vendor, or undefined when none parses. */
function firstCertificate(bytes: Uint8Array): { cn: string; vendor?: Vendor } | undefined {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 1 << 16));
  const pem = PEM_CERT.exec(text)?.[0];
  try {
    const cert = new X509Certificate(pem ?? Buffer.from(bytes));
    const subject = cert.subject.split('\n').join(', ');
    const cn = /(?:^|, )CN=([^,]*)/.exec(subject)?.[1] ?? subject;
    return { cn, vendor: vendorOfName(`${subject}, ${cert.issuer.split('\n').join(', ')}`) };
  } catch {
    return undefined;
  }
}

/** Intel collateral JSON: a QuoteCollateralV3 bundle or a PCS body (the keys the core looks for). */
function isIntelCollateral(bytes: Uint8Array): boolean {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 1 << 16));
  return /^\s*\{/.test(text) && /"(tcb_info|qe_identity|pck_crl|tcbInfo|enclaveIdentity|qeIdentity)"/.test(text);
}

/** Text a person wrote (no format of ours): valid UTF-8, printable, not JSON/PEM/XML/hex. */
function proseKind(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'an empty file';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, 1 << 16));
  } catch {
    return undefined;
  }
  if (/[\0-\x08\x0e-\x1f]/.test(text)) return undefined;
  const t = text.trimStart();
  if (/^[[{<]|^-----BEGIN|^[0-9a-fA-F\s]+$/.test(t)) return undefined;
  if (/^#{1,6} |^\S.*\n(=+|-+)\s*$|\n#{1,6} |\n```|\]\(https?:/m.test(text)) return 'a Markdown/text file';
  return 'a text file';
}

/**
 * Describes `bytes` for a message: what {@link classify} recognises, refined with the certificate's
 * name and vendor, Intel collateral vs other JSON, and prose (Markdown, plain text, empty).
 */
export function describeFile(bytes: Uint8Array): FileDescription {
  const kind = classify(bytes);
  const prose = kind === 'unknown' ? proseKind(bytes) : undefined;
  if (prose) return { kind, what: prose, prose: true };
  switch (kind) {
    case 'certificate': {
      const c = firstCertificate(bytes);
      return { kind, vendor: c?.vendor, what: c ? `an X.509 certificate (${c.vendor ? `${c.vendor} ` : ''}${c.cn})` : 'an X.509 certificate', prose: false };
    }
    case 'crl':
      return { kind, what: 'a CRL (certificate revocation list)', prose: false };
    case 'der-endorsement':
      return { kind, what: 'DER-encoded data (not a certificate or CRL Custodian recognises)', prose: false };
    case 'ocsp-response':
      return { kind, vendor: 'NVIDIA', what: 'an OCSP response', prose: false };
    case 'nvidia-rim':
      return { kind, vendor: 'NVIDIA', what: 'an NVIDIA RIM (reference integrity manifest)', prose: false };
    case 'tdx-collateral':
      return isIntelCollateral(bytes) ? { kind, vendor: 'Intel', what: 'Intel TDX/SGX collateral (JSON)', prose: false } : { kind, what: 'a JSON document', prose: false };
    case 'event-log':
      return { kind, what: 'a TCG event log (a TDX CC event log or a TPM event log)', prose: false };
    case 'vtpm-quote':
      return { kind, what: 'an Azure vTPM quote (Trustee tpm_quote JSON)', prose: false };
    case 'azure-hcl-report':
      return { kind, what: 'an Azure HCL report', prose: false };
    case 'sev-snp-report':
      return { kind, vendor: 'AMD', what: 'an SEV-SNP report', prose: false };
    case 'tdx-quote':
      return { kind, vendor: 'Intel', what: 'a TDX quote', prose: false };
    case 'sgx-quote':
      return { kind, vendor: 'Intel', what: 'an SGX quote', prose: false };
    case 'nvidia-report':
      return { kind, vendor: 'NVIDIA', what: 'an NVIDIA attestation report', prose: false };
    case 'nvidia-evidence':
      return { kind, vendor: 'NVIDIA', what: 'NVIDIA serialized evidence (JSON)', prose: false };
    default:
      return { kind, what: 'unrecognised data', prose: false };
  }
}

/**
 * Kinds that are certainly not evidence of any platform. Not `der-endorsement`: hex text starting
 * with "30" looks like a DER SEQUENCE, and a hex-text quote is evidence the core reads.
 */
const NEVER_EVIDENCE: ReadonlySet<FileKind> = new Set(['certificate', 'crl', 'ocsp-response', 'nvidia-rim', 'event-log', 'vtpm-quote']);

/**
 * Why a file given as evidence cannot be evidence, or undefined when it may be (the core then decides).
 * `swapHint`: a flag another given file came with, when that file is evidence ("did you swap EVIDENCE
 * and --chain?").
 */
export function notEvidenceReason(d: FileDescription, swapHint?: string): string | undefined {
  const intelCollateral = d.kind === 'tdx-collateral' && d.vendor === 'Intel';
  if (!d.prose && !NEVER_EVIDENCE.has(d.kind) && !intelCollateral) return undefined;
  const swap = swapHint ? `: did you swap EVIDENCE and ${swapHint}?` : '';
  const where: Partial<Record<FileKind, string>> = {
    certificate: 'certificates go with --chain',
    crl: 'CRLs go with --crl',
    'ocsp-response': 'OCSP responses go with --ocsp',
    'nvidia-rim': 'RIMs go with --rim',
    'tdx-collateral': 'collateral goes with --collateral beside the TDX/SGX quote',
    'event-log': 'an event log goes with --collateral beside the TDX quote or the Azure vTPM quote',
    'vtpm-quote': 'a vTPM quote goes with --collateral beside its Azure HCL report',
  };
  const hint = swap || (where[d.kind] ? ` (${where[d.kind]})` : d.prose ? ' (an SEV-SNP report, a TDX/SGX quote or NVIDIA evidence was expected)' : '');
  return `this is ${d.what}, not evidence${hint}`;
}

/**
 * Whether an endorsement file fits evidence of `platform`: `error` when it certainly belongs to another
 * platform (Intel collateral given to an SEV-SNP report, an AMD certificate given to NVIDIA evidence),
 * which would otherwise fail obscurely or be ignored. Certificates of TDX/SGX quotes are not judged here
 * (the quote carries its PCK chain; see the CLI's notes).
 */
export function endorsementMisfit(d: FileDescription, platform: Platform): string | undefined {
  const own = PLATFORM_VENDOR[platform];
  if (d.prose) return `this is ${d.what}, not an endorsement of ${PLATFORM_NAME[platform]}`;
  if (d.kind === 'tdx-collateral' && d.vendor === 'Intel' && own !== 'Intel') return `this is Intel TDX/SGX collateral, given to ${PLATFORM_NAME[platform]} (Intel collateral endorses TDX and SGX quotes only)`;
  if ((d.kind === 'certificate' || d.kind === 'crl') && d.vendor && d.vendor !== own && own !== 'Intel') {
    return `this is ${d.what}, given to ${PLATFORM_NAME[platform]}: ${platform === 'nvidia' ? 'NVIDIA evidence needs the device\'s NVIDIA certificate chain' : 'an SEV-SNP report needs AMD certificates (VCEK/VLEK, ASK/ASVK, ARK)'}`;
  }
  if (EVIDENCE_LIKE.has(d.kind)) return `this is ${d.what}: evidence, not an endorsement (verify one piece of evidence at a time${platform !== 'nvidia' && d.kind === 'nvidia-evidence' ? '; GPU evidence beside a CPU report goes with --more-evidence' : ''})`;
  return undefined;
}

const EVIDENCE_LIKE: ReadonlySet<FileKind> = new Set(['sev-snp-report', 'tdx-quote', 'sgx-quote', 'nvidia-report', 'nvidia-evidence']);

/** A list of what each file is, for "none of these files is evidence" messages: "a.pem is an X.509 certificate (…); b.md is a Markdown/text file". */
export function describeEach(files: readonly { name: string; bytes: Uint8Array }[]): string {
  return files.map((f) => `${f.name} is ${describeFile(f.bytes).what}`).join('; ');
}
