/**
 * Envelopes other tools write (../shared/vectors/formats, see its PROVENANCE.md): each is read and
 * gives the verdict its raw form gives. Skipped, visibly, when ../shared is absent.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { verify, file, status, failing, inputError, VECTORS } from '../helpers.ts';
import { openEnvelope } from '../../electron/evidence/envelopes.ts';
import type { Appraisal, NamedBytes } from '../../electron/core/appraisal.ts';
import { sevReportFromBytes } from '../../electron/vault/trustee-snp.ts';

/** The core's appraisal of an envelope, opened as the CLI and the console open it. */
function viaEnvelopeBytes(f: NamedBytes, more: string[], at: string, policy?: unknown): Appraisal {
  const e = openEnvelope(f);
  if (!e) throw new Error(`${f.name} was not recognised as an envelope`);
  return verify({ evidence: e.evidence, endorsements: [...e.endorsements, ...more.map(file)], moreEvidence: e.moreEvidence, referenceTime: new Date(at), policy });
}
const viaEnvelope = (path: string, more: string[], at: string, policy?: unknown) => viaEnvelopeBytes(file(path), more, at, policy);

/** An Azure vTPM envelope's members this file edits. */
interface EnvelopeDoc { hcl_report: string; tpm_quote: { signature: string; message: string; pcrs: string[] } }
const doc = (path: string): EnvelopeDoc => JSON.parse(readFileSync(path, 'utf8'));
/** The envelope at `path` (read at run time, never copied) with `edit` applied, under the same name. */
function mutated(path: string, edit: (d: EnvelopeDoc) => void): NamedBytes {
  const d = doc(path);
  edit(d);
  return { name: path, bytes: Buffer.from(JSON.stringify(d)) };
}
/** `hex` with the byte at `at` inverted. */
const flipHex = (hex: string, at: number) => hex.slice(0, 2 * at) + (0xff ^ parseInt(hex.slice(2 * at, 2 * at + 2), 16)).toString(16).padStart(2, '0') + hex.slice(2 * at + 2);
const statuses = (a: Appraisal) => a.checks.map((c) => `${c.id}:${c.status}`);

const FORMATS = join(VECTORS, 'formats');
const HAVE = existsSync(join(FORMATS, 'manifest.json'));
if (!HAVE) console.warn(`*** ${FORMATS} not found: envelope tests SKIPPED ***`);

describe.skipIf(!HAVE)("Intel QVL sample TDX quote (PCK chain as concatenated DER, root first)", () => {
  const D = join(FORMATS, 'intel-qvl/tdx-sample');
  const appraise = () => verify({
    evidence: file(join(D, 'quote.dat')),
    endorsements: ['tcbInfo.json', 'qeIdentity.json', 'rootCaCrl.der', 'intermediateCaCrl.der'].map((f) => file(join(D, f))),
    referenceTime: new Date('2023-01-01T00:00:00Z'),
  });

  it('reads the embedded chain and checks every link, leaf first', () => {
    const a = appraise();
    for (const id of ['evidence.parse', 'chain.root.signature', 'chain.intermediate.signature', 'chain.pck.signature', 'pck.extensions']) expect(status(a, id), id).toBe('pass');
  });

  it('under its TEST root (given explicitly) every signature, chain and CRL verifies, and it is still not affirming: QE MRSIGNER and the TDX_C1 module identity', () => {
    const a = verify({
      evidence: file(join(D, 'quote.dat')),
      endorsements: ['tcbInfo.json', 'qeIdentity.json', 'tcbSignChain.pem', 'rootCaCrl.der', 'intermediateCaCrl.der'].map((f) => file(join(D, f))),
      testAnchors: [file(join(D, 'TEST-ROOT/trustedRootCaCert.pem'))],
      referenceTime: new Date('2023-01-01T00:00:00Z'),
    });
    expect(a.trust_anchor.kind).toBe('test');
    for (const id of ['chain.root.pin', 'tcb_signing.signature', 'crl.root.signature', 'crl.pck.signature', 'tcb_info.signature', 'qe_identity.signature', 'qe.report_signature', 'qe.attestation_key_binding', 'quote.signature']) expect(status(a, id), id).toBe('pass');
    expect(status(a, 'qe.identity')).toBe('fail');
    expect(status(a, 'tdx_module.identity')).toBe('fail');
    expect(a.verdict).toBe('contraindicated');
  });

  it('is never trusted under the pinned Intel root: its "Intel SGX Root CA" is a TEST key', () => {
    const a = appraise();
    expect(status(a, 'chain.root.pin')).toBe('fail');
    expect(a.verdict).not.toBe('affirming');
  });
});

