/**
 * `custodian` output and errors as a user meets them (issue 15, item 7): the summary line first, the
 * problems before the rest, 80 columns when piped, colour only when asked for, one test per mistake a
 * user makes (swapped arguments, a Markdown file, Intel collateral given to an SEV-SNP report, an AMD
 * certificate given to NVIDIA evidence, a flag typo, an input that is not used), help and version,
 * the URLs of missing endorsements, --strict, and a closed output pipe.
 * Threats: a verdict misread because the failing check is buried or cut off; a script that treats a
 * WARNING as success; a wrong input silently ignored (the user believes it was checked); stack traces
 * and raw parser text where a sentence is due.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../electron/core/errors.ts';
import { renderText } from '../electron/cli/render.ts';
import { colorEnabled, terminalWidth, ungroupHex, groupHex, wrap } from '../electron/cli/text.ts';
import { closest } from '../electron/cli/flags.ts';
import { helpFor } from '../electron/cli/help.ts';
import { classify } from '../electron/evidence/classify.ts';
import { planAppraisal } from '../electron/evidence/select.ts';
import { core, FIXTURES, HAVE_VECTORS, ROOT, SNP, VECTORS } from './helpers.ts';
import { vectorCases } from './vectors/cases.ts';
import { custodian as vaultCli, passphraseOf, put, tmp } from './vault/helpers.ts';

const BIN = join(ROOT, 'bin', 'custodian');
const dir = tmp('cli-output');
const fx = (...p: string[]) => join(FIXTURES, ...p);
const AT = ['--at', '2025-12-01T00:00:00Z'];
const PKI = ['--chain', fx('pki', 'cert_chain.pem'), '--test-anchor', fx('pki', 'ark.pem'), ...AT];
const CRL = ['--crl', fx('pki', 'crl-empty.der')];
const TDX = join(VECTORS, 'tdx');
const NV = join(VECTORS, 'nvidia', 'gpu-hopper', 'h100-545.00-nonce4cff');

/** Runs bin/custodian piped (stdout and stderr are pipes), with `env` over a colour-neutral environment. */
function run(args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env };
  delete base.FORCE_COLOR;
  delete base.NO_COLOR;
  const r = spawnSync(BIN, args, { cwd: ROOT, encoding: 'utf8', env: { ...base, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr, no stack trace, nothing on stdout: how every input error must look. */
function oneLineError(r: ReturnType<typeof run>, message: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at |ERR_PARSE_ARGS|To specify a positional argument/);
  expect(r.stdout).toBe('');
}

const tooWide = (text: string, width = 80) => text.split('\n').filter((l) => l.length > width);

describe('custodian verify: reason first', () => {
  it('prints the summary line first: verdict, failing ids, warning ids (debug fixture without a CRL)', () => {
    const r = run(['verify', fx('debug', 'report.bin'), '--chain', fx('debug', 'vcek.der'), ...PKI]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('CONTRAINDICATED — 1 failing: policy.debug; 1 warning: crl.revocation');
    // The failing check comes before the warning, both before the claims; passing checks only counted.
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/^ {2}FAIL {2}policy\.debug/)).toBeGreaterThan(0);
    expect(at(/^ {2}WARN {2}crl\.revocation/)).toBeGreaterThan(at(/FAIL {2}policy\.debug/));
    expect(at(/^Claims:/)).toBeGreaterThan(at(/WARN {2}crl\.revocation/));
    expect(r.stdout).not.toMatch(/^ {2}PASS /m);
    expect(r.stdout).toMatch(/35 checks: 20 passed, 13 skipped, 1 failing, 1 warning \(--all lists them all\)/);
  });

  it('--all lists the passed and skipped checks too, after the problems', () => {
    const r = run(['verify', fx('debug', 'report.bin'), '--chain', fx('debug', 'vcek.der'), ...PKI, '--all']);
    expect(r.stdout.split('\n')[0]).toMatch(/^CONTRAINDICATED — /);
    expect(r.stdout).toMatch(/^ {2}PASS {2}report\.signature/m);
    expect(r.stdout.indexOf('PASS  report.signature')).toBeGreaterThan(r.stdout.indexOf('FAIL  policy.debug'));
  });

  it('a clean appraisal says so in one line: AFFIRMING and the counts', () => {
    const r = run(['verify', fx('valid', 'report.bin'), '--chain', fx('valid', 'vcek.der'), ...PKI, ...CRL]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^AFFIRMING — \d+ checks passed, \d+ skipped$/);
  });

  it('the summary line names as many ids as fit in 80 columns, then "+N more"', () => {
    const r = run(['verify', fx('valid', 'report.bin'), ...AT]);
    const first = r.stdout.split('\n')[0]!;
    expect(first).toMatch(/^CONTRAINDICATED — 5 failing: chain\.vek\.present, .*\+\d+ more$/);
    expect(first.length).toBeLessThanOrEqual(80);
  });
});

describe('--strict: a WARNING can fail a script', () => {
  const warning = ['verify', fx('valid', 'report.bin'), '--chain', fx('valid', 'vcek.der'), ...PKI]; // no CRL: crl.revocation warns

  it('WARNING exits 0 by default and 1 with --strict; AFFIRMING exits 0 and CONTRAINDICATED 1 either way', () => {
    expect(run(warning).stdout).toMatch(/^WARNING — 1 warning: crl\.revocation/);
    expect(run(warning).code).toBe(0);
    expect(run([...warning, '--strict']).code).toBe(1);
    expect(run([...warning, '--strict', '--json']).code).toBe(1);
    expect(run([...warning, ...CRL, '--strict']).code).toBe(0);
    expect(run(['verify', fx('debug', 'report.bin'), '--chain', fx('debug', 'vcek.der'), ...PKI, ...CRL, '--strict']).code).toBe(1);
  });

  it('--help says which code --strict uses', () => {
    expect(run(['verify', '--help']).stdout).toMatch(/1 contraindicated \(or warning, with\s+--strict\)/);
  });
});

describe('80 columns when piped, colour only when asked for', () => {
  it('piped output is 80 columns wide and has no colour; a terminal\'s own width and colour otherwise', () => {
    expect(terminalWidth({ isTTY: false })).toBe(80);
    expect(terminalWidth({ isTTY: true, columns: 120 })).toBe(120);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
  });

  it('bin/custodian piped: no escape codes, unless FORCE_COLOR asks for them', () => {
    const args = ['verify', fx('debug', 'report.bin'), '--chain', fx('debug', 'vcek.der'), ...PKI];
    expect(run(args).stdout).not.toContain('\u001b[');
    expect(run(args, { NO_COLOR: '1' }).stdout).not.toContain('\u001b[');
    const forced = run(args, { FORCE_COLOR: '1' }).stdout;
    expect(forced).toContain('\u001b[31mFAIL\u001b[39m');
    // Colour never changes the text: without the escapes it is the piped output.
    expect(forced.replace(/\u001b\[\d+m/g, '')).toBe(run(args).stdout);
  });

  it.each(['valid', 'debug', 'expired-vcek', 'extended-report', 'hwid-octet-string', 'revoked-ask', 'wrong-chip-id'])('every line fits 80 columns: fixture %s (with and without --all)', (name) => {
    const chain = name === 'extended-report' ? [] : ['--chain', fx(name, 'vcek.der')];
    const crl = name === 'revoked-ask' ? ['--crl', fx(name, 'crl.der')] : CRL;
    for (const extra of [[], ['--all']]) {
      const r = run(['verify', fx(name, 'report.bin'), ...chain, ...PKI, ...crl, ...extra]);
      expect(r.code, r.stderr).not.toBe(2);
      expect(r.stdout.split('\n')[0]).toMatch(/^(AFFIRMING|WARNING|CONTRAINDICATED) — /);
      expect(tooWide(r.stdout)).toEqual([]);
    }
  });

  const cases = vectorCases();
  it.skipIf(!HAVE_VECTORS || cases.length === 0)(`every ../shared/vectors case, at each of its reference times, starts with its summary line and fits 80 columns (${cases.length} cases)`, () => {
    let rendered = 0;
    for (const c of cases) {
      for (const at of c.at) {
        let a;
        try {
          a = core.verify({ ...c.req, referenceTime: at });
        } catch (e) {
          expect(e, c.label).toBeInstanceOf(InputError); // an input error is one stderr line, tested elsewhere
          continue;
        }
        // The options main() chooses for a pipe: 80 columns, no colour.
        for (const all of [false, true]) {
          const text = renderText(a, c.req.evidence.name.split('/').pop()!, { all, color: colorEnabled({ isTTY: false }, {}), width: terminalWidth({ isTTY: false }) });
          expect(text.split('\n')[0], c.label).toMatch(new RegExp(`^${a.verdict.toUpperCase()} — `));
          expect(tooWide(text), `${c.label} @ ${at.toISOString()}${all ? ' --all' : ''}`).toEqual([]);
          if (all) for (const k of a.checks) expect(text, `${c.label}: ${k.id}`).toContain(k.id);
        }
        rendered++;
      }
    }
    expect(rendered).toBeGreaterThan(50);
  });

  it.skipIf(!HAVE_VECTORS)('bin/custodian on real SNP, TDX and NVIDIA vectors, piped: summary line first, 80 columns', () => {
    const runs = [
      ['verify', join(SNP, 'milan/routex-v3/report.bin'), '--chain', join(SNP, 'milan/routex-v3/vcek.der'), ...AT, '--all'],
      ['verify', join(TDX, 'quotes/tdx_v5_td15_90c06f_gotdx.bin'), '--collateral', join(TDX, 'collateral/dcapqvl_2026-02_90C06F.json'), '--at', '2026-03-01T00:00:00Z', '--all'],
      ['verify', join(NV, 'report.hex'), '--chain', join(NV, 'cert-chain.pem'), '--at', '2025-06-01T00:00:00Z', '--all'],
    ];
    for (const args of runs) {
      const r = run(args);
      expect(r.stdout.split('\n')[0]).toMatch(/^(AFFIRMING|WARNING|CONTRAINDICATED) — /);
      expect(tooWide(r.stdout)).toEqual([]);
      expect(tooWide(r.stderr)).toEqual([]);
    }
  });

  it('wrap keeps words whole, cuts only what cannot fit (hex at 8-digit steps), and keeps column gaps', () => {
    expect(wrap('aaa bbb ccc', 7, 0)).toEqual(['aaa bbb', 'ccc']);
    expect(wrap('x '.repeat(3) + 'f'.repeat(40), 20, 2)).toEqual(['x x x', `  ${'f'.repeat(16)}`, `  ${'f'.repeat(16)}`, `  ${'f'.repeat(8)}`]);
    expect(wrap('GPU-0     warning', 80, 2)).toEqual(['GPU-0     warning']);
  });
});

describe('one notation per field', () => {
  it.skipIf(!HAVE_VECTORS)('TD_ATTRIBUTES and XFAM read as the checks write them (0x and the 64-bit value), not as their bytes', () => {
    const r = run(['verify', join(TDX, 'quotes/tdx_v5_td15_90c06f_gotdx.bin'), '--collateral', join(TDX, 'collateral/dcapqvl_2026-02_90C06F.json'), '--at', '2026-03-01T00:00:00Z', '--all']);
    const check = /TD_ATTRIBUTES (0x[0-9a-f]{16}) sets no reserved bit/.exec(r.stdout.replace(/\n\s+/g, ' '))![1]!;
    expect(r.stdout).toMatch(new RegExp(`^ {2}td_attributes {2}${check}$`, 'm'));
    expect(r.stdout).toMatch(/^ {2}xfam {11}0x[0-9a-f]{16}$/m);
  });

  it('fingerprints are grouped in fours; a hash is accepted grouped or not', () => {
    const h = 'ab01'.repeat(16);
    expect(groupHex(h)).toBe('ab01 '.repeat(16).trim());
    expect(ungroupHex(groupHex(h))).toBe(h);
    expect(ungroupHex(h.toUpperCase())).toBe(h);
    const r = run(['verify', fx('valid', 'report.bin'), '--chain', fx('valid', 'vcek.der'), ...PKI]);
    expect(r.stdout).toMatch(/SPKI SHA-256 38ed ec39 5a5c 0649 /);
  });
});

describe('each mistake gets a sentence saying what the file is', () => {
  it('swapped EVIDENCE and --chain: "this is an X.509 certificate, not evidence: did you swap …?"', () => {
    oneLineError(run(['verify', fx('valid', 'vcek.der'), '--chain', fx('valid', 'report.bin')]), /vcek\.der: evidence: this is an X\.509 certificate \(AMD SEV-VCEK\), not evidence: did you swap EVIDENCE and --chain\?/);
  });

  it('a certificate alone as evidence says where certificates go', () => {
    oneLineError(run(['verify', fx('pki', 'ark.pem')]), /ark\.pem: evidence: this is an X\.509 certificate \(AMD ARK-Milan\), not evidence \(certificates go with --chain\)/);
  });

  it('a Markdown file as evidence: "this is a Markdown/text file, not evidence"', () => {
    oneLineError(run(['verify', join(ROOT, 'README.md')]), /README\.md: evidence: this is a Markdown\/text file, not evidence/);
  });

  it('Intel collateral given to an SEV-SNP report (not "PEM block 1: bad base64")', () => {
    const collateral = put(dir, 'collateral.json', JSON.stringify({ tcb_info: '{}', qe_identity: '{}', pck_crl: '' }));
    const r = run(['verify', fx('valid', 'report.bin'), '--chain', fx('valid', 'vcek.der'), '--collateral', collateral, ...PKI]);
    oneLineError(r, /collateral\.json: --collateral: this is Intel TDX\/SGX collateral, given to an SEV-SNP report/);
    expect(r.stderr).not.toMatch(/base64/);
  });

  it.skipIf(!HAVE_VECTORS)('an AMD certificate given to NVIDIA evidence (not "model None" / "unknown OID")', () => {
    const r = run(['verify', join(NV, 'report.hex'), '--chain', fx('valid', 'vcek.der')]);
    oneLineError(r, /vcek\.der: --chain: this is an X\.509 certificate \(AMD SEV-VCEK\), given to NVIDIA evidence: NVIDIA evidence needs the device's NVIDIA certificate chain/);
    expect(r.stderr).not.toMatch(/None|OID/);
    // The core itself (the console forces the type, so the CLI's refusal does not apply) names things too.
    const a = core.verify({ evidence: { name: 'report.hex', bytes: readFileSync(join(NV, 'report.hex')) }, endorsements: [{ name: 'vcek.der', bytes: readFileSync(fx('valid', 'vcek.der')) }], referenceTime: new Date('2025-06-01T00:00:00Z'), type: 'nvidia' });
    const text = a.checks.map((k) => `${k.id}: ${k.detail}`).join('\n');
    expect(text).toContain('gpu0.arch: architecture unknown: the evidence does not state it and the device chain names no model');
    expect(text).toContain('gpu0.chain.count: the device chain has 1 certificate; NVIDIA requires exactly 5');
    expect(text).toMatch(/gpu0\.rim\.driver\.available: RIM not available: no imported RIM has colloquialVersion 545\.00, and the RIM id cannot be derived/);
    expect(text).toContain('"SEV-VCEK" is not signed by "NVIDIA Device Identity CA": issuer key is an EC P-384 key, not an RSA key');
    expect(text).not.toMatch(/None|OID|RIM id \?|\/v1\/rim\/\?/);
  });

  it('a flag typo: "did you mean --chain?", never Node\'s parseArgs text', () => {
    oneLineError(run(['verify', fx('valid', 'report.bin'), '--chian', fx('valid', 'vcek.der')]), /^custodian: error: verify: unknown option --chian \(did you mean --chain\?\) \(see custodian verify --help\)\n$/);
    oneLineError(run(['verify', fx('valid', 'report.bin'), '--jsno']), /unknown option --jsno \(did you mean --json\?\)/);
    oneLineError(run(['verify', fx('valid', 'report.bin'), '--json=yes']), /verify: --json takes no value/);
    oneLineError(run(['verify', fx('valid', 'report.bin'), '--chain']), /verify: --chain needs a value/);
    oneLineError(run(['ceremony', 'open', '--kye', 'k_1']), /ceremony open: unknown option --kye \(did you mean --key\?\)/);
    oneLineError(run(['verfy', 'x']), /unknown command "verfy" \(did you mean verify\?\)/);
    oneLineError(run(['--verison']), /unknown option "--verison" \(did you mean --version\?\)/);
    expect(closest('xyzzy', ['chain', 'crl'])).toBeUndefined();
  });

  it.skipIf(!HAVE_VECTORS)('an input that is not used gets a note: --chain given to a TDX quote', () => {
    const r = run(['verify', join(TDX, 'quotes/tdx_v5_td15_90c06f_gotdx.bin'), '--collateral', join(TDX, 'collateral/dcapqvl_2026-02_90C06F.json'), '--chain', fx('valid', 'vcek.der'), '--at', '2026-03-01T00:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.stderr.replace(/\n\s+/g, ' ')).toMatch(/^custodian: note: --chain \S+vcek\.der was not used: TDX quotes carry their PCK chain/);
    expect(tooWide(r.stderr)).toEqual([]);
  });

  it('--nonce given to an SEV-SNP report gets a note; a used input gets none', () => {
    const r = run(['verify', fx('valid', 'report.bin'), '--chain', fx('valid', 'vcek.der'), ...PKI, ...CRL, '--nonce', '00'.repeat(32)]);
    expect(r.code).toBe(0);
    expect(r.stderr.replace(/\n\s+/g, ' ')).toMatch(/^custodian: note: --nonce was not used: it is the nonce NVIDIA evidence must answer/);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('custodian:'))).toHaveLength(1);
  });

  it('the console\'s "none of these files is evidence" says what each file is (the same words)', () => {
    const files = [{ name: 'vcek.der', bytes: readFileSync(fx('valid', 'vcek.der')) }, { name: 'README.md', bytes: readFileSync(join(ROOT, 'README.md')) }];
    expect(() => planAppraisal(files.map((f) => classify(f.bytes)), files.map((f) => f.name), files.map((f) => f.bytes))).toThrow(
      /vcek\.der is an X\.509 certificate \(AMD SEV-VCEK\); README\.md is a Markdown\/text file/,
    );
  });
});

describe('where to fetch a missing endorsement', () => {
  it('a missing VCEK prints its AMD KDS URL (the one --json carries)', () => {
    const r = run(['verify', fx('valid', 'report.bin'), ...AT]);
    const url = JSON.parse(run(['verify', fx('valid', 'report.bin'), ...AT, '--json']).stdout).claims.kds_vcek_url as string;
    expect(url).toMatch(/^https:\/\/kdsintf\.amd\.com\/vcek\/v1\/Milan\//);
    expect(r.stdout).toMatch(/Missing endorsements, to fetch on a connected machine:\n {2}VCEK \(AMD KDS\)\n/);
    // Wrapped at 80 columns: joined again it is the URL.
    const block = r.stdout.split('VCEK (AMD KDS)\n')[1]!.split('\n\n')[0]!;
    expect(block.split('\n').map((l) => l.trim()).join('')).toBe(url);
  });

  it.skipIf(!HAVE_VECTORS)('missing NVIDIA RIMs print their RIM service URLs', () => {
    const r = run(['verify', join(NV, 'report.hex'), '--chain', join(NV, 'cert-chain.pem'), '--at', '2025-06-01T00:00:00Z']);
    const flat = r.stdout.replace(/\n\s+/g, '');
    expect(flat).toContain('https://rim.attestation.nvidia.com/v1/rim/NV_GPU_DRIVER_GH100_545.00');
    expect(flat).toContain('https://rim.attestation.nvidia.com/v1/rim/NV_GPU_VBIOS_1010_0200_882_96005E0001');
  });
});

describe('help and version', () => {
  it('verify --help, ceremony --help, ceremony approve --help and help verify exit 0 with that command\'s usage', () => {
    const v = run(['verify', '--help']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^usage: custodian verify EVIDENCE/);
    expect(v.stdout).toMatch(/--strict/);
    expect(v.stdout).toMatch(/exit codes:/);
    expect(v.stdout).not.toMatch(/ceremony approve/);
    const c = run(['ceremony', '--help']);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/ceremony approve CID --custodian NAME/);
    expect(c.stdout).toMatch(/--vault FILE/);
    expect(c.stdout).not.toMatch(/custodian verify/);
    const a = run(['ceremony', 'approve', '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/--request-hash HEX/);
    expect(a.stdout).not.toMatch(/ceremony release/);
    expect(run(['help', 'verify']).stdout).toBe(v.stdout);
    for (const cmd of ['vault', 'key', 'audit', 'receipt', 'unwrap', 'rehearse']) expect(run([cmd, '--help']).code, cmd).toBe(0);
    expect(helpFor(['nonsense'])).toBeUndefined();
  });

  it('--version prints the package version and the core build id (SHA-256 prefix of the wasm module)', () => {
    const r = run(['--version']);
    expect(r.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
    const wasm = createHash('sha256').update(readFileSync(join(ROOT, 'out', 'wasm', 'custodian_core.wasm'))).digest('hex').slice(0, 16);
    expect(r.stdout).toBe(`custodian ${pkg} (core sha256:${wasm})\n`);
  });
});

describe('a closed output pipe ends output quietly (EPIPE)', () => {
  /** Runs `args` with stdout a pipe whose reading end is already closed: every write fails with EPIPE. */
  function intoClosedPipe(args: string[]) {
    const py = 'import os,subprocess,sys\nr,w=os.pipe()\nos.close(r)\np=subprocess.run(sys.argv[1:],stdout=w,stderr=subprocess.PIPE)\nsys.stdout.write(str(p.returncode)+"\\n"+p.stderr.decode())';
    const out = execFileSync('python3', ['-c', py, BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
    const [code, ...stderr] = out.split('\n');
    return { code: Number(code), stderr: stderr.join('\n') };
  }

  it('verify into a closed pipe: no stack trace, and the exit code is still the verdict\'s', () => {
    const r = intoClosedPipe(['verify', fx('debug', 'report.bin'), '--chain', fx('debug', 'vcek.der'), ...PKI, '--all']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });

  it('ceremony show X | head -1 exits quietly (a real vault and ceremony; closed pipe and a shell pipe)', () => {
    const vault = join(dir, 'vault.db');
    const pass = put(dir, 'alice.pass', `${passphraseOf('alice')}\n`);
    const v = (...args: string[]) => vaultCli('--vault', vault, ...args);
    expect(v('vault', 'init', '--custodian', `alice:${pass}`, '--threshold', '1').code).toBe(0);
    const key = v('key', 'generate', '--name', 'm', '--allow-test-anchor', '--custodian', 'alice', '--passphrase-file', pass);
    expect(key.code, key.stderr).toBe(0);
    const cid = v('ceremony', 'open', '--key', key.stdout.trim()).stdout.trim();
    expect(v('ceremony', 'show', cid).stdout.split('\n').length).toBeGreaterThan(2);
    const closed = intoClosedPipe(['--vault', vault, 'ceremony', 'show', cid]);
    expect(closed).toEqual({ code: 0, stderr: '' });
    const shell = spawnSync('bash', ['-c', `"$0" --vault "$1" ceremony show "$2" | head -1; echo "exit \${PIPESTATUS[0]}" >&2`, BIN, vault, cid], { cwd: ROOT, encoding: 'utf8' });
    expect(shell.stdout).toMatch(/^ceremony \S+ {2}state open/);
    expect(shell.stdout.trim().split('\n')).toHaveLength(1);
    expect(shell.stderr).toBe('exit 0\n');
  });
});

