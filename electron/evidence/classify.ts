/**
 * Recognises what a file is from its bytes (never from its name): SEV-SNP report (binary or hex
 * text), DCAP quote (TDX or SGX), NVIDIA attestation report (binary or hex text) and serialized
 * evidence JSON, NVIDIA RIM, certificate, CRL, OCSP response, TDX collateral JSON, Azure HCL report,
 * TDX CC event log, Azure vTPM quote JSON.
 */
import type { FileKind } from '../ipc/contract.ts';
import { u16, u32 } from './le.ts';

/** Size of an SEV-SNP ATTESTATION_REPORT in bytes. */
export const SNP_REPORT_SIZE = 0x4a0;
/** Kinds that are evidence; everything recognised else is an endorsement. */
export const EVIDENCE_KINDS: ReadonlySet<FileKind> = new Set(['sev-snp-report', 'tdx-quote', 'sgx-quote', 'nvidia-report', 'nvidia-evidence']);
/** Evidence kinds of a CPU TEE (the first submodule, `cpu0`, of composite evidence). */
export const CPU_EVIDENCE_KINDS: ReadonlySet<FileKind> = new Set(['sev-snp-report', 'tdx-quote', 'sgx-quote']);
/** Length of the SPDM 1.1 GET_MEASUREMENTS request that opens an NVIDIA report (DSP0274 1.1 §10.11.1). */
export const SPDM_REQUEST_LEN = 37;

const ascii = (bytes: Uint8Array, n = 256) => new TextDecoder('latin1').decode(bytes.subarray(0, n));

