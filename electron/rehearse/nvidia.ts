/**
 * NVIDIA rehearsal evidence (`custodian rehearse snp|tdx --gpus N`): Hopper GPUs in CC mode as a
 * Trustee guest's NVIDIA attester reports them, signed by fresh TEST PKIs (nvidia-pki.ts), accepted
 * by the core only with the TEST anchors given explicitly, and then recorded as TEST.
 *
 * Per GPU, the bytes the core reads (wasm/src/nvidia/spdm.rs, opaque.rs; docs/verify.md "NVIDIA GPUs and NVSwitches"):
 * - an SPDM 1.1 GET_MEASUREMENTS request (`11 E0 01 FF`, the 32-byte nonce, slot 0) followed by the
 *   MEASUREMENTS response: 64 DMTF blocks (SHA-384 digests), a random responder nonce, opaque-data
 *   TLVs (driver and VBIOS versions, chip SKU, project, project SKU, NVDEC0 enabled, FWID) and an
 *   ECDSA P-384/SHA-384 signature (r‖s) by the GPU's attestation key over every preceding byte;
 * - a 5-certificate device chain whose leaf carries the same FWID;
 * - NVIDIA's serialized-evidence entry as guest-components' attester writes it
 *   (`attester/src/nvidia/nvat.rs` `NvDeviceReportAndCert`: `arch` "HOPPER", `uuid`, `evidence` =
 *   base64(report), `certificate` = base64(PEM chain)).
 * Shared: a driver RIM and a VBIOS RIM (SWID XML, enveloped XMLDSig: C14N 1.1 by the core's own
 * canonicaliser, SHA-384, ecdsa-sha384) whose active golden values are the GPUs' measurements (driver:
 * RIM indices 8..29, VBIOS: 0..7 and 30..39; RIM index i = SPDM block i+1), and OCSP responses for
 * both chains.
 *
 * The nonce every GPU answers is Trustee's composite device nonce (guest-components HEAD
 * `kbs_protocol/src/client/rcar_client.rs` `get_composite_evidence`: the additional attesters get
 * H(JCS({nonce, tee-pubkey})); `nvat.rs` takes its first 32 bytes). The evidence travels in the
 * additional-evidence string `serde_json::to_string(HashMap<Tee, Value>)`:
 * `{"nvidia":{"device_evidence_list":[{"arch":…,"certificate":…,"evidence":…,"uuid":…}]}}` (members
 * sorted: serde_json's Value without preserve_order), which the CPU's REPORT_DATA then hashes.
 *
 * `faults` make evidence a real attacker or a broken GPU could present, to rehearse refusals: `nonce`
 * (the GPU answered another challenge), `measurement` (RIM index 9 differs from its golden value),
 * `chain` (the AK leaf is signed by a key that is not the BROM certificate's).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Core } from '../core/core.ts';
import { DEVICE_ROOT_CN, issue, newKey, ocspGood, pem, RIM_ROOT_CN, signRaw, type TestCert } from './nvidia-pki.ts';

/** Driver and VBIOS versions the TEST GPUs report (and their RIMs' colloquialVersion). */
export const TEST_DRIVER_VERSION = '550.144.03';
export const TEST_VBIOS_VERSION = '96.00.9F.00.01';
/** Blocks per report (Hopper: 64). */
const BLOCKS = 64;
/** RIM indices (0-based) whose golden values each RIM holds. */
const DRIVER_INDICES = range(8, 30);
const VBIOS_INDICES = [...range(0, 8), ...range(30, 40)];
/** The RIM index the `measurement` fault changes. */
export const TAMPERED_INDEX = 9;

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

/** A way the rehearsal makes GPU `gpu` (0-based) fail. */
export interface GpuFault {
  gpu: number;
  kind: 'nonce' | 'measurement' | 'chain';
}

