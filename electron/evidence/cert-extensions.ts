/**
 * Decodes the X.509 extensions of any certificate for the chain view — vendor extensions where the
 * vendor defines them, and the standard ones a reader needs (CA flag, key usage, key ids, CRL
 * distribution points, subject alternative names). Display only: the core does the verifying.
 *
 * Sources:
 * - AMD "Versioned Chip Endorsement Key (VCEK) Certificate and KDS Interface Specification" (#57230),
 *   VCEK/VLEK certificate extensions `1.3.6.1.4.1.3704.1.*`;
 * - Intel "SGX PCK Certificate and Certificate Revocation List Profile Specification", SGX extensions
 *   `1.2.840.113741.1.13.1.*` (PPID, TCB components, PCESVN, CPUSVN, PCE-ID, FMSPC, SGX type…);
 * - OID `2.23.133.5.4.1`: the TCG DICE (Microsoft RIoT) extension `{version, deviceIdPublicKey, fwid}`
 *   NVIDIA device certificates carry (its FWID is what NVIDIA compares with the report's FWID), or
 *   TCG "DICE Attestation Architecture" v1.00 §6.1.1 `DiceTcbInfo` (FWIDs);
 * - DMTF DSP0274 SPDM 1.1, `id-DMTF-device-info` `1.3.6.1.4.1.412.274.1` as a subjectAltName otherName;
 * - RFC 5280 §4.2.1 for the standard extensions.
 * ASN.1 is read with asn1js and the certificate with pkijs; nothing here throws on bad input.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** One decoded extension (or one field of a structured vendor extension such as Intel's SGX one). */
export interface DecodedExtension {
  /** Dotted OID of the extension or of the field inside it, e.g. `1.2.840.113741.1.13.1.4` (FMSPC). */
  oid: string;
  /** Readable name, e.g. `FMSPC`, `TcbInfo FWID (SHA-384)`, `CRL distribution points`. */
  name: string;
  /** Who defines it: `amd`, `intel`, `nvidia`, `tcg`, `dmtf`, or `x509` for RFC 5280 extensions. */
  vendor: 'amd' | 'intel' | 'nvidia' | 'tcg' | 'dmtf' | 'x509' | 'other';
  critical: boolean;
  /** The value for display: a number, text, or lowercase hex for byte strings. */
  value: string;
}

const AMD = '1.3.6.1.4.1.3704.1.';
const AMD_NAMES: Record<string, string> = {
  '1': 'structVersion',
  '2': 'productName',
  '3.1': 'blSPL (boot loader SVN)',
  '3.2': 'teeSPL (PSP OS SVN)',
  '3.3': 'snpSPL (SNP firmware SVN)',
  '3.4': 'spl_4 (reserved)',
  '3.5': 'spl_5 (reserved)',
  '3.6': 'spl_6 (reserved)',
  '3.7': 'spl_7 (reserved)',
  '3.8': 'ucodeSPL (microcode SVN)',
  '3.9': 'fmcSPL (firmware SVN, Turin)',
  '4': 'hwID (chip id)',
  '5': 'cspId (VLEK: cloud service provider)',
};
const SGX = '1.2.840.113741.1.13.1';
const SGX_NAMES: Record<string, string> = {
  '1': 'PPID',
  '2': 'TCB',
  '2.17': 'PCESVN',
  '2.18': 'CPUSVN',
  '3': 'PCE-ID',
  '4': 'FMSPC',
  '5': 'SGX Type (0 standard, 1 scalable, 2 scalable with integrity)',
  '6': 'PlatformInstanceID',
  '7': 'Configuration',
  '7.1': 'dynamicPlatform',
  '7.2': 'cachedKeys',
  '7.3': 'SMTEnabled',
};
const TCB_INFO = '2.23.133.5.4.1';
const DMTF_DEVICE_INFO = '1.3.6.1.4.1.412.274.1';
const NVIDIA_ARC = '1.3.6.1.4.1.5703.';
const HASHES: Record<string, string> = { '2.16.840.1.101.3.4.2.1': 'SHA-256', '2.16.840.1.101.3.4.2.2': 'SHA-384', '2.16.840.1.101.3.4.2.3': 'SHA-512' };
const KEY_USAGE = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * The one ASN.1 value in `bytes`, or null when it is not exactly one well-formed value. asn1js parses
 * nested constructed values recursively: a hostile extension nested thousands deep can exhaust the
 * JS stack (a RangeError), which is treated as unreadable rather than escaping as a crash.
 */
