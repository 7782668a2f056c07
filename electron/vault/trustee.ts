/**
 * Trustee's KBS protocol messages as files, so an air-gapped Custodian can stand in for a KBS:
 * - the challenge file is a Trustee `Challenge` (`{nonce, "extra-params"}`; ceremony.ts writes it);
 * - the evidence file is a Trustee `Attestation`, exactly as a guest-components guest POSTs it to
 *   `/kbs/v0/attest` (kbs-types 0.18 `Attestation`, built in guest-components
 *   `kbs_protocol/src/client/rcar_client.rs` `rcar_handshake` at 8246e5e0977f):
 *
 *       { "init-data": null | {format, body},
 *         "runtime-data": { "nonce": <challenge nonce>, "tee-pubkey": <TeePubKey JWK> },
 *         "tee-evidence": { "primary_evidence": <the primary attester's evidence JSON>,
 *                           "additional_evidence": "" | <serde_json of {Tee: evidence}> } }
 *
 * - the release bundle is a Trustee `Response` (release.ts).
 *
 * Primary evidence, as guest-components' attesters serialize it (attester/src/…):
 * - SNP `snp/mod.rs`: `{"attestation_report": <sev AttestationReport serde>, "cert_chain": null | [{"cert_type": "VCEK"|"VLEK"|"ASK"|"ARK"|"CRL"|…, "data": [bytes]}]}`;
 *   the report is rebuilt into its 1184 signed bytes by trustee-snp.ts, the certificates become endorsements;
 * - TDX `tdx/mod.rs`: `{"cc_eventlog": null | base64, "quote": base64}`; SGX `sgx_dcap/mod.rs`: `{"quote": base64}`
 *   (told apart by the quote header's TEE type: 0x81 TDX, 0 SGX);
 * Additional evidence (`attestation-agent/src/lib.rs` / `evidence_provider/native.rs`
 * `get_additional_evidence`): `""` when the guest has no device attesters, else a JSON map; its
 * `nvidia` member is `{"device_evidence_list": [{"arch", "uuid", "evidence", "certificate"}]}`
 * (`attester/src/nvidia/nvat.rs`), which becomes the core's NVIDIA serialized-evidence form
 * `[{"arch", "uuid", "evidence": base64, "certificate": base64}]` (evidence given as hex is re-encoded
 * as base64, as Trustee's `deps/verifier/src/nvidia/mod.rs` accepts both).
 *
 * The TDX `cc_eventlog` becomes an endorsement the core recognises by content and replays to RTMR0..3
 * (checks `eventlog.rtmr0..3`, claim `eventlog`).
 * Not appraised here, and said so in `notes`: `init-data` (a policy can pin HOST_DATA /
 * MRCONFIGID; the init-data body is not parsed), sev members this version does not know.
 */
import type { NamedBytes } from '../core/appraisal.ts';
import { checkJsonDepth, checkSize } from '../io/limits.ts';
import { parseTeePublicKey, type TeePublicJwk } from './binding.ts';
import { InputError } from './errors.ts';
import { sevReportFromBytes, sevReportToBytes } from './trustee-snp.ts';

/** The primary (CPU) evidence of an Attestation in the core's input form. */
export interface PrimaryEvidence {
  platform: 'snp' | 'tdx' | 'sgx';
  /** The raw report (SNP, 1184 bytes) or quote (TDX/SGX), named `FILE#tee-evidence.primary_evidence.…`. */
  evidence: NamedBytes;
  /** Certificates and CRLs the evidence carried (SNP `cert_chain`), each DER, named by its place in the file. */
  endorsements: NamedBytes[];
}

/** A Trustee Attestation read into the core's inputs (see the module comment). */
export interface ParsedAttestation {
  /** `runtime-data.nonce`: must be the ceremony's challenge nonce. */
  nonce: string;
  /** `runtime-data.tee-pubkey`, checked by binding.ts `parseTeePublicKey`; members as sent. */
  teePubkey: TeePublicJwk;
  primary: PrimaryEvidence;
  /** `tee-evidence.additional_evidence` exactly as sent (hashed into REPORT_DATA); `""` when none. */
  additionalEvidence: string;
  /** NVIDIA device evidence from the additional evidence, in the core's serialized-evidence form (one file for all devices); empty when none. */
  gpuEvidence: NamedBytes[];
  /** What was in the file and is not appraised (see the module comment); for the operator to read. */
  notes: string[];
}

