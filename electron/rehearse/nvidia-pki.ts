/**
 * The TEST PKIs of NVIDIA rehearsal evidence, made fresh for each rehearsal with pkijs on Node's
 * WebCrypto (ECDSA P-384 / SHA-384 throughout, as NVIDIA's PKIs): a device chain shaped like a Hopper
 * GPU's (AK leaf "GH100 A01 GSP FMC LF" ← "GH100 A01 GSP BROM" ← provisioner ← identity ← root, five
 * certificates as the core requires), a RIM signing chain (signer ← CA ← root), and OCSP responses
 * (RFC 6960, signed by each certificate's issuer) for every certificate the core checks for revocation
 * (wasm/src/nvidia/revocation.rs: device chains 1..n-2, RIM chains 0..n-2). Every name carries the
 * organisation "Custodian TEST (not NVIDIA)"; the roots verify only when passed as TEST anchors.
 * Nothing here is NVIDIA's.
 */
import { KeyObject, randomBytes, sign as nodeSign } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** Organisation of every TEST certificate, so they cannot be mistaken for NVIDIA's. */
export const TEST_ORG = 'Custodian TEST (not NVIDIA)';
/** CN of the TEST device root (no "RIM" in it: the core tells the two TEST roots apart by CN). */
export const DEVICE_ROOT_CN = 'Custodian TEST Device Identity CA (not NVIDIA)';
/** CN of the TEST RIM root ("RIM" in it: the core's rule for a root that replaces the CoRIM root). */
export const RIM_ROOT_CN = 'Custodian TEST RIM Signing Root CA (not NVIDIA)';

const subtle = globalThis.crypto.subtle;
const EC = { name: 'ECDSA', namedCurve: 'P-384' } as const;
const OID = { cn: '2.5.4.3', o: '2.5.4.10', basicConstraints: '2.5.29.19', keyUsage: '2.5.29.15', fwid: '2.23.133.5.4.1', sha384: '2.16.840.1.101.3.4.2.2', ocspBasic: '1.3.6.1.5.5.7.48.1.1' };

let engineSet = false;
function engine(): void {
  if (engineSet) return;
  pkijs.setEngine('node-webcrypto', new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: globalThis.crypto as Crypto }));
  engineSet = true;
}

/** A P-384 key pair: WebCrypto keys for pkijs, the private KeyObject for node:crypto, the SPKI DER. */
export interface TestKey {
  privateKey: CryptoKey;
  keyObject: KeyObject;
  spki: Uint8Array<ArrayBuffer>;
}

/** A certificate: its CN, its DER, the pkijs object (for OCSP CertIDs) and the key it certifies. */
export interface TestCert {
  cn: string;
  der: Uint8Array;
  cert: pkijs.Certificate;
  key: TestKey;
}

export async function newKey(): Promise<TestKey> {
  const pair = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { privateKey: pair.privateKey, keyObject: KeyObject.from(pair.privateKey), spki: new Uint8Array(await subtle.exportKey('spki', pair.publicKey)) };
}

/** ECDSA P-384/SHA-384 over `data`, raw r‖s (96 bytes), as SPDM and XMLDSig ecdsa-sha384 carry it. */
export function signRaw(key: TestKey, data: Uint8Array): Buffer {
  return nodeSign('sha384', data, { key: key.keyObject, dsaEncoding: 'ieee-p1363' });
}

/** A Name of one-attribute RDNs (CN, then O), UTF8String, encoded exactly so (parsed back for pkijs). */
function dn(cn: string): pkijs.RelativeDistinguishedNames {
  const rdn = (type: string, value: string) => new asn1js.Set({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: type }), new asn1js.Utf8String({ value })] })] });
  return pkijs.RelativeDistinguishedNames.fromBER(new asn1js.Sequence({ value: [rdn(OID.cn, cn), rdn(OID.o, TEST_ORG)] }).toBER());
}

/** A positive serial of 16 random bytes, minimally encoded (first byte 0x01..0x7f). */
function serial(): asn1js.Integer {
  const b = randomBytes(16);
  b[0] = (b[0]! % 0x7f) + 1;
  return new asn1js.Integer({ valueHex: new Uint8Array(b) });
}

