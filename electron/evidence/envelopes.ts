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
 * What an envelope carries and Custodian does not appraise is said in `notes`, so nothing passes silently.
 */
import type { NamedBytes } from '../core/appraisal.ts';
import { InputError } from '../core/errors.ts';
import { checkJsonDepth } from '../io/limits.ts';
import { parseAttestation, quotePrimary, snpPrimary } from '../vault/trustee.ts';

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

/**
 * Opens `file` when it is one of the envelopes above; `null` when it is not JSON with one of their
 * shapes (raw evidence, or JSON the core reads itself, e.g. NVIDIA serialized evidence).
 * InputError naming the file and the JSON path when it has an envelope's shape but a member is wrong.
 */
export function openEnvelope(file: NamedBytes): OpenedEnvelope | null {
  const bytes = Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
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
  if ('tee-evidence' in doc || 'runtime-data' in doc) {
    const a = parseAttestation(bytes, name);
    return {
      form: `Trustee Attestation (${a.primary.platform}${a.gpuEvidence.length ? ' + NVIDIA' : ''})`,
      evidence: a.primary.evidence, endorsements: a.primary.endorsements, moreEvidence: a.gpuEvidence,
      notes: [...a.notes, 'runtime-data: the REPORT_DATA binding of the nonce and TEE key is checked by a ceremony (`ceremony evidence --attestation`), not by inspection'],
    };
  }
  if ('hcl_report' in doc && ('vcek' in doc || 'td_quote' in doc)) {
    const version = typeof doc.version === 'number' ? doc.version : '?';
    const hcl = { name: `${name}#hcl_report`, bytes: b64(doc.hcl_report, name, 'hcl_report') };
    const quote = tpmQuote(doc, name);
    const notes = quote.length ? [] : ['tpm_quote: absent, so the vTPM PCRs are not attested (the core reports vtpm.quote as skipped)'];
    if ('vcek' in doc) {
      return { form: `Trustee az-snp-vtpm evidence JSON v${version}`, evidence: hcl, endorsements: [{ name: `${name}#vcek`, bytes: b64(doc.vcek, name, 'vcek') }, ...quote], moreEvidence: [], notes };
    }
    return { form: `Trustee az-tdx-vtpm evidence JSON v${version}`, evidence: { name: `${name}#td_quote`, bytes: b64(doc.td_quote, name, 'td_quote') }, endorsements: [hcl, ...quote], moreEvidence: [], notes };
  }
  if ('attestation_report' in doc) {
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