/** The input role whose size limit applies to an Attestation file (io/limits.ts). */
export const ATTESTATION_ROLE = 'attestation' as const;

type Obj = Record<string, unknown>;

function at(file: string, path: string, detail: string): InputError {
  return new InputError(file, path, detail);
}
function obj(v: unknown, file: string, path: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw at(file, path, 'must be a JSON object');
  return v as Obj;
}
function str(v: unknown, file: string, path: string): string {
  if (typeof v !== 'string') throw at(file, path, 'must be a string');
  return v;
}
function onlyMembers(o: Obj, allowed: string[], file: string, path: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw at(file, path ? `${path}.${k}` : k, `is not a member of a Trustee ${path || 'Attestation'} (expected ${allowed.join(', ')})`);
}
/** Standard base64 (RFC 4648 §4, padding required as the Rust `base64` STANDARD engine wants). */
function base64(v: unknown, file: string, path: string): Buffer {
  const s = str(v, file, path);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw at(file, path, 'is not standard padded base64');
  return Buffer.from(s, 'base64');
}

/** SNP primary evidence: sev's report JSON → raw bytes; `cert_chain` entries → DER endorsements. */
export function snpPrimary(p: Obj, file: string, base: string, notes: string[]): PrimaryEvidence {
  onlyMembers(p, ['attestation_report', 'cert_chain'], file, base);
  const evidence = { name: `${file}#${base}.attestation_report`, bytes: sevReportToBytes(p.attestation_report, file, `${base}.attestation_report`) };
  const endorsements: NamedBytes[] = [];
  if (p.cert_chain !== null && p.cert_chain !== undefined) {
    if (!Array.isArray(p.cert_chain)) throw at(file, `${base}.cert_chain`, 'must be null or an array of {cert_type, data}');
    p.cert_chain.forEach((e: unknown, i: number) => {
      const path = `${base}.cert_chain[${i}]`;
      const entry = obj(e, file, path);
      const type = entry.cert_type;
      const name = typeof type === 'string' ? type : type && typeof type === 'object' && 'OTHER' in type ? `OTHER ${String((type as Obj).OTHER)}` : null;
      if (name === null) throw at(file, `${path}.cert_type`, 'must be "ARK", "ASK", "VCEK", "VLEK", "CRL", "Empty" or {"OTHER": GUID}');
      if (!Array.isArray(entry.data)) throw at(file, `${path}.data`, 'must be an array of byte values');
      const data = Buffer.alloc(entry.data.length);
      entry.data.forEach((b: unknown, j: number) => {
        if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) throw at(file, `${path}.data[${j}]`, 'must be a byte value (0..255)');
        data[j] = b;
      });
      if (name === 'Empty') return;
      if (!['ARK', 'ASK', 'VCEK', 'VLEK', 'CRL'].includes(name)) {
        notes.push(`${path}: certificate table entry ${name} is not used`);
        return;
      }
      endorsements.push({ name: `${file}#${path}(${name})`, bytes: data });
    });
  }
  return { platform: 'snp', evidence, endorsements };
}

/** TDX or SGX primary evidence: the base64 quote, told apart by its header's TEE type. */
export function quotePrimary(p: Obj, file: string, base: string, notes: string[]): PrimaryEvidence {
  onlyMembers(p, ['quote', 'cc_eventlog'], file, base);
  const quote = base64(p.quote, file, `${base}.quote`);
  if (quote.length < 48) throw at(file, `${base}.quote`, `${quote.length} bytes: shorter than a DCAP quote header`);
  const teeType = quote.readUInt32LE(4);
  const platform = teeType === 0x81 ? 'tdx' : teeType === 0 ? 'sgx' : null;
  if (!platform) throw at(file, `${base}.quote`, `TEE type 0x${teeType.toString(16)} in the quote header is neither TDX (0x81) nor SGX (0)`);
  const endorsements: NamedBytes[] = [];
  if (p.cc_eventlog !== null && p.cc_eventlog !== undefined) {
    // The core recognises the CC event log among the TDX collateral by its Spec ID event and replays it to RTMR0..3.
    const log = base64(p.cc_eventlog, file, `${base}.cc_eventlog`);
    if (platform === 'sgx') throw at(file, `${base}.cc_eventlog`, 'an SGX quote has no RTMRs to replay a CC event log against');
    endorsements.push({ name: `${file}#${base}.cc_eventlog`, bytes: log });
  }
  return { platform, evidence: { name: `${file}#${base}.quote`, bytes: quote }, endorsements };
}

