/**
 * The tamper recipes of ../shared/vectors/snp/PROVENANCE.md, derived in memory at test time from
 * milan/routex-v3 (whose untampered appraisal, with its chain and the fresh Milan CRL, is affirming).
 */
import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verify, file, status, failing, SNP, FIXTURES, HAVE_VECTORS, inputError } from '../helpers.ts';
import { InputError } from '../../electron/core/errors.ts';
import type { Appraisal, NamedBytes } from '../../electron/core/appraisal.ts';

const v = (rel: string): NamedBytes => file(join(SNP, rel));

const REPORT = 'milan/routex-v3/report.bin';
/** routex-v3's report with byte `offset` XOR `mask` (a fresh copy each time). */
function tampered(offset: number, mask = 0x01): NamedBytes {
  const bytes = Uint8Array.from(readFileSync(join(SNP, REPORT)));
  bytes[offset] = bytes[offset]! ^ mask;
  return { name: `${REPORT} (byte 0x${offset.toString(16)} flipped)`, bytes };
}

/** Appraises with routex-v3's VCEK/ASK/ARK bundle and the fresh Milan CRL. */
const appraise = (evidence: NamedBytes): Appraisal =>
  verify({ evidence, endorsements: [v('milan/routex-v3/vcek_chain.pem'), v('crl/milan_vcek_crl.der')] });

/** Table rows `['0x2A0', offset, what]` so that test names show offsets in hex. */
const at = (rows: [number, string][]): [string, number, string][] =>
  rows.map(([offset, what]) => [`0x${offset.toString(16).toUpperCase().padStart(3, '0')}`, offset, what]);

describe.skipIf(!HAVE_VECTORS)('tamper: report bytes', () => {
  it('the untampered base is affirming', () => {
    const a = appraise(v(REPORT));
    expect(a.verdict).toBe('affirming');
    expect(status(a, 'report.signature')).toBe('pass');
  });

  // Signed region 0x000..0x29F. VERSION (0x000), POLICY (0x008), SIGNATURE_ALGO (0x034) and
  // KEY_INFO (0x048) are left alone so that the failure is the signature, not a changed meaning.
  it.each(at([
    [0x004, 'GUEST_SVN'],
    [0x050, 'REPORT_DATA'],
    [0x090, 'MEASUREMENT'],
    [0x0c0, 'HOST_DATA'],
    [0x140, 'REPORT_ID'],
    [0x1a0, 'CHIP_ID'],
    [0x29f, 'last reserved byte of the signed region'],
  ]))('flipping %s (%s) fails report.signature', (_at, offset) => {
    const a = appraise(tampered(offset));
    expect(status(a, 'report.signature')).toBe('fail');
    expect(a.verdict).toBe('contraindicated');
  });

  // The 48 significant (little-endian) bytes of R (0x2A0..0x2CF) and S (0x2E8..0x317).
  it.each(at([
    [0x2a0, 'R, least significant byte'],
    [0x2b7, 'R, middle'],
    [0x2cf, 'R, most significant byte'],
    [0x2e8, 'S, least significant byte'],
    [0x2ff, 'S, middle'],
    [0x317, 'S, most significant byte'],
  ]))('flipping %s (%s) fails report.signature', (_at, offset) => {
    const a = appraise(tampered(offset));
    expect(status(a, 'report.signature')).toBe('fail');
    expect(a.verdict).toBe('contraindicated');
  });

  // R and S are 72-byte little-endian fields; for P-384 bytes 48..71 of each are zero. Setting one
  // makes the integer >= n, so the signature is invalid (never truncated to 48 bytes).
  it.each(at([
    [0x2d0, 'R padding'],
    [0x2e7, 'R padding, last byte'],
    [0x318, 'S padding'],
    [0x32f, 'S padding, last byte'],
  ]))('setting %s (%s) fails report.signature', (_at, offset) => {
    const a = appraise(tampered(offset));
    expect(status(a, 'report.signature')).toBe('fail');
    expect(a.verdict).toBe('contraindicated');
  });

  it.each(at([
    [0x330, 'first byte after S'],
    [0x400, 'unsigned reserved'],
    [0x49f, 'last byte of the report'],
  ]))('setting %s (%s) keeps the signature but warns on evidence.reserved', (_at, offset) => {
    const a = appraise(tampered(offset));
    expect(status(a, 'report.signature')).toBe('pass');
    expect(status(a, 'evidence.reserved')).toBe('warn');
    expect(failing(a)).toEqual([]);
    expect(a.verdict).toBe('warning');
  });

  it('a report truncated to 1183 bytes is an input error on ATTESTATION_REPORT', () => {
    const bytes = readFileSync(join(SNP, REPORT)).subarray(0, 1183);
    const e = inputError(() => verify({ evidence: { name: 'truncated.bin', bytes }, endorsements: [v('milan/routex-v3/vcek_chain.pem')] }));
    expect(e.field).toBe('ATTESTATION_REPORT');
    expect(e.file).toBe('truncated.bin');
    expect(e.message).toContain('1183');
  });
});

describe.skipIf(!HAVE_VECTORS)('tamper: endorsements', () => {
  it('the VCEK of another chip (gsg-v2-debug) fails report.signature and binding.chip_id', () => {
    const a = verify({ evidence: v(REPORT), endorsements: [v('milan/gsg-v2-debug/vcek.der')] });
    expect(status(a, 'report.signature')).toBe('fail');
    expect(status(a, 'binding.chip_id')).toBe('fail');
    expect(a.verdict).toBe('contraindicated');
  });

  it.each(['roots/genoa/ask.der', 'roots/turin/ask.der'])('the Milan VCEK under %s fails the chain', (ask) => {
    const a = verify({ evidence: v(REPORT), endorsements: [v('milan/routex-v3/vcek.der'), v(ask)] });
    expect(status(a, 'chain.vek.signature')).toBe('fail');
    expect(status(a, 'chain.intermediate.role')).toBe('fail');
    expect(a.verdict).toBe('contraindicated');
  });

  it('the VLEK under the ASK instead of the ASVK fails the chain', () => {
    const a = verify({
      evidence: v('vlek/milan-aws-v3/report.bin'),
      endorsements: [v('vlek/milan-aws-v3/vlek.der'), v('roots/milan/ask.der')],
      policy: { snp: { permit_provisional_firmware: true } },
    });
    expect(status(a, 'chain.vek.signature')).toBe('fail');
    expect(status(a, 'chain.intermediate.role')).toBe('fail');
    expect(a.verdict).toBe('contraindicated');
  });

  it('a self-signed non-AMD root (the project TEST ARK) as an endorsement fails chain.ark.pin', () => {
    const a = verify({
      evidence: v(REPORT),
      endorsements: [v('milan/routex-v3/vcek.der'), file(join(FIXTURES, 'pki', 'ark.pem'))],
    });
    expect(status(a, 'chain.ark.pin')).toBe('fail');
    expect(a.verdict).toBe('contraindicated');
  });

  it('a garbage endorsement is an input error naming that file', () => {
    // 512 pseudo-random bytes, deterministic so that a failure reproduces.
    const bytes = Uint8Array.from(
      Array.from({ length: 16 }, (_, i) => [...createHash('sha256').update(`garbage ${i}`).digest()]).flat(),
    );
    const e = inputError(() => verify({ evidence: v(REPORT), endorsements: [v('milan/routex-v3/vcek.der'), { name: 'garbage.der', bytes }] }));
    expect(e.file).toBe('garbage.der');
  });
});
