/**
 * Trustee's binding forms and Trustee Attestation files (binding.ts, trustee.ts, trustee-snp.ts).
 *
 * Threats and failures covered:
 * - a current (≥ 0.14) Trustee guest is refused because Custodian hashes the older runtime data;
 * - evidence bound to other GPU evidence (another additional-evidence string) is accepted for this one;
 * - an old-form binding is used to smuggle unbound device evidence (pre-0.14 with additional evidence);
 * - an Attestation made for another challenge (a replay) is taken;
 * - the SEV-SNP report rebuilt from the guest's JSON differs from the signed bytes (real vectors);
 * - malformed Attestation input crashes or yields an error that does not say where;
 * - the AAD kbs-types rebuilds from the protected header differs from the one sent → the guest cannot
 *   decrypt ("decrypt KBS response body failed"); here the header's order is pinned, and the Rust
 *   suite interop/trustee checks it with kbs-types itself.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { core } from '../helpers.ts';
import { approveAs, newVault, type TestVault } from './helpers.ts';
import { deviceNonce, expectedReportData, legacyReportData, matchBinding, type HashAlg, type TeePublicJwk } from '../../electron/vault/binding.ts';
import { abort, challenge, closeReleased, openCeremony, release, show, submitEvidence } from '../../electron/vault/ceremony.ts';
import { jcs } from '../../electron/vault/crypto.ts';
import { InputError, Refused } from '../../electron/vault/errors.ts';
import { parseAttestation, writeAttestation } from '../../electron/vault/trustee.ts';
import { sevReportFromBytes, sevReportToBytes } from '../../electron/vault/trustee-snp.ts';
import { rehearsalEvidence, rehearseSnp } from '../../electron/rehearse/snp.ts';
import { decryptBundle, encryptToTee, kbsTypesHeaderJson, responseText } from '../../electron/vault/release.ts';
import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';

const VECTORS = new URL('../../../shared/vectors/', import.meta.url);
const vec = (p: string) => readFileSync(new URL(p, VECTORS));

const tee: TeePublicJwk = { kty: 'EC', crv: 'P-256', alg: 'ECDH-ES+A256KW', x: 'WKn-ZIGevcwGIyyrzFoZNBdaq9_TsqzGl96oc0CWuis', y: 'y77t-RvAHRKTsSGdIYUfweuOvwrvDD-Q3Hv5J0fSKbE' };
const nonce = 'qMq1vN2Kpgq6gSvqkQJQ2w7r9bOz5kb2m2N3vL5lq1A=';
const GPU = JSON.stringify({ nvidia: { device_evidence_list: [{ arch: 'HOPPER', uuid: 'GPU-1', evidence: 'AAAA', certificate: 'AAAA' }] } });

describe('binding forms (Trustee ≥ 0.14 and pre-0.14)', () => {
  it.each<HashAlg>(['sha256', 'sha384', 'sha512'])('%s: the ≥ 0.14 form hashes {additional-evidence, nonce, tee-pubkey} with the member present when empty', (alg) => {
    // The guest's text, spelled out: RFC 8785 sorts "additional-evidence" < "nonce" < "tee-pubkey" and the JWK's members.
    const text = `{"additional-evidence":"","nonce":"${nonce}","tee-pubkey":{"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":"${tee.x}","y":"${tee.y}"}}`;
    expect(jcs({ 'additional-evidence': '', nonce, 'tee-pubkey': tee })).toBe(text);
    const d = createHash(alg).update(text).digest();
    const want = Buffer.concat([d, Buffer.alloc(64 - d.length)]);
    expect(expectedReportData(nonce, tee, alg).equals(want)).toBe(true);
    expect(matchBinding(want, nonce, tee, alg)).toBe('trustee-0.14');
  });

  it('the pre-0.14 form is accepted and reported as such, but only without additional evidence', () => {
    const legacy = legacyReportData(nonce, tee, 'sha384');
    expect(matchBinding(legacy, nonce, tee, 'sha384')).toBe('pre-0.14');
    expect(matchBinding(legacy, nonce, tee, 'sha384', GPU)).toBeNull();
    expect(legacy.equals(expectedReportData(nonce, tee, 'sha384'))).toBe(false);
  });

  it('another additional-evidence string, nonce, key or hash does not match', () => {
    const bound = expectedReportData(nonce, tee, 'sha384', GPU);
    expect(matchBinding(bound, nonce, tee, 'sha384', GPU)).toBe('trustee-0.14');
    expect(matchBinding(bound, nonce, tee, 'sha384', GPU.replace('GPU-1', 'GPU-2'))).toBeNull();
    expect(matchBinding(bound, nonce, tee, 'sha384', '')).toBeNull();
    expect(matchBinding(bound, `${nonce}x`, tee, 'sha384', GPU)).toBeNull();
    expect(matchBinding(bound, nonce, { ...tee, x: tee.y, y: tee.x }, 'sha384', GPU)).toBeNull();
    expect(matchBinding(bound, nonce, tee, 'sha512', GPU)).toBeNull();
  });

  it('deviceNonce is the first 32 bytes of H(JCS(RuntimeData{nonce, tee-pubkey}))', () => {
    for (const alg of ['sha256', 'sha384', 'sha512'] as const) {
      const full = createHash(alg).update(jcs({ nonce, 'tee-pubkey': tee })).digest();
      expect(deviceNonce(nonce, tee, alg).equals(full.subarray(0, 32))).toBe(true);
    }
  });
});

describe('SEV-SNP report ↔ sev JSON (the one conversion), on real reports', () => {
  it.each(['milan/trustee-v2-provisional', 'milan/routex-v3', 'genoa/routex-v3', 'genoa/azure-v3', 'turin/routex-v5', 'vlek/milan-aws-v3', 'parse-only/gce-milan-v4'])('%s round-trips byte for byte', (name) => {
    const bytes = vec(`snp/${name}/report.bin`);
    const json = JSON.parse(JSON.stringify(sevReportFromBytes(bytes)));
    expect(sevReportToBytes(json, 'a.json', 'r').equals(bytes)).toBe(true);
  });

  it('the Turin report uses the Turin TCB layout (fmc present), a Milan one the legacy layout', () => {
    expect((sevReportFromBytes(vec('snp/turin/routex-v5/report.bin')).reported_tcb as { fmc: unknown }).fmc).not.toBeNull();
    expect((sevReportFromBytes(vec('snp/milan/routex-v3/report.bin')).reported_tcb as { fmc: unknown }).fmc).toBeNull();
  });

  it('a changed member changes the rebuilt bytes at its offset (REPORT_DATA at 0x50)', () => {
    const bytes = vec('snp/milan/routex-v3/report.bin');
    const json = sevReportFromBytes(bytes) as { report_data: number[] };
    json.report_data[3] = json.report_data[3]! ^ 1;
    const back = sevReportToBytes(json, 'a.json', 'r');
    expect(back[0x53]).toBe(bytes[0x53]! ^ 1);
  });
});

/** A Trustee Attestation JSON object for the rehearsal evidence, to be altered by a test. */
async function rehearsedAttestation(): Promise<Record<string, any>> {
  const r = await rehearseSnp({ nonce, hashAlg: 'sha384' });
  return JSON.parse(r.files['attestation.json'] as string);
}
const asBytes = (doc: unknown) => Buffer.from(JSON.stringify(doc));
const fails = (doc: unknown, field: RegExp | string) => {
  let err: unknown;
  try {
    parseAttestation(typeof doc === 'string' ? Buffer.from(doc) : asBytes(doc), 'att.json');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).file).toBe('att.json');
  if (typeof field === 'string') expect((err as InputError).field).toBe(field);
  else expect((err as InputError).field).toMatch(field);
};