/** `additional_evidence` → NVIDIA serialized evidence for the core. Other device classes are refused (they would be bound but not appraised). */
function gpuFrom(additional: string, file: string, base: string): NamedBytes[] {
  if (additional === '') return [];
  let map: unknown;
  try {
    map = JSON.parse(additional);
  } catch (e) {
    throw at(file, base, `is not JSON text: ${(e as Error).message}`);
  }
  const m = obj(map, file, base);
  const out: NamedBytes[] = [];
  for (const [tee, ev] of Object.entries(m)) {
    const path = `${base}.${tee}`;
    if (tee !== 'nvidia') throw at(file, path, `additional evidence of class "${tee}" cannot be appraised (only "nvidia")`);
    const e = obj(ev, file, path);
    if (!Array.isArray(e.device_evidence_list)) throw at(file, `${path}.device_evidence_list`, 'must be an array of {arch, uuid, evidence, certificate}');
    if (e.device_evidence_list.length === 0) throw at(file, `${path}.device_evidence_list`, 'is empty');
    const entries = e.device_evidence_list.map((d: unknown, i: number) => {
      const p = `${path}.device_evidence_list[${i}]`;
      const dev = obj(d, file, p);
      const arch = str(dev.arch, file, `${p}.arch`);
      const uuid = dev.uuid === undefined ? 'unknown' : str(dev.uuid, file, `${p}.uuid`);
      const evidence = str(dev.evidence, file, `${p}.evidence`);
      // Trustee tries hex first, then takes the text as base64 (deps/verifier/src/nvidia/mod.rs).
      const b64 = /^(?:[0-9a-fA-F]{2})+$/.test(evidence) ? Buffer.from(evidence, 'hex').toString('base64') : base64(evidence, file, `${p}.evidence`).toString('base64');
      base64(dev.certificate, file, `${p}.certificate`);
      return { arch, uuid, evidence: b64, certificate: dev.certificate as string };
    });
    out.push({ name: `${file}#${path}`, bytes: Buffer.from(JSON.stringify(entries)) });
  }
  return out;
}

/**
 * Reads a Trustee `Attestation` JSON file (`bytes`, named `file`) into the core's inputs. Size is
 * limited as role `attestation` (io/limits.ts) and nesting as every JSON input; nothing here recurses
 * over the document's depth.
 * @throws InputError naming `file` and the JSON path (e.g. `tee-evidence.primary_evidence.attestation_report.report_data[3]`)
 *   of the first member that is missing, of the wrong type, or not a form guest-components produces.
 */
