/**
 * Evidence envelopes other tools write, recognised by content and opened into the core's inputs (the
 * raw report or quote, and the endorsements the envelope carried). The core then appraises the raw
 * form, so an envelope gives exactly the verdict its raw form gives.
 *
 * - Trustee `Attestation` (kbs-types 0.18: `runtime-data`, `tee-evidence`), read by vault/trustee.ts
 *   (the one reader, shared with `ceremony evidence --attestation`); its NVIDIA additional evidence
 *   becomes more evidence. The runtime-data binding is a ceremony's check, not an inspection's.
 * - Trustee/guest-components SEV-SNP evidence `{attestation_report: <sev crate JSON>, cert_chain}`:
 *   the report is rebuilt to its 1184 bytes (vault/trustee-snp.ts); the core's signature check then
 *   proves the JSON kept every signed byte.
 * - Trustee/guest-components TDX evidence `{quote: base64, cc_eventlog?}`: the CC event log becomes an
 *   endorsement, which the core replays to RTMR0..3.
 * - Trustee `az-snp-vtpm` `{version, hcl_report, tpm_quote, vcek}` (guest-components
 *   attester/src/az_snp_vtpm): the Azure HCL report is the evidence, the VCEK (DER) an endorsement.
 * - Trustee `az-tdx-vtpm` `{version, hcl_report, tpm_quote, td_quote}`: the TD quote is the evidence,
 *   the TDX HCL report beside it (its runtime data is what REPORTDATA binds).
 *   In both, `tpm_quote` `{signature, message, pcrs}` becomes an endorsement of its own
 *   (`…#tpm_quote`, the member's JSON as is), which the core verifies with the HCL runtime data's AK
 *   (wasm/src/vtpm.rs: `vtpm.quote.signature`, `.pcr_digest`, `.nonce`).
 *
 * - go-sev-guest `sevsnp.Attestation` {report, certificate_chain, product} or bare `sevsnp.Report`
 *   protobuf, binary or text format, as go-sev-guest's `attest` writes them (`-outform proto|textproto`,
 *   `-extended` for the Attestation): decoded by the core with maintained protobuf libraries over
 *   go-sev-guest's sevsnp.proto ({@link Core.sevsnpProto}); the report is rebuilt to its 1184 bytes
 *   from the fields by the same table as the Trustee JSON (vault/trustee-snp.ts), and the core's
 *   signature check proves the protobuf kept every signed byte. The decoding is in the core (Rust)
 *   because no maintained npm package reads the protobuf text format; the rebuild is here because
 *   the report's layout for envelopes already lives here, once.
 *
 * What an envelope carries and Custodian does not appraise is said in `notes`, so nothing passes silently.
 */
import type { NamedBytes } from '../core/appraisal.ts';
import { InputError } from '../core/errors.ts';
import { checkJsonDepth } from '../io/limits.ts';
import { parseAttestation, quotePrimary, snpPrimary } from '../vault/trustee.ts';
import { protoReportToBytes } from '../vault/trustee-snp.ts';
import type { Core } from '../core/core.ts';

/** An opened envelope: the evidence and what came with it, in the core's input form. */
export interface OpenedEnvelope {
  /** What the file was, e.g. "Trustee az-snp-vtpm evidence JSON v1". */
  form: string;
  evidence: NamedBytes;
  endorsements: NamedBytes[];
  /** Further evidence appraised together (NVIDIA devices of a Trustee Attestation). */
  moreEvidence: NamedBytes[];
  /** What the envelope held that is not appraised, one sentence each. */
  notes: string[];
}

type Obj = Record<string, unknown>;

/** base64 or base64url, padded or not (Trustee's Azure envelopes write base64url with padding). */
function b64(v: unknown, file: string, path: string): Buffer {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) throw new InputError(file, path, 'must be a base64 string');
  return Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * The envelope's `tpm_quote` as a file of its own for the core (`{signature, message, pcrs}`; the
 * core decodes the hex and the TPMS_ATTEST), or none when the member is absent. InputError naming
 * the member when its shape is wrong, so it is never mistaken for another JSON endorsement.
 */
function tpmQuote(doc: Obj, file: string): NamedBytes[] {
  if (!('tpm_quote' in doc)) return [];
  const q = doc.tpm_quote;
  if (q === null || typeof q !== 'object' || Array.isArray(q)) throw new InputError(file, 'tpm_quote', 'must be an object {signature, message, pcrs}');
  const o = q as Obj;
  for (const k of ['signature', 'message'] as const) if (typeof o[k] !== 'string') throw new InputError(file, `tpm_quote.${k}`, 'must be a hex string');
  if (!Array.isArray(o.pcrs) || !o.pcrs.every((p) => typeof p === 'string')) throw new InputError(file, 'tpm_quote.pcrs', 'must be an array of hex strings');
  return [{ name: `${file}#tpm_quote`, bytes: Buffer.from(JSON.stringify({ signature: o.signature, message: o.message, pcrs: o.pcrs })) }];
}

