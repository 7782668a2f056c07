/**
 * Describes the certificates among the files of an inspection, for the chain view: subject, issuer,
 * serial, validity and whether it holds at the reference time, SPKI SHA-256, pin status and the
 * decoded extensions of each (vendor ones included, see cert-extensions.ts). Display only — the core
 * decides what is trusted; this never changes a verdict.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { PinnedRoot } from '../core/appraisal.ts';
import { decodeExtensions, type DecodedExtension } from './cert-extensions.ts';
import type { NamedFile } from '../ipc/contract.ts';

/** One certificate: `source` is `file` or `file#n` (n-th of a PEM bundle, from 1); times RFC 3339. */
export interface CertificateInfo {
  source: string;
  subject: string;
  issuer: string;
  serial: string;
  not_before: string;
  not_after: string;
  valid_at_reference_time: boolean;
  self_issued: boolean;
  spki_sha256: string;
  /** `pinned` (equals a pinned vendor root), `test anchor` (supplied as one), or `none`. */
  pin: 'pinned' | 'test anchor' | 'none';
  /** The pinned root's name when `pin` is `pinned`. */
  pinned_as: string;
  /** Every extension, decoded (vendor extensions by their vendor's field names). */
  extensions: DecodedExtension[];
}

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const iso = (text: string) => new Date(text).toISOString().replace('.000Z', 'Z');
/** A distinguished name with its CN first, as the core's messages write them. */
function dn(text: string): string {
  const parts = text.split('\n');
  return (parts.at(-1)?.startsWith('CN=') ? parts.reverse() : parts).join(', ');
}

/** The DER or PEM certificates in `bytes` (PEM blocks anywhere, e.g. inside a quote or JSON). */
function certificatesIn(bytes: Uint8Array): Uint8Array[] | string[] {
  const text = new TextDecoder('latin1').decode(bytes);
  const pems = text.match(PEM);
  if (pems) return pems.map((p) => p.replace(/\\n/g, '\n'));
  return bytes[0] === 0x30 ? [bytes] : [];
}

/**
 * Every certificate found in `files` (endorsements, evidence with an embedded PEM chain) and in
 * `testAnchors`, in order. Unparsable blocks are skipped (the core reports them).
 */
export function describeCertificates(files: NamedFile[], testAnchors: NamedFile[], at: Date, pins: PinnedRoot[]): CertificateInfo[] {
  const anchorKeys = new Set<string>();
  const out: CertificateInfo[] = [];
  const add = (file: NamedFile, isAnchor: boolean) => {
    const found = certificatesIn(file.bytes);
    found.forEach((raw, i) => {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(raw);
      } catch {
        return;
      }
      const spki = createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
      if (isAnchor) anchorKeys.add(spki);
      const pinned = pins.find((p) => p.spki_sha256 === spki);
      const from = new Date(cert.validFrom);
      const to = new Date(cert.validTo);
      out.push({
        source: found.length > 1 ? `${file.name}#${i + 1}` : file.name,
        subject: dn(cert.subject),
        issuer: dn(cert.issuer),
        serial: `0x${cert.serialNumber.toLowerCase()}`,
        not_before: iso(cert.validFrom),
        not_after: iso(cert.validTo),
        valid_at_reference_time: from <= at && at <= to,
        self_issued: cert.subject === cert.issuer,
        spki_sha256: spki,
        pin: pinned ? 'pinned' : anchorKeys.has(spki) ? 'test anchor' : 'none',
        pinned_as: pinned?.name ?? '',
        extensions: decodeExtensions(new Uint8Array(cert.raw)),
      });
    });
  };
  for (const a of testAnchors) add(a, true);
  for (const f of files) add(f, false);
  // A certificate with a TEST anchor's key is marked even when it came before the anchor in the list.
  for (const c of out) if (c.pin === 'none' && anchorKeys.has(c.spki_sha256)) c.pin = 'test anchor';
  return out;
}