export function parseAttestation(bytes: Uint8Array, file: string): ParsedAttestation {
  checkSize(file, ATTESTATION_ROLE, bytes.length);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  checkJsonDepth(file, ATTESTATION_ROLE, text);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw at(file, 'Attestation', `not JSON: ${(e as Error).message}`);
  }
  const top = obj(doc, file, 'Attestation');
  onlyMembers(top, ['init-data', 'runtime-data', 'tee-evidence'], file, '');
  const notes: string[] = [];
  if (top['init-data'] !== null && top['init-data'] !== undefined) {
    const init = obj(top['init-data'], file, 'init-data');
    str(init.format, file, 'init-data.format');
    str(init.body, file, 'init-data.body');
    notes.push('init-data: the init-data body is not parsed; pin HOST_DATA (SNP) or MRCONFIGID (TDX) in the appraisal policy to bind it');
  }
  const rt = obj(top['runtime-data'], file, 'runtime-data');
  onlyMembers(rt, ['nonce', 'tee-pubkey'], file, 'runtime-data');
  const nonce = str(rt.nonce, file, 'runtime-data.nonce');
  let teePubkey: TeePublicJwk;
  try {
    teePubkey = parseTeePublicKey(rt['tee-pubkey'], file);
  } catch (e) {
    if (e instanceof InputError) throw at(file, `runtime-data.${e.field}`, e.detail);
    throw e;
  }
  const te = obj(top['tee-evidence'], file, 'tee-evidence');
  onlyMembers(te, ['primary_evidence', 'additional_evidence'], file, 'tee-evidence');
  const additionalEvidence = str(te.additional_evidence, file, 'tee-evidence.additional_evidence');
  const base = 'tee-evidence.primary_evidence';
  const p = obj(te.primary_evidence, file, base);
  let primary: PrimaryEvidence;
  if ('attestation_report' in p) primary = snpPrimary(p, file, base, notes);
  else if ('quote' in p) primary = quotePrimary(p, file, base, notes);
  else throw at(file, base, 'is neither SNP evidence ({attestation_report, cert_chain}) nor a TDX/SGX quote ({quote}); Azure vTPM and other attesters are not supported');
  const gpuEvidence = gpuFrom(additionalEvidence, file, 'tee-evidence.additional_evidence');
  return { nonce, teePubkey, primary, additionalEvidence, gpuEvidence, notes };
}

/** What {@link writeAttestation} serializes: the guest's runtime data and its evidence. */
export interface AttestationParts {
  nonce: string;
  /** A TeePubKey-shaped JWK: `kty`, `alg` and `crv`,`x`,`y` (EC) or `n`,`e` (RSA). */
  teePubkey: TeePublicJwk;
  primary:
    | { platform: 'snp'; report: Uint8Array; certChain?: { type: 'ARK' | 'ASK' | 'VCEK' | 'VLEK' | 'CRL'; der: Uint8Array }[] }
    | { platform: 'tdx'; quote: Uint8Array; ccEventlog?: Uint8Array }
    | { platform: 'sgx'; quote: Uint8Array };
  /** The additional-evidence string (`""` when none), exactly as bound in REPORT_DATA. */
  additionalEvidence?: string;
}

/** kbs-types `TeePubKey` serialization order: the `kty` tag, then the variant's fields. */
function teePubKeyJson(k: TeePublicJwk): Obj {
  if (typeof k.alg !== 'string') throw new InputError('tee-pubkey', 'alg', 'a Trustee TeePubKey needs "alg" (ECDH-ES+A256KW or RSA-OAEP-256)');
  const extra = Object.keys(k).filter((m) => !['kty', 'alg', 'crv', 'x', 'y', 'n', 'e'].includes(m));
  if (extra.length) throw new InputError('tee-pubkey', extra[0]!, 'is not a TeePubKey member: a guest could not have hashed it');
  return k.kty === 'EC' ? { kty: 'EC', crv: k.crv, alg: k.alg, x: k.x, y: k.y } : { kty: 'RSA', alg: k.alg, n: k.n, e: k.e };
}

/**
 * The Trustee `Attestation` JSON text a guest-components guest would POST for `parts` (members in
 * kbs-types' serialization order, `init-data` null), e.g. for a rehearsal. The inverse of
 * {@link parseAttestation} for the forms it reads.
 * @throws InputError when the TEE key is not TeePubKey-shaped or the SNP report cannot be put in sev's JSON form.
 */
export function writeAttestation(parts: AttestationParts): string {
  const p = parts.primary;
  const primary =
    p.platform === 'snp'
      ? { attestation_report: sevReportFromBytes(p.report), cert_chain: p.certChain ? p.certChain.map((c) => ({ cert_type: c.type, data: [...c.der] })) : null }
      : p.platform === 'tdx'
        ? { cc_eventlog: p.ccEventlog ? Buffer.from(p.ccEventlog).toString('base64') : null, quote: Buffer.from(p.quote).toString('base64') }
        : { quote: Buffer.from(p.quote).toString('base64') };
  const doc = {
    'init-data': null,
    'runtime-data': { nonce: parts.nonce, 'tee-pubkey': teePubKeyJson(parts.teePubkey) },
    'tee-evidence': { primary_evidence: primary, additional_evidence: parts.additionalEvidence ?? '' },
  };
  return `${JSON.stringify(doc)}\n`;
}