describe('Trustee Attestation files', () => {
  it('SNP: the rehearsal writes what a guest posts; it reads back into the signed report, its certificates and the TEE key', async () => {
    const r = await rehearseSnp({ nonce, hashAlg: 'sha384' });
    const a = parseAttestation(Buffer.from(r.files['attestation.json'] as string), 'att.json');
    expect(a.primary.platform).toBe('snp');
    expect(Buffer.from(a.primary.evidence.bytes).equals(r.files['report.bin'] as Buffer)).toBe(true);
    expect(a.primary.endorsements.map((e) => e.name)).toEqual(['VCEK', 'ASK', 'ARK'].map((t, i) => `att.json#tee-evidence.primary_evidence.cert_chain[${i}](${t})`));
    expect(a).toMatchObject({ nonce, teePubkey: r.teePublicJwk, additionalEvidence: '', gpuEvidence: [] });
    const doc = JSON.parse(r.files['attestation.json'] as string);
    expect(Object.keys(doc)).toEqual(['init-data', 'runtime-data', 'tee-evidence']);
    expect(Object.keys(doc['runtime-data']['tee-pubkey'])).toEqual(['kty', 'crv', 'alg', 'x', 'y']);
  });

  it('TDX: a real quote as guest-components serializes it ({cc_eventlog, quote}); the event log reaches the core and is replayed (threat: a log from another TD passes unchecked)', () => {
    const quote = vec('tdx/quotes/tdx_v5_td15_90c06f_gotdx.bin');
    const ccel = vec('formats/trustee/tdx-ccel/CCEL_data');
    const text = writeAttestation({ nonce, teePubkey: tee, primary: { platform: 'tdx', quote, ccEventlog: ccel } });
    const a = parseAttestation(Buffer.from(text), 'att.json');
    expect(a.primary.platform).toBe('tdx');
    expect(Buffer.from(a.primary.evidence.bytes).equals(quote)).toBe(true);
    expect(a.primary.endorsements.map((e) => e.name)).toEqual(['att.json#tee-evidence.primary_evidence.cc_eventlog']);
    expect(a.notes.join()).not.toMatch(/cc_eventlog/);
    const appraisal = core.verify({ evidence: a.primary.evidence, endorsements: [...a.primary.endorsements, { name: 'c.json', bytes: vec('tdx/collateral/dcapqvl_2026-02_90C06F.json') }], referenceTime: new Date('2026-03-01T00:00:00Z') });
    expect(appraisal.platform).toBe('tdx');
    // The log belongs to no quote in the vectors: RTMR0 and RTMR1 do not replay.
    expect(appraisal.checks.find((c) => c.id === 'eventlog.rtmr0')?.status).toBe('fail');
    expect(appraisal.checks.find((c) => c.id === 'eventlog.rtmr1')?.status).toBe('fail');
    expect((appraisal.claims.eventlog as { event_count: number }).event_count).toBe(5);
  });

  it('SGX: a quote whose header says TEE type 0', () => {
    const quote = Buffer.alloc(64);
    quote.writeUInt16LE(3, 0);
    const a = parseAttestation(Buffer.from(writeAttestation({ nonce, teePubkey: tee, primary: { platform: 'sgx', quote } })), 'att.json');
    expect(a.primary.platform).toBe('sgx');
  });

  it('NVIDIA additional evidence becomes the core\'s serialized evidence (hex evidence re-encoded as base64), and the string is kept verbatim', async () => {
    const nv = JSON.parse(vec('formats/nvtrust/ppcie/gpu_evidence.json').toString()) as { arch: string; evidence: string; certificate: string }[];
    const list = nv.slice(0, 2).map((d, i) => ({ arch: d.arch, uuid: `GPU-${i}`, evidence: i === 1 ? Buffer.from(d.evidence, 'base64').toString('hex') : d.evidence, certificate: d.certificate }));
    const additional = JSON.stringify({ nvidia: { device_evidence_list: list } });
    const doc = await rehearsedAttestation();
    doc['tee-evidence'].additional_evidence = additional;
    const a = parseAttestation(asBytes(doc), 'att.json');
    expect(a.additionalEvidence).toBe(additional);
    expect(a.gpuEvidence).toHaveLength(1);
    expect(a.gpuEvidence[0]!.name).toBe('att.json#tee-evidence.additional_evidence.nvidia');
    const entries = JSON.parse(Buffer.from(a.gpuEvidence[0]!.bytes).toString());
    expect(entries.map((e: { evidence: string }) => e.evidence)).toEqual([nv[0]!.evidence, nv[1]!.evidence]);
    const appraisal = core.verify({ evidence: a.gpuEvidence[0]!, referenceTime: new Date('2025-06-01T00:00:00Z'), type: 'nvidia' });
    expect(appraisal.platform).toBe('nvidia');
  });

  it('malformed input is an InputError naming the file and the JSON path', async () => {
    const doc = await rehearsedAttestation();
    const edit = (f: (d: Record<string, any>) => void) => {
      const d = structuredClone(doc);
      f(d);
      return d;
    };
    fails('{', 'Attestation');
    fails('[]', 'Attestation');
    fails(edit((d) => delete d['runtime-data']), 'runtime-data');
    fails(edit((d) => (d['runtime-data'].nonce = 7)), 'runtime-data.nonce');
    fails(edit((d) => (d['runtime-data']['tee-pubkey'].d = 'x')), 'runtime-data.tee-pubkey.d');
    fails(edit((d) => (d.extra = 1)), 'extra');
    fails(edit((d) => (d['tee-evidence'].additional_evidence = null)), 'tee-evidence.additional_evidence');
    fails(edit((d) => (d['tee-evidence'].additional_evidence = '{not json')), 'tee-evidence.additional_evidence');
    fails(edit((d) => (d['tee-evidence'].additional_evidence = '{"tpm":{}}')), 'tee-evidence.additional_evidence.tpm');
    fails(edit((d) => (d['tee-evidence'].additional_evidence = '{"nvidia":{"device_evidence_list":[{"arch":"HOPPER","evidence":"!!","certificate":"AAAA"}]}}')), 'tee-evidence.additional_evidence.nvidia.device_evidence_list[0].evidence');
    fails(edit((d) => (d['tee-evidence'].primary_evidence.attestation_report.report_data[3] = 256)), 'tee-evidence.primary_evidence.attestation_report.report_data[3]');
    fails(edit((d) => d['tee-evidence'].primary_evidence.attestation_report.report_data.pop()), 'tee-evidence.primary_evidence.attestation_report.report_data');
    fails(edit((d) => (d['tee-evidence'].primary_evidence.attestation_report.policy = 2 ** 60)), 'tee-evidence.primary_evidence.attestation_report.policy');
    fails(edit((d) => (d['tee-evidence'].primary_evidence.attestation_report.reported_tcb.fmc = 1)), 'tee-evidence.primary_evidence.attestation_report.reported_tcb.fmc');
    fails(edit((d) => (d['tee-evidence'].primary_evidence.attestation_report.current = null)), 'tee-evidence.primary_evidence.attestation_report.current');
    fails(edit((d) => (d['tee-evidence'].primary_evidence.cert_chain[1].data[0] = -1)), 'tee-evidence.primary_evidence.cert_chain[1].data[0]');
    fails(edit((d) => (d['tee-evidence'].primary_evidence.cert_chain[0].cert_type = 5)), 'tee-evidence.primary_evidence.cert_chain[0].cert_type');
    fails(edit((d) => (d['tee-evidence'].primary_evidence = { tpm_quote: 'x' })), 'tee-evidence.primary_evidence');
    fails(edit((d) => (d['tee-evidence'].primary_evidence = { quote: 'AAAA', cc_eventlog: null })), 'tee-evidence.primary_evidence.quote');
    fails('['.repeat(100) + ']'.repeat(100), /attestation/);
  });
});