/** One entry of guest-components' `device_evidence_list`, members in serde_json's (sorted) order. */
export interface DeviceEvidenceEntry {
  arch: 'HOPPER';
  certificate: string;
  evidence: string;
  uuid: string;
}

export interface NvidiaRehearsal {
  /** File name → contents: `rim-driver.xml`, `rim-vbios.xml`, `ocsp-*.der`, `gpu-test-anchor.pem`, `rim-test-anchor.pem`. */
  files: Record<string, Buffer | string>;
  /** The GPUs' serialized evidence (NVIDIA's array form, as the core reads it). */
  deviceEvidenceList: DeviceEvidenceEntry[];
  /** The additional-evidence string of Trustee's composite attester. */
  additionalEvidence: string;
  /** Per GPU: uuid, driver and VBIOS versions. */
  gpus: { uuid: string; driver: string; vbios: string }[];
}

/** The golden measurement of RIM index `i` (SPDM block i+1): SHA-384 of a TEST label. */
const measurement = (i: number) => createHash('sha384').update(`custodian/test/nvidia/measurement/${i}`).digest();

/** An opaque-data TLV: type u16 LE, length u16 LE, value. */
function tlv(type: number, value: Uint8Array): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16LE(type, 0);
  h.writeUInt16LE(value.length, 2);
  return Buffer.concat([h, value]);
}
const cstr = (s: string) => Buffer.from(`${s}\0`, 'ascii');

/** VBIOS_VERSION (opaque type 6, 8 bytes): `b3.b2.b1.b0.b4` is the printed version (opaque.rs). */
function vbiosBytes(v: string): Buffer {
  const [b3, b2, b1, b0, b4] = v.split('.').map((x) => parseInt(x, 16));
  return Buffer.from([b0!, b1!, b2!, b3!, b4!, 0, 0, 0]);
}

/** The signed SPDM report (request ‖ response ‖ r‖s) of one GPU. */
function report(nonce: Uint8Array, fwid: Uint8Array, ak: TestCert, tamperIndex?: number): Buffer {
  const request = Buffer.concat([Buffer.from([0x11, 0xe0, 0x01, 0xff]), nonce, Buffer.from([0])]);
  const blocks = range(0, BLOCKS).map((i) => {
    const value = i === tamperIndex ? createHash('sha384').update(`custodian/test/nvidia/tampered/${i}`).digest() : measurement(i);
    const b = Buffer.alloc(7);
    b.writeUInt8(i + 1, 0); // SPDM index = RIM index + 1
    b.writeUInt8(0x01, 1); // DMTF
    b.writeUInt16LE(value.length + 3, 2);
    b.writeUInt8(0x01, 4); // DMTF value type: mutable firmware (as NVIDIA's)
    b.writeUInt16LE(value.length, 5);
    return Buffer.concat([b, value]);
  });
  const record = Buffer.concat(blocks);
  const opaque = Buffer.concat([
    tlv(6, vbiosBytes(TEST_VBIOS_VERSION)), tlv(15, cstr('882')), tlv(17, cstr('1010')), tlv(18, cstr('0200')),
    tlv(3, cstr(TEST_DRIVER_VERSION)), tlv(11, Buffer.from([0xaa])), tlv(20, fwid),
  ]);
  const head = Buffer.from([0x11, 0x60, 0, 0, BLOCKS, record.length & 0xff, (record.length >> 8) & 0xff, record.length >> 16]);
  const opaqueLen = Buffer.alloc(2);
  opaqueLen.writeUInt16LE(opaque.length);
  const signed = Buffer.concat([request, head, record, randomBytes(32), opaqueLen, opaque]);
  return Buffer.concat([signed, signRaw(ak.key, signed)]);
}

const NS = {
  swid: 'http://standards.iso.org/iso/19770/-2/2015/schema.xsd', sha384: 'http://www.w3.org/2001/04/xmlenc#sha384',
  rim: 'https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-model/',
};

