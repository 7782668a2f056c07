/**
 * Pairing by identity (electron/evidence/pairing.ts) on hand-made identities, so each rule is seen
 * alone: one item per want, the same item in two files is one candidate, several different items are
 * tried and the best used with a warning, exclusive kinds never mix, a product decided by the VEK
 * narrows the later wants, and "nearest" wants look beside the evidence first.
 */
import { describe, expect, it } from 'vitest';
import type { Identity, Offer } from '../../electron/core/appraisal.ts';
import { EndorsementPool, pair, type Trial } from '../../electron/evidence/pairing.ts';

const offer = (key: string, digest: string, issued?: number): Offer => ({ key, digest, what: key, ...(issued === undefined ? {} : { issued }) });
const file = (path: string, ...offers: Offer[]) => ({ path, identity: { what: path, offers, wants: [] } as Identity });
const evidence = (...wants: Identity['wants']): Identity => ({ what: 'evidence', offers: [], wants });
const noTrial: Trial = () => {
  throw new Error('no trial expected');
};
const T = 1_800_000_000;
/** A trial result with these failing ids, `warns` warning and `skips` skipped checks. */
const result = (fail: string[], warns = 0, skips = 0) => ({ fail, warn: Array.from({ length: warns }, (_, i) => `w${i}`), skip: Array.from({ length: skips }, (_, i) => `s${i}`) });