function parse(bytes: Uint8Array): asn1js.AsnType | null {
  try {
    const r = asn1js.fromBER(bytes);
    return r.offset === -1 || r.offset !== bytes.length ? null : r.result;
  } catch {
    return null;
  }
}

/** A leaf value for display: integers as numbers, strings as text, booleans, byte strings in hex. */
function scalar(v: asn1js.AsnType): string {
  if (v instanceof asn1js.Integer || v instanceof asn1js.Enumerated) return v.valueBlock.valueHexView.length > 6 ? hex(v.valueBlock.valueHexView) : String(v.valueBlock.valueDec);
  if (v instanceof asn1js.Boolean) return String(v.getValue());
  if (v instanceof asn1js.ObjectIdentifier) return v.getValue();
  if (v instanceof asn1js.BitString) return hex(v.valueBlock.valueHexView);
  if ('getValue' in v && typeof (v as { getValue(): unknown }).getValue === 'function' && v instanceof asn1js.BaseStringBlock) return String(v.getValue());
  if (v instanceof asn1js.OctetString) return hex(v.valueBlock.valueHexView);
  return hex(new Uint8Array(v.toBER()));
}

/** AMD VCEK/VLEK: each TCB field is its own extension holding an INTEGER, IA5String or OCTET STRING. */
function amd(oid: string, critical: boolean, raw: Uint8Array): DecodedExtension[] {
  const v = parse(raw);
  // hwID is an OCTET STRING in current certificates, raw bytes in some early ones.
  const value = v ? scalar(v) : hex(raw);
  return [{ oid, name: `AMD ${AMD_NAMES[oid.slice(AMD.length)] ?? oid.slice(AMD.length)}`, vendor: 'amd', critical, value }];
}

/** Intel SGX: one extension, a SEQUENCE of `{OID, value}` pairs; TCB and Configuration nest once more. */
function sgx(critical: boolean, raw: Uint8Array): DecodedExtension[] {
  const out: DecodedExtension[] = [];
  // Real SGX extensions nest twice (TCB, Configuration); deeper input is not walked.
  const walk = (seq: asn1js.AsnType, depth = 0) => {
    if (!(seq instanceof asn1js.Sequence) || depth > 4) return;
    for (const pair of seq.valueBlock.value) {
      if (!(pair instanceof asn1js.Sequence)) continue;
      const [id, value] = pair.valueBlock.value;
      if (!(id instanceof asn1js.ObjectIdentifier) || !value) continue;
      const oid = id.getValue();
      const suffix = oid.startsWith(`${SGX}.`) ? oid.slice(SGX.length + 1) : oid;
      if (value instanceof asn1js.Sequence) {
        walk(value, depth + 1);
        continue;
      }
      const comp = /^2\.(\d+)$/.exec(suffix);
      const name = SGX_NAMES[suffix] ?? (comp && Number(comp[1]) <= 16 ? `TCB comp${comp[1]!.padStart(2, '0')} SVN` : suffix);
      out.push({ oid, name: `SGX ${name}`, vendor: 'intel', critical, value: scalar(value) });
    }
  };
  const v = parse(raw);
  if (v) walk(v);
  return out.length > 0 ? out : [{ oid: SGX, name: 'SGX extensions (unreadable)', vendor: 'intel', critical, value: hex(raw) }];
}