/**
 * A RIM in NVIDIA's SWID layout holding the golden values of `active` (every other index of 0..63
 * inactive with zero hashes), signed by `signer` with the enveloped XMLDSig NVIDIA uses. Both
 * canonical forms come from the core (`core.c14n`), the verifier's own C14N 1.1.
 */
function rim(core: Core, p: { version: string; edition: string; active: number[]; signer: TestCert; chain: TestCert[] }): string {
  const resources = range(0, BLOCKS).map((i) => {
    const on = p.active.includes(i);
    const hash = on ? measurement(i).toString('hex') : '0'.repeat(96);
    return `        <ns0:Resource type="Measurement" index="${i}" active="${on ? 'True' : 'False'}" alternatives="1" ns2:Hash0="${hash}" name="Measurement_${i}" size="48"/>\n`;
  }).join('');
  const tagId = createHash('sha384').update(`custodian/test/nvidia/rim/${p.edition}/${p.version}`).digest('hex');
  const x509 = p.chain.map((c) => `<ds:X509Certificate>${Buffer.from(c.der).toString('base64')}</ds:X509Certificate>`).join('');
  const signature = (digest: string, value: string) => '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
    + '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"/>'
    + '<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2006/12/xml-c14n11"/></ds:Transforms>'
    + `<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#sha384"/><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>`
    + `<ds:SignatureValue>${value}</ds:SignatureValue><ds:KeyInfo><ds:X509Data>${x509}</ds:X509Data></ds:KeyInfo></ds:Signature>`;
  const doc = (sig: string) => `<SoftwareIdentity xmlns="${NS.swid}" xmlns:ns0="${NS.swid}" xmlns:ns2="${NS.sha384}" corpus="false" name="GH100" patch="false" supplemental="false" tagId="${tagId}" version="1.0" tagVersion="0">\n`
    + `    <ns0:Entity name="Custodian TEST (not NVIDIA)" role="softwareCreator tagCreator"/>\n`
    + `    <ns0:Meta xmlns:ns1="${NS.rim}" colloquialVersion="${p.version}" edition="${p.edition}" product="GH100" revision="r1" PayloadType="direct" ns1:FirmwareManufacturer="Custodian TEST (not NVIDIA)" ns1:FirmwareManufacturerId="0"/>\n`
    + `    <ns0:Payload>\n${resources}    </ns0:Payload>\n${sig}</SoftwareIdentity>\n`;
  const digest = createHash('sha384').update(core.c14n(doc(signature('', '')), 'documentWithoutSignature')).digest('base64');
  const signedInfo = core.c14n(doc(signature(digest, '')), 'signedInfo');
  return doc(signature(digest, signRaw(p.signer.key, signedInfo).toString('base64')));
}

/**
 * Makes TEST evidence for `count` Hopper GPUs answering `deviceNonce` (32 bytes), with RIMs and OCSP
 * responses valid at `now` (certificates from one day before). `core` canonicalises the RIMs.
 */
