/**
 * Envelopes other tools write (../shared/vectors/formats, see its PROVENANCE.md): each is read and
 * gives the verdict its raw form gives. Skipped, visibly, when ../shared is absent.
 */
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { verify, file, status, inputError, VECTORS } from '../helpers.ts';
import { openEnvelope } from '../../electron/evidence/envelopes.ts';
import type { Appraisal } from '../../electron/core/appraisal.ts';
import { sevReportFromBytes } from '../../electron/vault/trustee-snp.ts';

/** The core's appraisal of an envelope file, opened as the CLI and the console open it. */
function viaEnvelope(path: string, more: string[], at: string): Appraisal {
  const e = openEnvelope(file(path));
  if (!e) throw new Error(`${path} was not recognised as an envelope`);
  return verify({ evidence: e.evidence, endorsements: [...e.endorsements, ...more.map(file)], moreEvidence: e.moreEvidence, referenceTime: new Date(at) });
}
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
  it('az-snp-vtpm v1: the HCL report and the VCEK inside appraise as authentic Milan evidence; warning without a CRL, affirming with it', () => {
    const a = viaEnvelope(join(T, 'az-snp-vtpm/evidence-v1.json'), [], '2025-12-01T00:00:00Z');
    for (const id of ['report.signature', 'binding.hcl_runtime_data', 'binding.chip_id']) expect(status(a, id), id).toBe('pass');
    expect(a.verdict).toBe('warning');
    const withCrl = viaEnvelope(join(T, 'az-snp-vtpm/evidence-v1.json'), [join(VECTORS, 'snp/crl/milan_vcek_crl.der')], '2025-12-01T00:00:00Z');
    expect(withCrl.verdict).toBe('affirming');
    expect(openEnvelope(file(join(T, 'az-snp-vtpm/evidence-v1.json')))!.notes.join(' ')).toMatch(/vTPM quote .* not verified/);
  });

  it('az-tdx-vtpm v1 gives exactly the checks of its raw TD quote with the HCL report beside it', () => {
    const C = join(VECTORS, 'tdx/collateral/assembled_2025-06_00806F050000.json');
    const env = viaEnvelope(join(T, 'az-tdx-vtpm/evidence-v1.json'), [C], '2025-06-25T00:00:00Z');
    const raw = verify({ evidence: file(join(T, 'az-tdx-vtpm/td-quote.bin')), endorsements: [file(join(T, 'az-tdx-vtpm/hcl-report.bin')), file(C)], referenceTime: new Date('2025-06-25T00:00:00Z') });
    expect(statuses(env)).toEqual(statuses(raw));
    expect(status(env, 'binding.hcl_runtime_data')).toBe('pass');
    expect(status(env, 'tcb.status')).toBe('fail'); // OutOfDate under the strict default, as the manifest says
  });

  it('a broken member is an error naming the file and the JSON member; other JSON is not an envelope', () => {
    const e = inputError(() => openEnvelope({ name: 'ev.json', bytes: Buffer.from('{"version":1,"hcl_report":"!!","vcek":""}') }));
    expect([e.file, e.field]).toEqual(['ev.json', 'hcl_report']);
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
