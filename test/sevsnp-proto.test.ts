/**
 * go-sev-guest's `sevsnp.Attestation` / `sevsnp.Report` protobuf (binary and text format) as SEV-SNP
 * evidence (issue 16 item 1). The inputs are written by go-sev-guest's own code
 * (fixtures/go-sev-guest-proto: abi.ReportToProto + proto.Marshal / prototext.Marshal, as its `attest`
 * tool does) over the project's synthetic fixtures, so the reader is proven against the other side's
 * writer. Rule under test: every envelope gives the verdict its raw form gives.
 * Threats: a protobuf that lost or changed a signed field must not pass (the rebuilt bytes are what
 * is judged); a truncated, garbled, deeply nested or huge file must give a clear error naming the
 * file and the field, never a crash; another format must not be taken for it.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { core, file, FIXTURES, GO, inputError, ROOT, SNP, status, verify } from './helpers.ts';
import { openEnvelope, sniffSevsnpProto } from '../electron/evidence/envelopes.ts';
import { appraiseFiles } from '../electron/evidence/inspect.ts';
import type { Appraisal, NamedBytes } from '../electron/core/appraisal.ts';
import { InputError } from '../electron/core/errors.ts';

const G = join(FIXTURES, 'go-sev-guest');
const pki = (name: string) => file(join(FIXTURES, 'pki', name));
const anchor = [pki('ark.pem')];
const crl = pki('crl-empty.der');
const statuses = (a: Appraisal) => a.checks.map((c) => `${c.id}:${c.status}`);
const open = (f: NamedBytes) => {
  const e = openEnvelope(f, core);
  if (!e) throw new Error(`${f.name} was not recognised as go-sev-guest protobuf`);
  return e;
};
/** The core's appraisal of an opened envelope with `extra` endorsements, under the TEST anchor. */
const appraiseOpened = (f: NamedBytes, extra: NamedBytes[] = []) => {
  const e = open(f);
  return verify({ evidence: e.evidence, endorsements: [...e.endorsements, ...extra, crl], testAnchors: anchor });
};
/** The raw fixture case: report.bin with its VCEK and the TEST ASK/ARK. */
const raw = (c: string) => verify({ evidence: file(join(FIXTURES, c, 'report.bin')), endorsements: [file(join(FIXTURES, c, 'vcek.der')), pki('cert_chain.pem'), crl], testAnchors: anchor });

