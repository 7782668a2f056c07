/**
 * Envelopes other tools write (../shared/vectors/formats, see its PROVENANCE.md): each is read and
 * gives the verdict its raw form gives. Skipped, visibly, when ../shared is absent.
 */
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { verify, file, status, VECTORS } from '../helpers.ts';

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