/** `{hashAlg OID, digest OCTET STRING}` → a FWID row. */
function fwid(prefix: string, critical: boolean, item: asn1js.AsnType | undefined): DecodedExtension {
  const [alg, digest] = item instanceof asn1js.Sequence ? item.valueBlock.value : [];
  const algName = alg instanceof asn1js.ObjectIdentifier ? (HASHES[alg.getValue()] ?? alg.getValue()) : '?';
  return { oid: TCB_INFO, name: `${prefix} FWID (${algName})`, vendor: 'tcg', critical, value: digest instanceof asn1js.OctetString ? hex(digest.valueBlock.valueHexView) : '?' };
}

/**
 * OID 2.23.133.5.4.1 in either of its two forms:
 * - the DICE extension NVIDIA device certificates carry (TCG DICE / Microsoft RIoT
 *   `DiceExtension ::= SEQUENCE { version INTEGER, deviceIdPublicKey SubjectPublicKeyInfo, fwid FWID }`):
 *   the FWID is what NVIDIA compares with the report's opaque FWID (type 20);
 * - TCG DICE Attestation Architecture `DiceTcbInfo`: SEQUENCE of IMPLICIT [0] vendor … [6] fwids … [9] type.
 */
function tcbInfo(critical: boolean, raw: Uint8Array): DecodedExtension[] {
  const names = ['vendor', 'model', 'version', 'svn', 'layer', 'index', 'fwids', 'flags', 'vendorInfo', 'type'];
  const v = parse(raw);
  if (!(v instanceof asn1js.Sequence)) return [{ oid: TCB_INFO, name: 'TcbInfo (unreadable)', vendor: 'tcg', critical, value: hex(raw) }];
  const [first, key, last] = v.valueBlock.value;
  if (first instanceof asn1js.Integer) {
    const spki = key ? new Uint8Array(key.toBER()) : new Uint8Array();
    return [
      { oid: TCB_INFO, name: 'DICE extension version', vendor: 'tcg', critical, value: scalar(first) },
      { oid: TCB_INFO, name: 'DICE DeviceID public key (SPKI SHA-256)', vendor: 'tcg', critical, value: createHash('sha256').update(spki).digest('hex') },
      fwid('DICE', critical, last),
    ];
  }
  const out: DecodedExtension[] = [];
  for (const item of v.valueBlock.value) {
    const tag = item.idBlock.tagNumber;
    const name = names[tag] ?? `[${tag}]`;
    if (tag === 6 && item instanceof asn1js.Constructed) {
      for (const f of item.valueBlock.value) out.push(fwid('TcbInfo', critical, f));
      continue;
    }
    const bytes = item.valueBeforeDecodeView.subarray(item.idBlock.blockLength + item.lenBlock.blockLength);
    const text = tag <= 2 ? new TextDecoder().decode(bytes) : tag <= 5 ? String(bytes.reduce((n, b) => n * 256 + b, 0)) : hex(bytes);
    out.push({ oid: TCB_INFO, name: `TcbInfo ${name}`, vendor: 'tcg', critical, value: text });
  }
  return out;
}

/** GeneralNames of a subjectAltName: DMTF device info, DNS names, URIs, others by OID. */
function subjectAltName(critical: boolean, raw: Uint8Array): DecodedExtension[] {
  const v = parse(raw);
  if (!(v instanceof asn1js.Sequence)) return [{ oid: '2.5.29.17', name: 'subject alternative name', vendor: 'x509', critical, value: hex(raw) }];
  return v.valueBlock.value.map((gn) => {
    const tag = gn.idBlock.tagNumber;
    if (tag === 0 && gn instanceof asn1js.Constructed) {
      const [id, wrapped] = gn.valueBlock.value;
      const oid = id instanceof asn1js.ObjectIdentifier ? id.getValue() : '?';
      const inner = wrapped instanceof asn1js.Constructed ? wrapped.valueBlock.value[0] : undefined;
      const value = inner ? scalar(inner) : '';
      if (oid === DMTF_DEVICE_INFO) return { oid, name: 'DMTF SPDM device info (subjectAltName otherName)', vendor: 'dmtf' as const, critical, value };
      return { oid, name: `subjectAltName otherName ${oid}`, vendor: 'x509' as const, critical, value };
    }
    const bytes = gn.valueBeforeDecodeView.subarray(gn.idBlock.blockLength + gn.lenBlock.blockLength);
    const kind = ({ 1: 'email', 2: 'DNS', 6: 'URI' } as Record<number, string>)[tag];
    return { oid: '2.5.29.17', name: `subjectAltName ${kind ?? `[${tag}]`}`, vendor: 'x509' as const, critical, value: kind ? new TextDecoder().decode(bytes) : hex(bytes) };
  });
}