describe('ceremonies on Trustee attestations', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await newVault({ n: 2, m: 2 });
  });

  /** The ceremony's EvidenceInput from a rehearsal's attestation.json, as `ceremony evidence --attestation` builds it. */
  function fromAttestation(text: string, extra: { endorsements: { name: string; bytes: Uint8Array }[]; testAnchors: { name: string; bytes: Uint8Array }[] }) {
    const file = { name: 'attestation.json', bytes: Buffer.from(text) };
    const a = parseAttestation(file.bytes, file.name);
    return {
      evidence: a.primary.evidence, endorsements: [...a.primary.endorsements, ...extra.endorsements], testAnchors: extra.testAnchors,
      teePubkey: { file: { name: 'attestation.json#runtime-data.tee-pubkey', bytes: Buffer.from(JSON.stringify(a.teePubkey)) }, jwk: a.teePubkey },
      additionalEvidence: a.additionalEvidence, attestation: file, attestationNonce: a.nonce,
    };
  }

  it('a ≥ 0.14 guest with additional evidence is accepted from its Attestation file, the form is recorded, and the release re-appraises against the stored string', async () => {
    const cid = await openCeremony(v.ctx, v.key.id);
    const ch = await challenge(v.ctx, cid);
    const r = await rehearseSnp({ nonce: ch.nonce, hashAlg: 'sha384' }, 'EC', { additionalEvidence: GPU });
    const base = rehearsalEvidence(r);
    const input = fromAttestation(r.files['attestation.json'] as string, { endorsements: base.endorsements.filter((e) => e.name === 'crl.der'), testAnchors: base.testAnchors });
    const c = await submitEvidence(v.ctx, core, cid, input);
    expect(c.data.evidence!.binding.form).toBe('trustee-0.14');
    expect(c.data.evidence!.files.map((f) => f.role)).toEqual(['evidence', 'endorsement', 'endorsement', 'endorsement', 'endorsement', 'test-anchor', 'tee-pubkey', 'additional-evidence', 'attestation']);
    for (const n of v.names) await approveAs(v.ctx, cid, n);
    const { bundle } = await release(v.ctx, core, cid);
    expect(bundle.ciphertext).toBeTruthy();
    await closeReleased(v.ctx, cid, { bundle: 'b', receipt: 'r' });
  });

  it('refuses (binding) evidence whose REPORT_DATA binds other additional evidence than the Attestation carries', async () => {
    const cid = await openCeremony(v.ctx, v.key.id);
    const ch = await challenge(v.ctx, cid);
    const r = await rehearseSnp({ nonce: ch.nonce, hashAlg: 'sha384' }, 'EC', { additionalEvidence: GPU });
    const input = { ...rehearsalEvidence(r), additionalEvidence: GPU.replace('GPU-1', 'GPU-9') };
    await expect(submitEvidence(v.ctx, core, cid, input)).rejects.toThrow(Refused);
    await expect(submitEvidence(v.ctx, core, cid, { ...rehearsalEvidence(r), additionalEvidence: '' })).rejects.toThrow(/does not bind/);
    expect(show(v.ctx, cid).state).toBe('challenged');
    await abort(v.ctx, cid);
  });

  it('accepts a pre-0.14 guest (no additional evidence) and records that form', async () => {
    const cid = await openCeremony(v.ctx, v.key.id);
    const ch = await challenge(v.ctx, cid);
    const r = await rehearseSnp({ nonce: ch.nonce, hashAlg: 'sha384' }, 'EC', { bindingForm: 'pre-0.14' });
    const c = await submitEvidence(v.ctx, core, cid, rehearsalEvidence(r));
    expect(c.data.evidence!.binding.form).toBe('pre-0.14');
    await abort(v.ctx, cid);
  });

  it('refuses (nonce) an Attestation answering another challenge, before appraising it', async () => {
    const cid = await openCeremony(v.ctx, v.key.id);
    await challenge(v.ctx, cid);
    const r = await rehearseSnp({ nonce: 'another challenge nonce', hashAlg: 'sha384' });
    const base = rehearsalEvidence(r);
    const input = fromAttestation(r.files['attestation.json'] as string, { endorsements: [], testAnchors: base.testAnchors });
    const err = await submitEvidence(v.ctx, core, cid, input).catch((e) => e);
    expect(err).toBeInstanceOf(Refused);
    expect((err as Refused).reason).toBe('nonce');
    expect(show(v.ctx, cid).state).toBe('challenged');
    await abort(v.ctx, cid);
  });
});