describe.skipIf(!HAVE)('Trustee Azure vTPM envelopes (az-snp-vtpm, az-tdx-vtpm)', () => {
  const T = join(FORMATS, 'trustee');
  const SNP_ENV = join(T, 'az-snp-vtpm/evidence-v1.json');
  const TDX_ENV = join(T, 'az-tdx-vtpm/evidence-v1.json');
  const CHALLENGE = '6368616c6c656e6765'; // "challenge", the report data Trustee's tests expect
  const C = join(VECTORS, 'tdx/collateral/assembled_2025-06_00806F050000.json');

  it('az-snp-vtpm v1: the HCL report and the VCEK inside appraise as authentic Milan evidence, the vTPM quote verifies; warning without a CRL, affirming with it', () => {
    const a = viaEnvelope(SNP_ENV, [], '2025-12-01T00:00:00Z');
    for (const id of ['report.signature', 'binding.hcl_runtime_data', 'binding.chip_id', 'vtpm.quote.signature', 'vtpm.quote.pcr_digest']) expect(status(a, id), id).toBe('pass');
    expect(status(a, 'vtpm.quote.nonce')).toBe('skip'); // no expected nonce given: said, not passed
    expect(a.verdict).toBe('warning');
    // The claims Trustee's verifier test asserts.
    expect((a.claims.tpm as Record<string, string>).pcr00).toBe('e15c44796beabf46abcec7c57e590942041e47497e4ec27571c8b7664f48dced');
    expect(Object.keys(a.claims.tpm as object)).toHaveLength(24);
    expect((a.claims.tpm_quote as Record<string, unknown>).extra_data).toBe(CHALLENGE);
    const withCrl = viaEnvelope(SNP_ENV, [join(VECTORS, 'snp/crl/milan_vcek_crl.der')], '2025-12-01T00:00:00Z', { vtpm: { nonce: CHALLENGE } });
    expect(status(withCrl, 'vtpm.quote.nonce')).toBe('pass');
    expect(withCrl.verdict).toBe('affirming');
    expect(openEnvelope(file(SNP_ENV))!.notes).toEqual([]);
  });

  it('az-tdx-vtpm v1 gives exactly the checks of its raw TD quote with the HCL report and the vTPM quote beside it; contraindicated (OutOfDate) with the shared collateral, never affirming without', () => {
    const env = viaEnvelope(TDX_ENV, [C], '2025-06-25T00:00:00Z', { vtpm: { nonce: CHALLENGE } });
    const tpmQuote = { name: 'tpm_quote.json', bytes: Buffer.from(JSON.stringify(doc(TDX_ENV).tpm_quote)) };
    const raw = verify({ evidence: file(join(T, 'az-tdx-vtpm/td-quote.bin')), endorsements: [file(join(T, 'az-tdx-vtpm/hcl-report.bin')), tpmQuote, file(C)], referenceTime: new Date('2025-06-25T00:00:00Z'), policy: { vtpm: { nonce: CHALLENGE } } });
    expect(statuses(env)).toEqual(statuses(raw));
    for (const id of ['binding.hcl_runtime_data', 'vtpm.quote.signature', 'vtpm.quote.pcr_digest', 'vtpm.quote.nonce']) expect(status(env, id), id).toBe('pass');
    expect((env.claims.tpm as Record<string, string>).pcr00).toBe(doc(TDX_ENV).tpm_quote.pcrs[0]);
    expect(status(env, 'tcb.status')).toBe('fail'); // OutOfDate under the strict default, as the manifest says
    expect(env.verdict).toBe('contraindicated');
    const bare = viaEnvelope(TDX_ENV, [], '2025-12-01T00:00:00Z');
    expect(status(bare, 'vtpm.quote.signature')).toBe('pass');
    expect(bare.verdict).not.toBe('affirming'); // not appraisable: the Intel collateral is missing
    expect(failing(bare)).toContain('tcb.status');
  });

  for (const [platform, path] of [['az-snp-vtpm', SNP_ENV], ['az-tdx-vtpm', TDX_ENV]] as const) {
    const more = platform === 'az-tdx-vtpm' ? [C] : [];
    const at = platform === 'az-tdx-vtpm' ? '2025-06-25T00:00:00Z' : '2025-12-01T00:00:00Z';
    const policy = { vtpm: { nonce: CHALLENGE } };

    it(`${platform}: a PCR value edited in pcrs fails vtpm.quote.pcr_digest and is no claim (threat: a guest reports PCRs its vTPM did not quote)`, () => {
      const a = viaEnvelopeBytes(mutated(path, (d) => { d.tpm_quote.pcrs[4] = flipHex(d.tpm_quote.pcrs[4]!, 0); }), more, at, policy);
      expect(status(a, 'vtpm.quote.pcr_digest')).toBe('fail');
      expect(status(a, 'vtpm.quote.signature')).toBe('pass');
      expect(a.claims.tpm).toBeUndefined();
      expect(a.verdict).toBe('contraindicated');
    });

    it(`${platform}: one byte flipped in message fails vtpm.quote.signature (threat: an altered TPMS_ATTEST, e.g. a forged PCR digest or nonce)`, () => {
      // Byte 0x30 is inside clockInfo: the structure still parses, only the signature can tell.
      const a = viaEnvelopeBytes(mutated(path, (d) => { d.tpm_quote.message = flipHex(d.tpm_quote.message, 0x30); }), more, at, policy);
      expect(status(a, 'vtpm.quote.signature')).toBe('fail');
      expect(status(a, 'vtpm.quote.pcr_digest')).toBe('pass');
      expect(a.verdict).toBe('contraindicated');
    });

    it(`${platform}: another expected nonce fails vtpm.quote.nonce (threat: a quote replayed from an earlier challenge)`, () => {
      const a = viaEnvelope(path, more, at, { vtpm: { nonce: '6368616c6c656e6766' } });
      expect(status(a, 'vtpm.quote.nonce')).toBe('fail');
      expect(a.verdict).toBe('contraindicated');
    });

    it(`${platform}: an AK swapped in the HCL runtime data fails binding.hcl_runtime_data, even when the quote is re-signed with the new AK (threat: a host substitutes its own vTPM key)`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const n = (publicKey.export({ format: 'jwk' }) as { n: string }).n;
      const swapAk = (d: EnvelopeDoc) => {
        const hcl = Buffer.from(d.hcl_report, 'base64url');
        const old = /"kid":"HCLAkPub"[^}]*"n":"([A-Za-z0-9_-]+)"/.exec(hcl.toString('latin1'))![1]!;
        expect(n.length).toBe(old.length);
        hcl.write(n, hcl.indexOf(old), 'latin1');
        d.hcl_report = hcl.toString('base64url');
      };
      // The AK alone swapped: the hardware report no longer binds the runtime data, and the genuine quote is not the new AK's.
      const swapped = viaEnvelopeBytes(mutated(path, swapAk), more, at, policy);
      expect(status(swapped, 'binding.hcl_runtime_data')).toBe('fail');
      expect(status(swapped, 'vtpm.quote.signature')).toBe('fail');
      // The attacker also signs the quote with their AK: the signature passes, the binding still fails.
      const resigned = viaEnvelopeBytes(mutated(path, (d) => {
        swapAk(d);
        d.tpm_quote.signature = createSign('sha256').update(Buffer.from(d.tpm_quote.message, 'hex')).sign(privateKey).toString('hex');
      }), more, at, policy);
      expect(status(resigned, 'vtpm.quote.signature')).toBe('pass');
      expect(status(resigned, 'binding.hcl_runtime_data')).toBe('fail');
      expect(resigned.verdict).toBe('contraindicated');
    });

    it(`${platform}: a truncated or garbled message is an input error naming the envelope member and the TPMS_ATTEST field (threat: a hostile quote crashes or is half-read)`, () => {
      // 56 bytes: magic, type, qualifiedSigner (2 + 34), extraData (2 + 9), then 3 of the 8 bytes of clock.
      const cut = inputError(() => viaEnvelopeBytes(mutated(path, (d) => { d.tpm_quote.message = d.tpm_quote.message.slice(0, 112); }), more, at, policy));
      expect(cut.file).toMatch(/#tpm_quote$/);
      expect(cut.field).toBe('TPMS_ATTEST.clockInfo.clock');
      const garbled = inputError(() => viaEnvelopeBytes(mutated(path, (d) => { d.tpm_quote.message = `00${d.tpm_quote.message.slice(2)}`; }), more, at, policy));
      expect(garbled.field).toBe('TPMS_ATTEST.magic');
      const notHex = inputError(() => viaEnvelopeBytes(mutated(path, (d) => { d.tpm_quote.message = 'zz'; }), more, at, policy));
      expect(notHex.field).toBe('tpm_quote.message');
    });
  }

  it('a broken member is an error naming the file and the JSON member; other JSON is not an envelope', () => {
    const e = inputError(() => openEnvelope({ name: 'ev.json', bytes: Buffer.from('{"version":1,"hcl_report":"!!","vcek":""}') }));
    expect([e.file, e.field]).toEqual(['ev.json', 'hcl_report']);
    const q = inputError(() => openEnvelope({ name: 'ev.json', bytes: Buffer.from('{"version":1,"hcl_report":"","vcek":"","tpm_quote":{"signature":"","message":"","pcrs":[1]}}') }));
    expect([q.file, q.field]).toEqual(['ev.json', 'tpm_quote.pcrs']);
    expect(openEnvelope({ name: 'p.json', bytes: Buffer.from('{"snp":{}}') })).toBeNull();
    expect(openEnvelope({ name: 'r.bin', bytes: Buffer.from([0x02, 0, 0, 0]) })).toBeNull();
  });
});