const ext = (oid: string, critical: boolean, value: asn1js.BaseBlock) => new pkijs.Extension({ extnID: oid, critical, extnValue: value.toBER() });

/**
 * Issues a certificate for `subjectKey` named `cn`, signed by `issuer` (self-signed when absent), valid
 * from `notBefore` until 9999-12-31 (as NVIDIA's device certificates). `ca`: basicConstraints cA and
 * keyCertSign|cRLSign; else an end-entity digitalSignature key. `fwid`: a Hopper FWID extension
 * (2.23.133.5.4.1, a DICE TcbInfo whose fwids[0] is SHA-384 `fwid`; the core reads its last 48 bytes).
 */
export async function issue(p: { cn: string; subjectKey: TestKey; issuer?: TestCert; ca: boolean; notBefore: Date; fwid?: Uint8Array }): Promise<TestCert> {
  engine();
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = serial();
  cert.subject = dn(p.cn);
  cert.issuer = dn(p.issuer?.cn ?? p.cn);
  cert.notBefore = new pkijs.Time({ type: 0, value: p.notBefore });
  cert.notAfter = new pkijs.Time({ type: 1, value: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)) });
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(p.subjectKey.spki);
  const extensions = [];
  if (p.ca) {
    extensions.push(ext(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: true }).toSchema()));
    extensions.push(ext(OID.keyUsage, true, new asn1js.BitString({ unusedBits: 1, valueHex: new Uint8Array([0x06]) })));
  } else {
    extensions.push(ext(OID.keyUsage, true, new asn1js.BitString({ unusedBits: 7, valueHex: new Uint8Array([0x80]) })));
  }
  if (p.fwid) {
    const fwid = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.sha384 }), new asn1js.OctetString({ valueHex: new Uint8Array(p.fwid) })] });
    const fwids = new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 6 }, value: [fwid] });
    extensions.push(ext(OID.fwid, false, new asn1js.Sequence({ value: [fwids] })));
  }
  cert.extensions = extensions;
  await cert.sign((p.issuer ?? { key: p.subjectKey }).key.privateKey, 'SHA-384');
  return { cn: p.cn, der: new Uint8Array(cert.toSchema(true).toBER()), cert, key: p.subjectKey };
}

/** PEM of a certificate. */
export function pem(c: TestCert): string {
  const b64 = Buffer.from(c.der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/**
 * An OCSP response (DER `OCSPResponse`, successful, basic) signed by `issuer` itself (responder by
 * name), saying "good" for each of `certs` (all issued by `issuer`), thisUpdate one minute before
 * `now`, nextUpdate 7 days after. CertIDs use SHA-256.
 */
export async function ocspGood(issuer: TestCert, certs: TestCert[], now: Date): Promise<Uint8Array> {
  engine();
  // Whole seconds: DER GeneralizedTime as the core (RustCrypto der) reads it has no fraction.
  const at = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
  const responses = [];
  for (const c of certs) {
    const certID = new pkijs.CertID();
    await certID.createForCertificate(c.cert, { hashAlgorithm: 'SHA-256', issuerCertificate: issuer.cert });
    responses.push(new pkijs.SingleResponse({
      certID,
      certStatus: new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } }), // good: [0] IMPLICIT NULL
      thisUpdate: at(now.getTime() - 60_000),
      nextUpdate: at(now.getTime() + 7 * 86_400_000),
    }));
  }
  const basic = new pkijs.BasicOCSPResponse();
  basic.tbsResponseData.responderID = issuer.cert.subject;
  basic.tbsResponseData.producedAt = at(now.getTime());
  basic.tbsResponseData.responses = responses;
  await basic.sign(issuer.key.privateKey, 'SHA-384');
  const response = new pkijs.OCSPResponse();
  response.responseStatus.valueBlock.valueDec = 0;
  response.responseBytes = new pkijs.ResponseBytes({ responseType: OID.ocspBasic, response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) }) });
  return new Uint8Array(response.toSchema().toBER(false));
}