describe('the bundle is a Trustee Response whose protected header kbs-types re-serializes byte for byte', () => {
  it.each([['P-256'], ['P-384'], ['P-521'], ['RSA']])('%s TEE key: alg, enc, then sorted members (epk as {crv,kty,x,y}); jose still decrypts', async (kind) => {
    const pair = kind === 'RSA' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: kind });
    const alg = kind === 'RSA' ? 'RSA-OAEP-256' : 'ECDH-ES+A256KW';
    const pub = { ...pair.publicKey.export({ format: 'jwk' }), alg } as TeePublicJwk;
    const secret = Buffer.from('0123456789abcdef0123456789abcdef');
    const b = await encryptToTee(secret, pub, 'k_1', 'raw');
    const text = Buffer.from(b.protected, 'base64url').toString();
    const h = JSON.parse(text);
    if (kind === 'RSA') expect(text).toBe('{"alg":"RSA-OAEP-256","enc":"A256GCM","cty":"custodian-key+raw","kid":"k_1"}');
    else expect(text).toBe(`{"alg":"ECDH-ES+A256KW","enc":"A256GCM","cty":"custodian-key+raw","epk":{"crv":"${kind}","kty":"EC","x":"${h.epk.x}","y":"${h.epk.y}"},"kid":"k_1"}`);
    expect(kbsTypesHeaderJson(h)).toBe(text);
    expect(Object.keys(JSON.parse(responseText(b)))).toEqual(['protected', 'encrypted_key', 'iv', 'ciphertext', 'tag']);
    const priv = { ...pair.privateKey.export({ format: 'jwk' }), alg } as JWK;
    expect(Buffer.from((await decryptBundle(b, priv)).plaintext).equals(secret)).toBe(true);
    // A header re-ordered as jose writes it no longer authenticates: the AAD is the header text.
    const jose = Buffer.from(JSON.stringify({ alg: h.alg, enc: h.enc, kid: 'k_1', cty: h.cty, epk: h.epk && { x: h.epk.x, crv: h.epk.crv, kty: h.epk.kty, y: h.epk.y } })).toString('base64url');
    await expect(decryptBundle({ ...b, protected: jose }, priv)).rejects.toThrow();
  });

  it('kbsTypesHeaderJson sorts whatever order it is given', () => {
    expect(kbsTypesHeaderJson({ kid: 'k', epk: { y: '2', x: '1', kty: 'EC', crv: 'P-256' }, enc: 'A256GCM', cty: 'c', alg: 'ECDH-ES+A256KW' }))
      .toBe('{"alg":"ECDH-ES+A256KW","enc":"A256GCM","cty":"c","epk":{"crv":"P-256","kty":"EC","x":"1","y":"2"},"kid":"k"}');
  });
});