/** RFC 5280 extensions readers use; `null` for one not listed (shown by OID, value in hex). */
function standard(oid: string, critical: boolean, raw: Uint8Array): DecodedExtension | null {
  const v = parse(raw);
  const one = (name: string, value: string): DecodedExtension => ({ oid, name, vendor: 'x509', critical, value });
  if (!v) return null;
  switch (oid) {
    case '2.5.29.19': {
      const items = v instanceof asn1js.Sequence ? v.valueBlock.value : [];
      const ca = items[0] instanceof asn1js.Boolean && items[0].getValue();
      const path = items.find((i) => i instanceof asn1js.Integer);
      return one('basic constraints', `CA ${ca ? 'yes' : 'no'}${path ? `, path length ≤ ${scalar(path)}` : ''}`);
    }
    case '2.5.29.15': {
      if (!(v instanceof asn1js.BitString)) return null;
      const bits = v.valueBlock.valueHexView;
      return one('key usage', KEY_USAGE.filter((_, i) => ((bits[i >> 3] ?? 0) >> (7 - (i & 7))) & 1).join(', '));
    }
    case '2.5.29.14':
      return v instanceof asn1js.OctetString ? one('subject key identifier', hex(v.valueBlock.valueHexView)) : null;
    case '2.5.29.35': {
      const id = v instanceof asn1js.Sequence ? v.valueBlock.value.find((i) => i.idBlock.tagNumber === 0) : undefined;
      return id ? one('authority key identifier', hex(id.valueBeforeDecodeView.subarray(id.idBlock.blockLength + id.lenBlock.blockLength))) : null;
    }
    case '2.5.29.31':
    case '1.3.6.1.5.5.7.1.1': {
      // The URIs are IA5Strings; read them from the DER (each is preceded by its tag and length byte).
      const uris = new TextDecoder('latin1').decode(raw).match(/https?:\/\/[\x21-\x7e]+/g) ?? [];
      return one(oid === '2.5.29.31' ? 'CRL distribution points' : 'authority information access', uris.join(' ') || hex(raw));
    }
    case '2.5.29.37': {
      const oids = v instanceof asn1js.Sequence ? v.valueBlock.value.map(scalar) : [];
      return one('extended key usage', oids.join(', '));
    }
    default:
      return null;
  }
}

/** Every extension of the DER certificate `der`, decoded; `[]` when the certificate does not parse. */
export function decodeExtensions(der: Uint8Array): DecodedExtension[] {
  let cert: pkijs.Certificate;
  try {
    cert = pkijs.Certificate.fromBER(new Uint8Array(der));
  } catch {
    return [];
  }
  const out: DecodedExtension[] = [];
  for (const ext of cert.extensions ?? []) {
    const oid = ext.extnID;
    const critical = ext.critical;
    const raw = ext.extnValue.valueBlock.valueHexView;
    try {
      if (oid.startsWith(AMD)) out.push(...amd(oid, critical, raw));
      else if (oid === SGX) out.push(...sgx(critical, raw));
      else if (oid === TCB_INFO) out.push(...tcbInfo(critical, raw));
      else if (oid === '2.5.29.17') out.push(...subjectAltName(critical, raw));
      else if (oid.startsWith(NVIDIA_ARC)) out.push({ oid, name: `NVIDIA ${oid}`, vendor: 'nvidia', critical, value: parse(raw) ? scalar(parse(raw)!) : hex(raw) });
      else out.push(standard(oid, critical, raw) ?? { oid, name: oid, vendor: 'other', critical, value: hex(raw) });
    } catch {
      out.push({ oid, name: `${oid} (unreadable)`, vendor: 'other', critical, value: hex(raw) });
    }
  }
  return out;
}