export async function rehearseNvidia(core: Core, p: { deviceNonce: Uint8Array; count: number; now?: Date; faults?: GpuFault[] }): Promise<NvidiaRehearsal> {
  if (p.deviceNonce.length !== 32) throw new Error('the device nonce must be 32 bytes');
  const now = p.now ?? new Date();
  const notBefore = new Date(now.getTime() - 86_400_000);
  const fault = (gpu: number, kind: GpuFault['kind']) => (p.faults ?? []).some((f) => f.gpu === gpu && f.kind === kind);

  const root = await issue({ cn: DEVICE_ROOT_CN, subjectKey: await newKey(), ca: true, notBefore });
  const identity = await issue({ cn: 'Custodian TEST GH100 Identity (not NVIDIA)', subjectKey: await newKey(), issuer: root, ca: true, notBefore });
  const provisioner = await issue({ cn: 'Custodian TEST GH100 Provisioner ICA 1 (not NVIDIA)', subjectKey: await newKey(), issuer: identity, ca: true, notBefore });
  const fwid = createHash('sha384').update('custodian/test/nvidia/fwid').digest();

  const entries: DeviceEvidenceEntry[] = [];
  const broms: TestCert[] = [];
  const gpus: NvidiaRehearsal['gpus'] = [];
  for (let g = 0; g < p.count; g++) {
    const brom = await issue({ cn: 'GH100 A01 GSP BROM', subjectKey: await newKey(), issuer: provisioner, ca: true, notBefore });
    // The `chain` fault: the AK leaf is signed by a stranger's key under the BROM's name.
    const leafIssuer = fault(g, 'chain') ? { ...brom, key: await newKey() } : brom;
    const ak = await issue({ cn: 'GH100 A01 GSP FMC LF', subjectKey: await newKey(), issuer: leafIssuer, ca: false, notBefore, fwid });
    broms.push(brom);
    const nonce = fault(g, 'nonce') ? randomBytes(32) : p.deviceNonce;
    const bytes = report(nonce, fwid, ak, fault(g, 'measurement') ? TAMPERED_INDEX : undefined);
    const chain = [ak, brom, provisioner, identity, root].map(pem).join('');
    const uuid = `GPU-${randomUUID()}`;
    entries.push({ arch: 'HOPPER', certificate: Buffer.from(chain).toString('base64'), evidence: bytes.toString('base64'), uuid });
    gpus.push({ uuid, driver: TEST_DRIVER_VERSION, vbios: TEST_VBIOS_VERSION });
  }

  const rimRoot = await issue({ cn: RIM_ROOT_CN, subjectKey: await newKey(), ca: true, notBefore });
  const rimCa = await issue({ cn: 'Custodian TEST RIM Signing CA (not NVIDIA)', subjectKey: await newKey(), issuer: rimRoot, ca: true, notBefore });
  const signer = await issue({ cn: 'Custodian TEST RIM Signer (not NVIDIA)', subjectKey: await newKey(), issuer: rimCa, ca: false, notBefore });
  const rimChain = [signer, rimCa, rimRoot];

  const files: Record<string, Buffer | string> = {
    'rim-driver.xml': rim(core, { version: TEST_DRIVER_VERSION, edition: 'GPU', active: DRIVER_INDICES, signer, chain: rimChain }),
    'rim-vbios.xml': rim(core, { version: TEST_VBIOS_VERSION, edition: 'VBIOS', active: VBIOS_INDICES, signer, chain: rimChain }),
    // Revocation as the core checks it: device chains' certificates 1..3, RIM chains' 0..1.
    'ocsp-gpu-brom.der': Buffer.from(await ocspGood(provisioner, broms, now)),
    'ocsp-gpu-provisioner.der': Buffer.from(await ocspGood(identity, [provisioner], now)),
    'ocsp-gpu-identity.der': Buffer.from(await ocspGood(root, [identity], now)),
    'ocsp-rim-signer.der': Buffer.from(await ocspGood(rimCa, [signer], now)),
    'ocsp-rim-ca.der': Buffer.from(await ocspGood(rimRoot, [rimCa], now)),
    'gpu-test-anchor.pem': pem(root),
    'rim-test-anchor.pem': pem(rimRoot),
  };
  return { files, deviceEvidenceList: entries, additionalEvidence: additionalEvidenceOf(entries), gpus };
}

/**
 * The additional-evidence string a Trustee guest hashes into the CPU's REPORT_DATA for these devices:
 * serde_json of `{Tee::Nvidia: {"device_evidence_list": […]}}` (kbs-types `Tee` serialises "nvidia").
 */
export function additionalEvidenceOf(entries: DeviceEvidenceEntry[]): string {
  const sorted = entries.map(({ arch, certificate, evidence, uuid }) => ({ arch, certificate, evidence, uuid }));
  return JSON.stringify({ nvidia: { device_evidence_list: sorted } });
}
