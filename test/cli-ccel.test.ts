/**
 * TDX CC event log replay through the CLI (issue 16 item 5): `custodian verify QUOTE --collateral LOG`
 * with a synthetic log and a quote whose RTMRs are its replay (both made by the project's generators,
 * fixtures/lib/eventlog.mjs and tdx.mjs) passes eventlog.rtmr0..3; the same quote with a log whose kernel
 * command line was changed fails the RTMR it extends, naming the event (threat: a booted component
 * swapped while the log claims the expected one); the real Trustee CCEL beside a real quote it does
 * not belong to fails per RTMR; a truncated log is an input error (exit 2) naming the file and event.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classify } from '../electron/evidence/classify.ts';
import { openEnvelope } from '../electron/evidence/envelopes.ts';
import { endorses, slotFor } from '../electron/evidence/select.ts';
import { makeCcel } from '../fixtures/lib/eventlog.mjs';
import { loadTdxTestPki, makeTdxCollateral, makeTdxQuote, tdxTestAnchorPem } from '../fixtures/lib/tdx.mjs';
import { ROOT, VECTORS } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'custodian-ccel-'));
const put = (name: string, bytes: Uint8Array | string) => {
  writeFileSync(join(tmp, name), bytes);
  return join(tmp, name);
};
function custodian(...args: string[]) {
  const r = spawnSync(join(ROOT, 'bin', 'custodian'), args, { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
type Check = { id: string; status: string; detail: string };

const NOW = new Date('2026-01-15T00:00:00Z');
const events = (cmdline: string) => [
  { mr: 1, type: 0x8000000b, data: Buffer.concat([Buffer.from([8]), Buffer.from('TdxTable'), Buffer.alloc(16)]) },
  { mr: 1, type: 0x4, data: Buffer.alloc(4) },
  { mr: 2, type: 0x80000003, data: Buffer.alloc(32) },
  { mr: 2, type: 0xd, data: Buffer.from(cmdline) },
  { mr: 3, type: 0x6, data: Buffer.from([1, 0, 0, 0, 3, 0, 0, 0, 0x61, 0x70, 0x70]) },
];

describe('custodian verify with a CC event log', async () => {
  const pki = await loadTdxTestPki(fileURLToPath(new URL('../fixtures/tdx/keys/', import.meta.url)));
  const good = makeCcel(events('console=ttyS0 root=/dev/vda1'));
  const quote = put('quote.bin', makeTdxQuote(pki, { reportData: new Uint8Array(64), rtmrs: good.rtmrs }));
  const base = ['--collateral', put('collateral.json', await makeTdxCollateral(pki, { now: NOW })), '--test-anchor', put('anchor.pem', tdxTestAnchorPem(pki)), '--at', NOW.toISOString(), '--json'];
  const run = (log: string) => {
    const r = custodian('verify', quote, '--collateral', log, ...base);
    return { ...r, a: r.stdout ? JSON.parse(r.stdout) : undefined };
  };
  const check = (a: { checks: Check[] }, id: string) => a.checks.find((c) => c.id === id)!;

  it('passes eventlog.rtmr0..3 when the log replays to the quote and exposes the events', () => {
    const { code, a, stderr } = run(put('ccel.bin', good.log));
    expect(code, stderr).toBe(0);
    for (const i of [0, 1, 2, 3]) expect(check(a, `eventlog.rtmr${i}`).status).toBe('pass');
    expect(a.claims.eventlog.event_count).toBe(5);
    expect(a.claims.eventlog.events[3]).toMatchObject({ index: 4, mr: 2, rtmr: 1, event_type: 'EV_IPL', description: 'console=ttyS0 root=/dev/vda1', data_sha384_matches: true });
    expect(a.claims.eventlog.events[0]).toMatchObject({ event_type: 'EV_EFI_HANDOFF_TABLES2', description: 'TdxTable' });
  });

  it('fails the RTMR a changed kernel command line extends, naming the RTMR and the event', () => {
    const { code, a } = run(put('evil.bin', makeCcel(events('console=ttyS0 init=/bin/sh')).log));
    expect(code).toBe(1);
    expect(a.checks.filter((c: Check) => c.status === 'fail').map((c: Check) => c.id)).toEqual(['eventlog.rtmr1']);
    expect(check(a, 'eventlog.rtmr1').detail).toMatch(/RTMR1 in the quote is [0-9a-f]{96} but the replay of 2 event\(s\) of .*evil\.bin with MR index 2 gives [0-9a-f]{96}: the replay diverges from event 3/);
  });

  // Policy tdx.event_digests (issue 16 item 5): the kernel command line must be the expected one.
  describe('policy tdx.event_digests', () => {
    const sha384 = (text: string) => createHash('sha384').update(text).digest('hex');
    const want = sha384('console=ttyS0 root=/dev/vda1');
    const withPolicy = (log: string | null, required: unknown[]) => {
      const policy = put(`policy-${Math.random().toString(16).slice(2)}.json`, JSON.stringify({ tdx: { event_digests: required } }));
      const r = custodian('verify', quote, ...(log ? ['--collateral', log] : []), ...base, '--policy', policy);
      return { ...r, a: r.stdout ? JSON.parse(r.stdout) : undefined };
    };
    const ID = 'eventlog.policy.event_digests[0]';

    it('passes when the named event carries the digest and its RTMR replays to the quote', () => {
      const { code, a, stderr } = withPolicy(put('good.bin', good.log), [{ type: 'EV_IPL', description: 'console=', sha384: want }]);
      expect(code, stderr).toBe(0);
      expect(check(a, ID)).toMatchObject({ status: 'pass', detail: `event 4 (EV_IPL, RTMR1) carries SHA-384 ${want}, and RTMR1's replay equals the quote's` });
    });

    it('fails when the kernel command line is another (the log still replays to a quote made for it)', () => {
      const evil = makeCcel(events('console=ttyS0 init=/bin/sh'));
      const evilQuote = put('evil-quote.bin', makeTdxQuote(pki, { reportData: new Uint8Array(64), rtmrs: evil.rtmrs }));
      const policy = put('p-evil.json', JSON.stringify({ tdx: { event_digests: [{ rtmr: 1, type: 'EV_IPL', sha384: want }] } }));
      const r = custodian('verify', evilQuote, '--collateral', put('evil-log.bin', evil.log), ...base, '--policy', policy);
      const a = JSON.parse(r.stdout);
      expect(r.code).toBe(1);
      expect(check(a, 'eventlog.rtmr1').status).toBe('pass');
      expect(check(a, ID).status).toBe('fail');
      expect(check(a, ID).detail).toBe(`no event (RTMR1, EV_IPL) carries SHA-384 ${want}: 1 of ${join(tmp, 'evil-log.bin')} matches: event 4 ${sha384('console=ttyS0 init=/bin/sh')}`);
    });

    it('fails when the log is not the TD\'s (the digest is there, the replay is not the quote\'s)', () => {
      // Another boot loader image before the same command line, in the same RTMR1.
      const other = makeCcel(events('console=ttyS0 root=/dev/vda1').map((e, i) => (i === 2 ? { ...e, data: Buffer.alloc(32, 0xee) } : e)));
      const { a } = withPolicy(put('other.bin', other.log), [{ type: 'EV_IPL', sha384: want }]);
      expect(check(a, ID).status).toBe('fail');
      expect(check(a, ID).detail).toContain('but the log\'s replay of RTMR1 is not the quote\'s');
    });

    it('fails without an event log, and when no event matches the selectors', () => {
      expect(check(withPolicy(null, [{ type: 'EV_IPL', sha384: want }]).a, ID).detail).toBe(`policy requires an event (EV_IPL) with SHA-384 ${want}, but no CC event log was supplied with the quote`);
      expect(check(withPolicy(put('g2.bin', good.log), [{ rtmr: 3, type: 'EV_IPL', sha384: want }]).a, ID).detail).toMatch(/^no event of .*g2\.bin matches \(RTMR3, EV_IPL\)/);
    });

    it('a requirement without a selector, or with bad hex, is refused naming the option', () => {
      const r1 = withPolicy(put('g3.bin', good.log), [{ sha384: want }]);
      expect(r1.code).toBe(2);
      expect(r1.stderr).toContain('policy tdx.event_digests[0]: name the events with at least one of rtmr, type, description');
      const r2 = withPolicy(put('g4.bin', good.log), [{ type: 'EV_IPL', sha384: 'abcd' }]);
      expect(r2.code).toBe(2);
      expect(r2.stderr).toMatch(/event_digests\[0\]\.sha384/);
    });
  });

  it('refuses a truncated log as an input error naming the file and the event', () => {
    const r = run(put('cut.bin', good.log.subarray(0, 200)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cut\.bin: event 2\.digests\[0\]\.digest: needs 48 bytes at offset 170 but only 30 remain/);
  });

  it('the real Trustee CCEL beside a real quote it does not belong to fails RTMR0 and RTMR1', () => {
    const r = custodian('verify', join(VECTORS, 'tdx/quotes/tdx_v4_50806f_trustee_debug.bin'), '--collateral', join(VECTORS, 'formats/trustee/tdx-ccel/CCEL_data'), '--json');
    const a = JSON.parse(r.stdout);
    expect(check(a, 'eventlog.rtmr0').status).toBe('fail');
    expect(check(a, 'eventlog.rtmr1').status).toBe('fail');
    expect(check(a, 'eventlog.rtmr0').detail).toContain('2dc712306a963eadb894ad47dbaa17df44814151555aee11cbb843becca88950ffd079664902e6f22c66f7c8213543f4');
  });
});

describe('a CC event log among the inputs (console and Batch)', () => {
  const { log } = makeCcel(events('console=ttyS0'));

  it('is recognised by content and endorses TDX quotes only', () => {
    expect(classify(log)).toBe('event-log');
    expect(classify(readFileSync(join(VECTORS, 'formats/trustee/tdx-ccel/CCEL_data')))).toBe('event-log');
    expect(slotFor('tdx-quote', 'event-log')).toBe('endorsements');
    expect(endorses('sev-snp-report', 'event-log')).toBe(false);
    expect(endorses('sgx-quote', 'event-log')).toBe(false);
  });

  it('Trustee TDX evidence JSON {quote, cc_eventlog}: the log becomes an endorsement, with no "not replayed" note', () => {
    const quote = readFileSync(join(VECTORS, 'tdx/quotes/tdx_v4_50806f_trustee_debug.bin'));
    const doc = { cc_eventlog: Buffer.from(log).toString('base64'), quote: quote.toString('base64') };
    const e = openEnvelope({ name: 'tdx.json', bytes: Buffer.from(JSON.stringify(doc)) })!;
    expect(e.endorsements.map((f) => f.name)).toEqual(['tdx.json#$.cc_eventlog']);
    expect(Buffer.from(e.endorsements[0]!.bytes).equals(Buffer.from(log))).toBe(true);
    expect(e.notes).toEqual([]);
  });
});
