/**
 * Hostile RIM XML through the wasm core (electron/core): the recursion and super-linear work the
 * native fuzzing found (issue 13). Threats: a RIM nested 100,000 deep overflowed the stack (native
 * SIGSEGV, a wasm trap); 1,000 nested elements each declaring namespaces took 38 s and 3,000 did not
 * finish. Both must now end with an InputError naming the RIM file, and the core keep working.
 * Behaviour only: timings live in `npm run bench` (wasm/examples/xml_bench.rs).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../electron/core/errors.ts';
import { core, file, VECTORS, inputError } from './helpers.ts';

const REF = join(VECTORS, 'nvidia/gpu-hopper/h100-545.00-nonce4cff');
const HAVE = existsSync(join(REF, 'report.hex'));
if (!HAVE) console.warn(`\n*** ${REF} not found: hostile RIM tests through the core are SKIPPED ***\n`);

const SWID = 'http://standards.iso.org/iso/19770/-2/2015/schema.xsd';
/** A signature of the NVIDIA profile (digest and value wrong), so the core canonicalizes the document. */
const SIG = '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"/><ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2006/12/xml-c14n11"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#sha384"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>';
const NONCE = '4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e';

function withRim(name: string, xml: string) {
  return () =>
    core.verify({
      evidence: file(join(REF, 'report.hex')),
      endorsements: [file(join(REF, 'cert-chain.pem'))],
      rims: [{ name, bytes: new TextEncoder().encode(xml) }],
      policy: { nvidia: { nonce: NONCE } },
      referenceTime: new Date('2025-06-01T00:00:00Z'),
    });
}

describe.skipIf(!HAVE)('hostile RIM XML through the wasm core', () => {
  it('100,000-level nesting is a clear InputError naming the RIM, not a trap', () => {
    const depth = 100_000;
    const xml = `<SoftwareIdentity xmlns="${SWID}"><Payload/>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}${SIG}</SoftwareIdentity>`;
    const e = inputError(withRim('deep.xml', xml));
    expect(e.file).toBe('deep.xml');
    expect(e.field).toBe('XML');
    expect(e.detail).toMatch(/^RIM: XML nesting deeper than 64 elements/);
  });

  it('3,000 nested elements each declaring namespaces finish with a clear InputError', () => {
    const open = Array.from({ length: 3000 }, (_, k) => `<p${k}:e xmlns:p${k}="urn:${k}" xmlns="urn:d${k}">`).join('');
    const close = Array.from({ length: 3000 }, (_, k) => `</p${2999 - k}:e>`).join('');
    const e = inputError(withRim('ns.xml', `<SoftwareIdentity xmlns="${SWID}"><Payload/>${open}${close}${SIG}</SoftwareIdentity>`));
    expect(e.file).toBe('ns.xml');
    expect(e.detail).toMatch(/XML nesting deeper than 64/);
  });

  it('a namespace-heavy RIM within the limits is canonicalized (its wrong digest reported), and the core still verifies the real set', () => {
    const open = Array.from({ length: 60 }, (_, k) => `<p${k}:e xmlns:p${k}="urn:${k}" xmlns="urn:d${k}">`).join('');
    const close = Array.from({ length: 60 }, (_, k) => `</p${59 - k}:e>`).join('');
    const a = withRim('heavy.xml', `<SoftwareIdentity xmlns="${SWID}"><Meta colloquialVersion="545.00"/><Payload/>${open}${close}${SIG}</SoftwareIdentity>`)();
    expect(a.platform).toBe('nvidia');
    const real = core.verify({
      evidence: file(join(REF, 'report.hex')),
      endorsements: [file(join(REF, 'cert-chain.pem'))],
      rims: [file(join(REF, 'rim-driver-545.00.swidtag')), file(join(REF, 'rim-vbios-1010_0200_882_96005E0001-test.swidtag'))],
      policy: { nvidia: { nonce: NONCE } },
      referenceTime: new Date('2025-06-01T00:00:00Z'),
    });
    expect(real.checks.filter((c) => c.status === 'fail')).toEqual([]);
  });
});