const ROUTEX = join(VECTORS, 'snp/milan/routex-v3');
describe.skipIf(!existsSync(ROUTEX))('Trustee SEV-SNP evidence JSON ({attestation_report: sev JSON, cert_chain})', () => {
  const raw = file(join(ROUTEX, 'report.bin'));
  const chain = file(join(ROUTEX, 'vcek_chain.pem'));
  const at = new Date('2025-12-01T00:00:00Z');
  const envelope = (report: Record<string, unknown>) => ({ name: 'evidence.json', bytes: Buffer.from(JSON.stringify({ attestation_report: report, cert_chain: null })) });

  it('gives exactly the checks of the raw report it was made from', () => {
    const e = openEnvelope(envelope(sevReportFromBytes(raw.bytes)))!;
    expect(Buffer.from(e.evidence.bytes).equals(Buffer.from(raw.bytes))).toBe(true);
    expect(statuses(verify({ evidence: e.evidence, endorsements: [chain], referenceTime: at }))).toEqual(statuses(verify({ evidence: raw, endorsements: [chain], referenceTime: at })));
  });

  it('a JSON that lost or changed a signed field fails the report signature (the rebuilt bytes are what is judged)', () => {
    const r = sevReportFromBytes(raw.bytes);
    r.guest_svn = (r.guest_svn as number) + 1;
    const e = openEnvelope(envelope(r))!;
    expect(status(verify({ evidence: e.evidence, endorsements: [chain], referenceTime: at }), 'report.signature')).toBe('fail');
  });
});