describe('pair', () => {
  it('uses one file per want and says why; a want nothing offers is left out', () => {
    const pool = new EndorsementPool([file('/a/vcek.der', offer('vcek:1', 'd1')), file('/b/other.der', offer('vcek:2', 'd2')), file('/a/crl.der', offer('crl:x', 'd3'))]);
    const p = pair('/a/report.bin', evidence({ keys: ['vcek:1'], what: 'the VCEK' }, { keys: ['crl:x'], what: 'the CRL' }, { keys: ['ask:1'], what: 'the ASK' }), pool, T, noTrial);
    expect(p.files).toEqual(['/a/vcek.der', '/a/crl.der']);
    expect(p.notes).toEqual([
      { level: 'info', text: '/a/vcek.der: vcek:1, for the VCEK' },
      { level: 'info', text: '/a/crl.der: crl:x, for the CRL' },
    ]);
  });

  it('one item in two files (DER and PEM) is one candidate: the nearest is used, with no warning', () => {
    const pool = new EndorsementPool([file('/far/x/vcek.pem', offer('vcek:1', 'same')), file('/a/vcek.der', offer('vcek:1', 'same'))]);
    const p = pair('/a/report.bin', evidence({ keys: ['vcek:1'], what: 'the VCEK' }), pool, T, noTrial);
    expect(p.files).toEqual(['/a/vcek.der']);
    expect(p.notes.every((n) => n.level === 'info')).toBe(true);
  });

  it('a genuine and a tampered RIM of one version: each is tried, the one with fewer failing checks is used, and the warning names both (threat: a planted look-alike)', () => {
    const pool = new EndorsementPool([file('/a/rim-TAMPERED.xml', offer('rim:1.0', 'bad')), file('/a/rim.xml', offer('rim:1.0', 'good'))]);
    const tried: string[][] = [];
    const trial: Trial = (files) => {
      tried.push(files);
      return files.includes('/a/rim.xml') ? result([], 1) : result(['rim.signature', 'measurements'], 1);
    };
    const p = pair('/a/report.hex', evidence({ keys: ['rim:1.0'], what: 'the RIM' }), pool, T, trial);
    expect(p.files).toEqual(['/a/rim.xml']);
    expect(tried).toHaveLength(2);
    expect(p.notes[0]).toEqual({ level: 'warning', text: '2 different files fit the RIM: used /a/rim.xml (0 failing; 1 warning); not used: /a/rim-TAMPERED.xml (2 failing: rim.signature, measurements; 1 warning)' });
  });

  it('a forged signature outweighs an expiry: at an old reference time the genuine RIM certificate has expired, and it is still the one used (threat: a planted RIM that only fails its signature)', () => {
    const pool = new EndorsementPool([file('/a/rim-TAMPERED.xml', offer('rim:1.0', 'bad')), file('/a/rim.xml', offer('rim:1.0', 'good'))]);
    const trial: Trial = (files) => (files.includes('/a/rim.xml') ? result(['rim.chain.validity'], 1) : result(['rim.signature'], 1, 2));
    expect(pair('/a/report.hex', evidence({ keys: ['rim:1.0'], what: 'the RIM' }), pool, T, trial).files).toEqual(['/a/rim.xml']);
    // With equal failures, the one that leaves fewer checks skipped wins.
    const skips: Trial = (files) => (files.includes('/a/rim.xml') ? result(['x.signature'], 0, 0) : result(['x.signature'], 0, 2));
    expect(pair('/a/report.hex', evidence({ keys: ['rim:1.0'], what: 'the RIM' }), pool, T, skips).files).toEqual(['/a/rim.xml']);
  });

  it('on a tie the newest issued at or before the reference time wins; one issued after it comes last', () => {
    const pool = new EndorsementPool([
      file('/c/old.json', offer('tcbinfo:F', 'old', T - 1000)),
      file('/c/new.json', offer('tcbinfo:F', 'new', T - 10)),
      file('/c/future.json', offer('tcbinfo:F', 'future', T + 10)),
    ]);
    const p = pair('/q/quote.bin', evidence({ keys: ['tcbinfo:F'], what: 'TCB Info' }), pool, T, () => result(['tcb.status']));
    expect(p.files).toEqual(['/c/new.json']);
    expect(p.notes[0]!.text).toContain('not used: /c/old.json (1 failing: tcb.status; 0 warning), /c/future.json (1 failing: tcb.status; 0 warning)');
  });

  it('a bundle already used excludes another item of an exclusive kind (a second TCB Info would be refused), but CRLs of other issuers still join', () => {
    const pool = new EndorsementPool([
      file('/c/bundle.json', offer('tcbinfo:F', 'tA'), offer('qeid:TD_QE', 'qA')),
      file('/c/raw-qeid.json', offer('qeid:TD_QE', 'qB')),
      file('/c/other-fmspc.json', offer('tcbinfo:G', 'tG'), offer('crl:root', 'r1')),
      file('/c/root.crl', offer('crl:root', 'r1')),
    ]);
    const p = pair('/q/quote.bin', evidence({ keys: ['tcbinfo:F'], what: 'TCB Info' }, { keys: ['qeid:TD_QE'], what: 'QE Identity' }, { keys: ['crl:root'], what: 'root CRL' }), pool, T, noTrial);
    expect(p.files).toEqual(['/c/bundle.json', '/c/root.crl']);
  });

  it('once the VEK decides the product, later wants keep that product only (a v2 report names none)', () => {
    const pool = new EndorsementPool([file('/r/vcek.der', offer('vcek:Genoa:1', 'v')), file('/k/milan-ask.pem', offer('ask:Milan', 'm')), file('/k/genoa-ask.pem', offer('ask:Genoa', 'g'))]);
    const variants = ['Milan', 'Genoa'];
    const p = pair('/r/report.bin', evidence({ keys: ['vcek:Milan:1', 'vcek:Genoa:1'], what: 'the VCEK', variants }, { keys: ['ask:Milan', 'ask:Genoa'], what: 'the ASK', variants }), pool, T, noTrial);
    expect(p.files).toEqual(['/r/vcek.der', '/k/genoa-ask.pem']);
  });

  it('a v2 report whose VEK is nowhere: its ASK and CRL are not guessed among the products', () => {
    const pool = new EndorsementPool([file('/k/milan-ask.pem', offer('ask:Milan', 'm')), file('/k/genoa-ask.pem', offer('ask:Genoa', 'g'))]);
    const variants = ['Milan', 'Genoa'];
    const p = pair('/r/report.bin', evidence({ keys: ['vcek:Milan:1', 'vcek:Genoa:1'], what: 'the VCEK', variants }, { keys: ['ask:Milan', 'ask:Genoa'], what: 'the ASK', variants }), pool, T, noTrial);
    expect(p).toEqual({ files: [], notes: [], rejected: [] });
  });

  it('an ambiguous want is tried after the unambiguous ones, so its trials include them (the device chain before the RIM)', () => {
    const pool = new EndorsementPool([file('/a/rim-1.xml', offer('rim:1', 'r1')), file('/a/rim-2.xml', offer('rim:1', 'r2')), file('/a/chain.pem', offer('chain', 'c'))]);
    const tried: string[][] = [];
    const trial: Trial = (files) => (tried.push(files), result([]));
    const p = pair('/a/report.hex', evidence({ keys: ['rim:1'], what: 'the RIM' }, { keys: ['chain'], what: 'the chain' }), pool, T, trial);
    expect(tried).toEqual([['/a/chain.pem', '/a/rim-1.xml'], ['/a/chain.pem', '/a/rim-2.xml']]);
    expect(p.files).toEqual(['/a/chain.pem', '/a/rim-1.xml']);
  });

  it('a "nearest" want (a report with no FWID) considers only the chains nearest the evidence', () => {
    const pool = new EndorsementPool([file('/n/gpu1/chain.pem', offer('chain', 'c1')), file('/n/gpu2/chain.pem', offer('chain', 'c2'))]);
    const p = pair('/n/gpu2/report.hex', evidence({ keys: ['chain'], what: 'the device chain', nearest: true }), pool, T, noTrial);
    expect(p.files).toEqual(['/n/gpu2/chain.pem']);
  });

  it('an alternative the core cannot read with counts as worst, never as best', () => {
    const pool = new EndorsementPool([file('/a/x.pem', offer('chain:1', 'x')), file('/a/y.pem', offer('chain:1', 'y'))]);
    const trial: Trial = (files) => (files.includes('/a/x.pem') ? null : result(['a', 'b', 'c', 'd', 'e']));
    const p = pair('/a/r.hex', evidence({ keys: ['chain:1'], what: 'the chain' }), pool, T, trial);
    expect(p.files).toEqual(['/a/y.pem']);
    expect(p.notes[0]!.text).toContain('/a/x.pem (unreadable with it)');
  });

  it('the evidence file itself is never its own endorsement', () => {
    const pool = new EndorsementPool([file('/a/hcl.bin', offer('hcl:1', 'h'))]);
    expect(pair('/a/hcl.bin', evidence({ keys: ['hcl:1'], what: 'itself' }), pool, T, noTrial).files).toEqual([]);
  });
});