describe('go-sev-guest Attestation protobuf, written by go-sev-guest over the synthetic fixtures', () => {
  it.each(['valid', 'debug'])('%s: binary and text Attestation give exactly the checks and verdict of the raw report + chain', (c) => {
    const want = raw(c);
    for (const ext of ['pb', 'textproto']) {
      const f = file(join(G, `${c}.${ext}`));
      const e = open(f);
      expect(Buffer.from(e.evidence.bytes).equals(readFileSync(join(FIXTURES, c, 'report.bin'))), `${ext}: rebuilt report bytes`).toBe(true);
      expect(e.endorsements.map((x) => x.name.replace(/^.*#/, ''))).toEqual(['certificate_chain.vcek_cert(VCEK)', 'certificate_chain.ask_cert(ASK)', 'certificate_chain.ark_cert(ARK)']);
      const a = appraiseOpened(f);
      expect(statuses(a), ext).toEqual(statuses(want));
      expect(a.verdict, ext).toBe(want.verdict);
    }
    expect(want.verdict).toBe(c === 'valid' ? 'affirming' : 'contraindicated');
  });

  it('the forms are named, and what is not appraised (product) is said', () => {
    expect(open(file(join(G, 'valid.pb'))).form).toBe('go-sev-guest Attestation protobuf (binary)');
    const t = open(file(join(G, 'valid.textproto')));
    expect(t.form).toBe('go-sev-guest Attestation protobuf (text format)');
    expect(t.notes.join('\n')).toMatch(/product: SEV_PRODUCT_MILAN .*not used/);
  });

  it('a file from a newer go-sev-guest: the fields this schema lacks are named in a note, and the verdict is the raw report\'s', () => {
    const pb = readFileSync(join(G, 'valid.pb'));
    const newer = { name: 'newer.pb', bytes: Buffer.concat([pb, Buffer.from([0x88, 0x01, 0x05, 0xa2, 0x01, 0x03, 0x61, 0x62, 0x63])]) };
    expect(open(newer).notes).toContain("9 bytes of fields unknown to go-sev-guest v0.15's sevsnp.proto were not read: Attestation field 17 (varint), Attestation field 20 (length-delimited)");
    expect(appraiseOpened(newer).verdict).toBe('affirming');
  });

  it('a bare Report (attest without -extended) appraises with the chain given beside it, as the raw report does', () => {
    for (const ext of ['pb', 'textproto']) {
      const e = open(file(join(G, `valid-report.${ext}`)));
      expect(e.form).toMatch(/^go-sev-guest Report protobuf/);
      expect(e.endorsements).toEqual([]);
      const a = verify({ evidence: e.evidence, endorsements: [file(join(FIXTURES, 'valid', 'vcek.der')), pki('cert_chain.pem'), crl], testAnchors: anchor });
      expect(statuses(a)).toEqual(statuses(raw('valid')));
    }
  });

  it("the console's and Batch's appraisal path opens it too (appraiseFiles)", () => {
    const r = appraiseFiles(core, { files: [file(join(G, 'valid.textproto')), crl], testAnchors: anchor, policy: null, referenceTime: '2025-12-01T00:00:00Z' });
    expect(r.appraisal.verdict).toBe('affirming');
  });
});

describe('a protobuf that lost or changed a signed field is not trusted (the envelope lost information)', () => {
  it('binary: one flipped bit in measurement fails the report signature', () => {
    const b = Buffer.from(readFileSync(join(G, 'valid.pb')));
    const m = b.indexOf(readFileSync(join(FIXTURES, 'valid', 'report.bin')).subarray(0x90, 0xc0));
    expect(m).toBeGreaterThan(0);
    b[m + 5]! ^= 1;
    const f = { name: 'tampered.pb', bytes: b };
    const a = appraiseOpened(f);
    expect(status(a, 'report.signature')).toBe('fail');
    expect(a.verdict).toBe('contraindicated');
    expect(open(f).notes.join(' ')).toMatch(/protobuf lost or changed a signed field/);
  });

  it('text: a changed guest_svn fails the report signature', () => {
    const t = readFileSync(join(G, 'valid.textproto'), 'utf8');
    expect(t).toMatch(/guest_svn:\s*1\b/);
    const a = appraiseOpened({ name: 'tampered.textproto', bytes: Buffer.from(t.replace(/guest_svn:\s*1\b/, 'guest_svn:2')) });
    expect(status(a, 'report.signature')).toBe('fail');
  });

  it('a changed cpuid1eax_fms (the signed family/model/stepping bytes) fails the report signature', () => {
    const t = readFileSync(join(G, 'valid.textproto'), 'utf8');
    const fms = /cpuid1eax_fms:\s*(\d+)/.exec(t);
    expect(fms).not.toBeNull();
    const a = appraiseOpened({ name: 'fms.textproto', bytes: Buffer.from(t.replace(/cpuid1eax_fms:\s*\d+/, `cpuid1eax_fms:${Number(fms![1]) ^ 1}`)) });
    expect(status(a, 'report.signature')).toBe('fail');
  });
});

describe('bad input: a clear error naming the file and the field, never a crash', () => {
  it('truncated binary names the file and the message.field where it broke', () => {
    const b = readFileSync(join(G, 'valid.pb'));
    const e = inputError(() => openEnvelope({ name: 'cut.pb', bytes: b.subarray(0, 900) }, core));
    expect(e.file).toBe('cut.pb');
    expect(e.field).toMatch(/^Attestation\.report/);
    expect(e.message).toMatch(/not a valid go-sev-guest protobuf/);
  });

  it('a field of the wrong size names that field', () => {
    const t = readFileSync(join(G, 'valid.textproto'), 'utf8').replace(/measurement:"(?:[^"\\]|\\.)*"/, 'measurement:"short"');
    const e = inputError(() => openEnvelope({ name: 'short.textproto', bytes: Buffer.from(t) }, core));
    expect([e.file, e.field]).toEqual(['short.textproto', 'report.measurement']);
    expect(e.message).toMatch(/5 bytes; 48 expected/);
  });

  it('garbled or truncated text names the line and column', () => {
    const t = readFileSync(join(G, 'valid.textproto'), 'utf8');
    const e = inputError(() => openEnvelope({ name: 'half.textproto', bytes: Buffer.from(t.slice(0, t.length / 2)) }, core));
    expect(e.file).toBe('half.textproto');
    expect(e.field).toMatch(/^text format/);
    const typo = inputError(() => openEnvelope({ name: 'typo.textproto', bytes: Buffer.from('report {\n  measurment: "x"\n}\n') }, core));
    expect(typo.field).toBe('text format, line 2 column 3');
    expect(typo.message).toMatch(/measurment/);
  });

  it('deep nesting, Any bodies and huge input are refused by a bounded check', () => {
    const deep = inputError(() => openEnvelope({ name: 'deep.textproto', bytes: Buffer.from(`report ${'{'.repeat(200_000)}`) }, core));
    expect(deep.message).toMatch(/nested deeper than 8/);
    const any = inputError(() => openEnvelope({ name: 'any.textproto', bytes: Buffer.from('report { [type.googleapis.com/sevsnp.Report] { version: 3 } }') }, core));
    expect(any.message).toMatch(/Any/);
    const huge = inputError(() => openEnvelope({ name: 'huge.textproto', bytes: Buffer.from(`report { ${' '.repeat(2 << 20)} }`) }, core));
    expect(huge.message).toMatch(/larger than 1048576, refused/);
  });

  it('an Attestation without a report says so', () => {
    const e = inputError(() => openEnvelope({ name: 'chain-only.textproto', bytes: Buffer.from('certificate_chain { vcek_cert: "x" }') }, core));
    expect([e.file, e.field]).toEqual(['chain-only.textproto', 'report']);
  });
});

describe('mutants of both forms (seeded): each opens, returns null or throws an InputError naming the file', () => {
  /** mulberry32: a small seeded PRNG (test inputs only, not cryptography). */
  const prng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  it.each(['valid.pb', 'valid.textproto', 'valid-report.pb', 'valid-report.textproto'])('%s', (name) => {
    const seed = readFileSync(join(G, name));
    const rnd = prng(0xc0ffee);
    const n = (k: number) => Math.floor(rnd() * k);
    for (let i = 0; i < 1500; i++) {
      const m = Buffer.from(seed);
      const op = n(3);
      let b: Buffer = m;
      if (op === 0) b = m.subarray(0, n(m.length));
      else if (op === 1) for (let k = 0; k <= n(4); k++) { const at = n(m.length); m[at] = m[at]! ^ (1 << n(8)); }
      else {
        const [x, y] = [n(m.length), n(m.length)].sort((p, q) => p - q);
        b = Buffer.concat([m.subarray(0, x), m.subarray(x, y), m.subarray(x)]);
      }
      try {
        openEnvelope({ name: `m${i}`, bytes: b }, core);
      } catch (e) {
        if (!(e instanceof InputError) || e.file !== `m${i}`) throw new Error(`mutant ${i} (op ${op}) of ${name}: ${String(e)}`);
      }
    }
  });
});

describe('other formats are not taken for go-sev-guest protobuf', () => {
  it.each([
    ['raw report', () => readFileSync(join(FIXTURES, 'valid', 'report.bin'))],
    ['extended report', () => readFileSync(join(FIXTURES, 'extended-report', 'report.bin'))],
    ['DER certificate', () => readFileSync(join(FIXTURES, 'valid', 'vcek.der'))],
    ['PEM chain', () => readFileSync(join(FIXTURES, 'pki', 'cert_chain.pem'))],
    ['TDX quote', () => readFileSync(join(ROOT, 'fixtures', 'tdx', 'sample', 'quote.bin'))],
    ['JSON', () => Buffer.from('\n{"report": {"version": 3}}')],
    ['YAML-ish text', () => Buffer.from('version: 3\nname: x\n')],
    ['text with a leading blank line', () => Buffer.from('\n\nhello')],
  ])('%s', (_, bytes) => {
    expect(sniffSevsnpProto(bytes())).toBeNull();
  });

  it('unrelated JSON still gets the JSON envelope answer, not a protobuf error', () => {
    expect(openEnvelope({ name: 'p.json', bytes: Buffer.from('{"snp":{}}') }, core)).toBeNull();
  });
});

describe('the CLI (custodian verify) opens both forms', () => {
  const custodian = (...args: string[]) => spawnSync(join(ROOT, 'bin', 'custodian'), args, { cwd: ROOT, encoding: 'utf8' });
  it('an Attestation in text format verifies with its own chain and says what it was', () => {
    const r = custodian('verify', join(G, 'valid.textproto'), '--crl', join(FIXTURES, 'pki', 'crl-empty.der'), '--test-anchor', join(FIXTURES, 'pki', 'ark.pem'), '--at', '2025-12-01T00:00:00Z', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/is\s+go-sev-guest\s+Attestation\s+protobuf\s+\(text\s+format\)/); // wrapped at 80 columns where the path ends
    expect(JSON.parse(r.stdout).verdict).toBe('affirming');
  });
  it('a truncated binary is exit 2 naming the file and the field', () => {
    const cut = join(mkdtempSync(join(tmpdir(), 'gsg-cut-')), 'cut.pb');
    writeFileSync(cut, readFileSync(join(G, 'valid.pb')).subarray(0, 900));
    const r = custodian('verify', cut);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${cut}: Attestation.report: not a valid go-sev-guest protobuf`);
  });
});

/** [case folder under ../shared/vectors/snp, product roots, CRL or null, signing-key flag and file]: v2, v3, v5 (Turin layout), VLEK. */
const REAL: [string, string, string | null, string, string][] = [
  ['milan/routex-v3', 'milan', 'milan_vcek_crl.der', '-vcek', 'vcek.der'],
  ['milan/gsg-v2-debug', 'milan', 'milan_vcek_crl.der', '-vcek', 'vcek.der'],
  ['genoa/routex-v3', 'genoa', 'genoa_vcek_crl.der', '-vcek', 'vcek.der'],
  ['turin/routex-v5', 'turin', null, '-vcek', 'vcek.der'],
  ['vlek/milan-aws-v3', 'milan', null, '-vlek', 'vlek.der'],
];
const HAVE_REAL = existsSync(join(SNP, 'manifest.json'));
if (!GO) console.warn('*** no Go toolchain: the go-sev-guest protobuf tests over real reports are SKIPPED ***');
if (!HAVE_REAL) console.warn(`*** ${SNP} not found: the go-sev-guest protobuf tests over real reports are SKIPPED ***`);

describe.skipIf(!GO || !HAVE_REAL)('go-sev-guest protobuf of real reports (made at test time by go-sev-guest)', () => {
  it.each(REAL)('%s: binary and text give exactly the checks of the raw report + chain', (c, product, crlName, keyFlag, keyFile) => {
    const dir = join(SNP, c);
    const roots = join(SNP, 'roots', product);
    const ask = keyFlag === '-vlek' ? join(roots, 'asvk.der') : join(roots, 'ask.der');
    const out = join(mkdtempSync(join(tmpdir(), 'gsg-proto-')), 'real');
    const r = spawnSync(GO!, ['run', '.', '-report', join(dir, 'report.bin'), keyFlag, join(dir, keyFile), '-ask', ask, '-ark', join(roots, 'ark.der'), '-product', product, '-out', out], {
      cwd: join(ROOT, 'fixtures', 'go-sev-guest-proto'),
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=readonly' },
      timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const crls = crlName ? [file(join(SNP, 'crl', crlName))] : [];
    const want = verify({ evidence: file(join(dir, 'report.bin')), endorsements: [file(join(dir, keyFile)), file(ask), file(join(roots, 'ark.der')), ...crls] });
    expect(status(want, 'report.signature')).toBe('pass');
    for (const ext of ['pb', 'textproto']) {
      const e = open(file(`${out}.${ext}`));
      expect(Buffer.from(e.evidence.bytes).equals(readFileSync(join(dir, 'report.bin')).subarray(0, 0x4a0)), `${ext}: rebuilt bytes`).toBe(true);
      const a = verify({ evidence: e.evidence, endorsements: [...e.endorsements, ...crls] });
      expect(statuses(a), ext).toEqual(statuses(want));
      expect(a.verdict).toBe(want.verdict);
    }
  }, 320_000);
});