/** go-sev-guest Report field names that may follow `version: N` at the start of a bare Report in text format. */
const REPORT_TEXT_START = /^(?:\s|#[^\n]*\n)*version\s*:\s*\d+\s+(?:guest_svn|policy|family_id|image_id|vmpl|signature_algo)\s*:/;
/** Attestation fields that may open an Attestation in text format (`report {`, `certificate_chain:<`…). */
const ATTESTATION_TEXT_START = /^(?:\s|#[^\n]*\n)*(?:report|certificate_chain|product)\s*:?\s*[{<]/;

/**
 * Whether `bytes` is go-sev-guest's protobuf, told by content, and which form and message; `null`
 * otherwise. Binary Attestation: tag 0x0a (report) or 0x12 (certificate_chain) followed by a length of
 * at least 128 (both are always larger; a raw report starts with its version, 2..5, then zeros).
 * Binary Report: tag 0x08 (version) with a one-byte value, then the tag of guest_svn (0x10) or
 * policy (0x18). Text: an Attestation or Report field name at the start, after comments.
 */
export function sniffSevsnpProto(bytes: Uint8Array): { form: 'binary' | 'text'; message: 'Attestation' | 'Report' } | null {
  if (bytes.length < 3) return null;
  if ((bytes[0] === 0x0a || bytes[0] === 0x12) && bytes[1]! >= 0x80) return { form: 'binary', message: 'Attestation' };
  if (bytes[0] === 0x08 && bytes[1]! < 0x80 && (bytes[2] === 0x10 || bytes[2] === 0x18)) return { form: 'binary', message: 'Report' };
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096)).toString('latin1');
  if (ATTESTATION_TEXT_START.test(head)) return { form: 'text', message: 'Attestation' };
  if (REPORT_TEXT_START.test(head)) return { form: 'text', message: 'Report' };
  return null;
}

const CHAIN_MEMBERS = [['vcek_cert', 'VCEK'], ['vlek_cert', 'VLEK'], ['ask_cert', 'ASK'], ['ark_cert', 'ARK']] as const;

/** Opens go-sev-guest's Attestation/Report protobuf (see the module comment). */
function openSevsnpProto(file: NamedBytes, kind: { form: 'binary' | 'text'; message: 'Attestation' | 'Report' }, core: Pick<Core, 'sevsnpProto'> | undefined): OpenedEnvelope {
  const name = file.name;
  if (!core) throw new Error(`${name}: a go-sev-guest protobuf is decoded by the core; openEnvelope needs it`);
  const a = core.sevsnpProto(file, kind.form, kind.message);
  const base = kind.message === 'Attestation' ? 'report' : 'Report';
  if (!a.report) throw new InputError(name, 'report', 'missing: the Attestation holds no report');
  const evidence = { name: `${name}#${base}`, bytes: protoReportToBytes(a.report, name, base) };
  const notes = [`${base}: the 1184-byte report was rebuilt from the protobuf's fields (go-sev-guest abi.ReportToAbiBytes); if report.signature fails, the protobuf lost or changed a signed field`];
  const endorsements: NamedBytes[] = [];
  const c = a.certificate_chain;
  if (c) {
    for (const [member, label] of CHAIN_MEMBERS) if (c[member]) endorsements.push({ name: `${name}#certificate_chain.${member}(${label})`, bytes: Buffer.from(c[member], 'hex') });
    if (c.firmware_cert) notes.push('certificate_chain.firmware_cert: not used (deprecated in go-sev-guest)');
    for (const x of c.extras) notes.push(`certificate_chain.extras[${x.guid}]: certificate table entry not used`);
  }
  if (a.product) notes.push(`product: ${a.product.name}${a.product.machine_stepping === null ? '' : ` (machine stepping ${a.product.machine_stepping})`} as go-sev-guest recorded it; not used: the core identifies the product from the report and the chain`);
  if (a.unknown_bytes > 0) notes.push(`${a.unknown_bytes} bytes of fields unknown to go-sev-guest v0.15's sevsnp.proto were not read: ${a.unknown_fields.join(', ')}`);
  const form = `go-sev-guest ${kind.message} protobuf (${kind.form === 'binary' ? 'binary' : 'text format'})`;
  return { form, evidence, endorsements, moreEvidence: [], notes };
}