/** The bytes of a hex-text file (whitespace allowed), or null if it is not pure hex. */
export function decodeHexText(bytes: Uint8Array): Uint8Array | null {
  const text = new TextDecoder('latin1').decode(bytes).replace(/\s+/g, '');
  if (text.length === 0 || text.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A DCAP quote header: version 3–5, attestation key type 2 or 3 (ECDSA P-256/P-384), TEE type 0 or 0x81. */
function dcapKind(b: Uint8Array): FileKind | null {
  if (b.length < 48) return null;
  const version = u16(b, 0);
  const keyType = u16(b, 2);
  const tee = u32(b, 4);
  if (version < 3 || version > 5 || (keyType !== 2 && keyType !== 3)) return null;
  if (tee === 0x81) return 'tdx-quote';
  if (tee === 0) return 'sgx-quote';
  return null;
}

/**
 * A TCG crypto-agile event log (a TDX CCEL or a TPM log), by the core's rule (wasm/src/eventlog.rs
 * `looks_like_event_log`): a first event of type EV_NO_ACTION (3) whose data, at byte 32, starts
 * with "Spec ID Event03\0".
 */
function isEventLog(b: Uint8Array): boolean {
  return b.length >= 48 && u32(b, 4) === 3 && ascii(b.subarray(32), 16) === 'Spec ID Event03\0';
}

/** An SEV-SNP report: at least 0x4A0 bytes, VERSION 2–5, SIGNATURE_ALGO 1 (ECDSA P-384/SHA-384). */
function isSnpReport(b: Uint8Array): boolean {
  return b.length >= SNP_REPORT_SIZE && u32(b, 0) >= 2 && u32(b, 0) <= 5 && u32(b, 0x34) === 1;
}

/**
 * An NVIDIA attestation report, by the core's rule (wasm/src/nvidia/spdm.rs `decode_report_bytes`):
 * binary starting with SPDMVersion 0x11 and GET_MEASUREMENTS 0xE0, or hex text (whitespace allowed)
 * of at least the 37-byte request starting `11e0`. Only the start is looked at, so a truncated
 * report is still recognised and the core names the field it lacks.
 */
function isSpdmReport(b: Uint8Array): boolean {
  if (b[0] === 0x11 && b[1] === 0xe0) return true;
  const digits = ascii(b, 4096).replace(/\s+/g, '');
  return /^11e0/i.test(digits) && /^[0-9a-fA-F]+$/.test(digits) && digits.length >= 2 * SPDM_REQUEST_LEN;
}

/**
 * NVIDIA JSON: serialized evidence (NVIDIA attestation SDK: an array of `{arch, nonce, evidence,
 * certificate}`) or a RIM from NVIDIA's RIM service (`{id, rim}`, the RIM as base64). Keys are looked
 * for in the first 64 KiB, as strings, so a file cut short (a batch reads only its head) still counts.
 */
function nvidiaJsonKind(b: Uint8Array): FileKind | null {
  const text = ascii(b, 1 << 16);
  if (!/^\s*[[{]/.test(text)) return null;
  if (text.includes('"arch"') && (text.includes('"evidence"') || text.includes('"certificate"'))) return 'nvidia-evidence';
  if (/^\s*\{/.test(text) && text.includes('"rim"') && text.includes('"id"')) return 'nvidia-rim';
  return null;
}

/**
 * An Azure vTPM quote, by the core's rule (wasm/src/vtpm.rs `looks_like_quote`): a JSON object with
 * the members `signature`, `message` and `pcrs` (Trustee's `tpm_quote`).
 */
function isVtpmQuote(b: Uint8Array): boolean {
  if (!/^\s*\{/.test(ascii(b, 64)) || b.length > 1 << 20) return false;
  try {
    const v: unknown = JSON.parse(new TextDecoder('utf-8').decode(b));
    return v !== null && typeof v === 'object' && !Array.isArray(v) && ['signature', 'message', 'pcrs'].every((k) => k in v);
  } catch {
    return false;
  }
}

/** A RIM: an ISO/IEC 19770-2 SWID tag, i.e. a `SoftwareIdentity` root element (optionally prefixed). */
const isRimXml = (b: Uint8Array) => /^(\ufeff|\xef\xbb\xbf)?\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<([\w.-]+:)?SoftwareIdentity[\s>]/.test(ascii(b, 4096));

/** DER certificate vs CRL: the TBS of a certificate starts with `[0] version`, a v2 CRL's with INTEGER 1. */
function derKind(b: Uint8Array): FileKind | null {
  if (b[0] !== 0x30) return null;
  const skipHeader = (o: number) => (b[o + 1]! < 0x80 ? o + 2 : o + 2 + (b[o + 1]! & 0x7f));
  const tbs = skipHeader(0);
  // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, … } (RFC 6960 §4.2.1).
  if (b[tbs] === 0x0a && b[tbs + 1] === 0x01) return 'ocsp-response';
  if (b[tbs] !== 0x30) return null;
  const first = skipHeader(tbs);
  if (b[first] === 0xa0) return 'certificate';
  if (b[first] === 0x02 && b[first + 1] === 0x01 && b[first + 2] === 0x01) return 'crl';
  return 'der-endorsement';
}

/**
 * The kind of a file, decided from its content.
 *
 * @param bytes the whole file
 */
export function classify(bytes: Uint8Array): FileKind {
  const dcap = dcapKind(bytes);
  if (dcap) return dcap;
  if (ascii(bytes, 4) === 'HCLA') return 'azure-hcl-report';
  if (isEventLog(bytes)) return 'event-log';
  if (isSnpReport(bytes)) return 'sev-snp-report';
  if (isSpdmReport(bytes)) return 'nvidia-report';
  const head = ascii(bytes);
  // JSON first: collateral carries PEM chains inside its strings.
  const nvidiaJson = nvidiaJsonKind(bytes);
  if (nvidiaJson) return nvidiaJson;
  if (isVtpmQuote(bytes)) return 'vtpm-quote';
  if (/^\s*\{/.test(head)) return 'tdx-collateral';
  if (isRimXml(bytes)) return 'nvidia-rim';
  if (head.includes('-----BEGIN X509 CRL')) return 'crl';
  if (head.includes('-----BEGIN CERTIFICATE')) return 'certificate';
  // Before DER: hex text often starts with "30", which is also a DER SEQUENCE tag.
  const hex = bytes.length < 1 << 16 ? decodeHexText(bytes) : null;
  if (hex && isSnpReport(hex)) return 'sev-snp-report';
  return derKind(bytes) ?? 'unknown';
}

/** The binary evidence the layout indexes: hex-text SNP and NVIDIA reports decoded, everything else as is. */
export function evidenceBytes(bytes: Uint8Array): Uint8Array {
  if (isSnpReport(bytes) || dcapKind(bytes) || (bytes[0] === 0x11 && bytes[1] === 0xe0)) return bytes;
  return decodeHexText(bytes) ?? bytes;
}