/**
 * The Trustee JSON envelope shapes by their members — one test each, used on a parsed document by
 * {@link openEnvelope} and on a file's first bytes by {@link looksLikeEnvelope}; `has(m)`: member `m`
 * is present. (The quote-only form `{quote, cc_eventlog?}` is told by its keys in full, or by its
 * first member in a file's first bytes.)
 */
const JSON_SHAPES = {
  attestation: (has: (m: string) => boolean) => has('tee-evidence') || has('runtime-data'),
  azureVtpm: (has: (m: string) => boolean) => has('hcl_report') && (has('vcek') || has('td_quote')),
  trusteeSnp: (has: (m: string) => boolean) => has('attestation_report'),
} as const;

/**
 * Whether the first bytes of a file (a batch reads 8 KiB) have the shape of one of the envelopes
 * {@link openEnvelope} opens: go-sev-guest protobuf, or a JSON object with the members of a
 * {@link JSON_SHAPES} form (looked for as `"name"` in the text; the quote-only form by its first
 * member). A batch makes such a file a row of its own; {@link openEnvelope} then reads the whole file
 * and says what it is.
 */
export function looksLikeEnvelope(head: Uint8Array): boolean {
  if (sniffSevsnpProto(head)) return true;
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
  if (!/^\s*\{/.test(text)) return false;
  const has = (member: string) => text.includes(`"${member}"`);
  return Object.values(JSON_SHAPES).some((shape) => shape(has)) || /^\s*\{\s*"(?:quote|cc_eventlog)"\s*:/.test(text);
}

/**
 * Opens `file` when it is one of the envelopes above; `null` when it is none of their shapes (raw
 * evidence, or JSON the core reads itself, e.g. NVIDIA serialized evidence). `core` decodes the
 * go-sev-guest protobuf (an Error when such a file comes without it).
 * InputError naming the file and the JSON path (protobuf: field path or line and column) when it has
 * an envelope's shape but a member is wrong.
 */
export function openEnvelope(file: NamedBytes, core?: Pick<Core, 'sevsnpProto'>): OpenedEnvelope | null {
  const bytes = Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
  const pb = sniffSevsnpProto(bytes);
  if (pb) return openSevsnpProto(file, pb, core);
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] !== 0x7b) return null; // not a JSON object
  const text = bytes.toString('utf8');
  checkJsonDepth(file.name, 'evidence', text);
  let doc: Obj;
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
    doc = v as Obj;
  } catch {
    return null;
  }
  const name = file.name;
  const has = (member: string) => member in doc;
  if (JSON_SHAPES.attestation(has)) {
    const a = parseAttestation(bytes, name);
    return {
      form: `Trustee Attestation (${a.primary.platform}${a.gpuEvidence.length ? ' + NVIDIA' : ''})`,
      evidence: a.primary.evidence, endorsements: a.primary.endorsements, moreEvidence: a.gpuEvidence,
      notes: [...a.notes, 'runtime-data: the REPORT_DATA binding of the nonce and TEE key is checked by a ceremony (`ceremony evidence --attestation`), not by inspection'],
    };
  }
  if (JSON_SHAPES.azureVtpm(has)) {
    const version = typeof doc.version === 'number' ? doc.version : '?';
    const hcl = { name: `${name}#hcl_report`, bytes: b64(doc.hcl_report, name, 'hcl_report') };
    const quote = tpmQuote(doc, name);
    const notes = quote.length ? [] : ['tpm_quote: absent, so the vTPM PCRs are not attested (the core reports vtpm.quote as skipped)'];
    if ('vcek' in doc) {
      return { form: `Trustee az-snp-vtpm evidence JSON v${version}`, evidence: hcl, endorsements: [{ name: `${name}#vcek`, bytes: b64(doc.vcek, name, 'vcek') }, ...quote], moreEvidence: [], notes };
    }
    return { form: `Trustee az-tdx-vtpm evidence JSON v${version}`, evidence: { name: `${name}#td_quote`, bytes: b64(doc.td_quote, name, 'td_quote') }, endorsements: [hcl, ...quote], moreEvidence: [], notes };
  }
  if (JSON_SHAPES.trusteeSnp(has)) {
    const notes: string[] = [];
    const p = snpPrimary(doc, name, '$', notes);
    return { form: 'Trustee SEV-SNP evidence JSON (sev report + cert_chain)', evidence: p.evidence, endorsements: p.endorsements, moreEvidence: [], notes };
  }
  if ('quote' in doc && Object.keys(doc).every((k) => k === 'quote' || k === 'cc_eventlog')) {
    const notes: string[] = [];
    const p = quotePrimary(doc, name, '$', notes);
    return { form: `Trustee ${p.platform.toUpperCase()} evidence JSON`, evidence: p.evidence, endorsements: p.endorsements, moreEvidence: [], notes };
  }
  return null;
}
