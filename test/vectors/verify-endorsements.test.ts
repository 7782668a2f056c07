/**
 * `custodian verify --endorsements DIR` on the real vectors (issue 16 item 6): the endorsements are
 * chosen by identity among every file under DIR, and the appraisal equals the one with the same files
 * named by hand. Threat: a folder holding a planted look-alike (a tampered RIM of the same version
 * beside the genuine one) must not lend it to the evidence, nor merge the two; the user is told which
 * files fitted and which one was used.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Appraisal } from '../../electron/core/appraisal.ts';
import { HAVE_VECTORS, ROOT, VECTORS } from '../helpers.ts';

if (!HAVE_VECTORS) console.warn('verify-endorsements: ../shared/vectors is absent, skipping');

const cli = (...args: string[]) => {
  const r = spawnSync(join(ROOT, 'bin', 'custodian'), ['verify', ...args, '--json'], { encoding: 'utf8' });
  // Notes are wrapped at 80 columns, long paths cut: compare with all white space taken out.
  return { code: r.status, stderr: squeeze(r.stderr), appraisal: r.stdout ? (JSON.parse(r.stdout) as Appraisal) : undefined };
};
const squeeze = (s: string) => s.replace(/\s+/g, '');
/** What a verdict rests on: each check's id and status (input file names differ between the two runs). */
const outcome = (a: Appraisal | undefined) => ({ verdict: a?.verdict, checks: a?.checks.map((c) => `${c.id}=${c.status}`) });
const AT = ['--at', '2025-09-01T00:00:00Z'];

describe.skipIf(!HAVE_VECTORS)('custodian verify --endorsements DIR', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'custodian-endorsements-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('an SEV-SNP report: its VCEK, ASK and the Milan CRL from anywhere under snp/, as if named by hand', () => {
    const dir = join(VECTORS, 'snp', 'milan', 'routex-v3');
    const paired = cli(join(dir, 'report.bin'), '--endorsements', join(VECTORS, 'snp'), ...AT);
    const byHand = cli(join(dir, 'report.bin'), '--chain', join(dir, 'vcek.der'), '--chain', join(dir, 'vcek_chain.pem'), '--crl', join(VECTORS, 'snp', 'crl', 'milan_vcek_crl.der'), ...AT);
    expect(paired.code).toBe(0);
    expect(outcome(paired.appraisal)).toEqual(outcome(byHand.appraisal));
    expect(paired.appraisal!.verdict).toBe('affirming');
    expect(paired.stderr).toMatch(/paired\S*snp\/crl\/milan_vcek_crl\.der:CRLofARK-Milan/);
    expect(paired.stderr).not.toContain('warning:');
  });

  it('an NVSwitch report with a genuine and two tampered RIMs of its version: the genuine one is used and the note names all three', () => {
    const dir = join(VECTORS, 'nvidia', 'switch-ls10', 'ls10-96.10.55.00.01');
    const rim = join(dir, 'rim-NV_SWITCH_BIOS_5612_0002_890_9610550001.xml');
    const paired = cli(join(dir, 'report.hex'), '--endorsements', join(VECTORS, 'nvidia'), ...AT);
    const byHand = cli(join(dir, 'report.hex'), '--chain', join(dir, 'cert-chain.pem'), '--rim', rim, ...AT);
    expect(outcome(paired.appraisal)).toEqual(outcome(byHand.appraisal));
    // At this time the genuine RIM's certificate has expired; the tampered ones fail their signature.
    expect(paired.appraisal!.checks.find((c) => c.id === 'switch0.rim.bios.signature')?.status).toBe('pass');
    const warning = /warning:3differentfilesfitthefirmwareRIM.*?custodian:note:/.exec(paired.stderr)?.[0] ?? '';
    expect(warning).toMatch(/used\S*9610550001\.xml\(1failing:switch0\.rim\.bios\.chain\.validity/);
    expect(warning).toContain(squeeze('TAMPERED-mismatch.xml (1 failing: switch0.rim.bios.signature'));
    expect(warning).toContain(squeeze('TAMPERED-sig.xml (1 failing: switch0.rim.bios.signature'));
  });

  it('a TD quote: the collateral of its FMSPC and its Azure HCL report, from sibling folders', () => {
    const quote = join(VECTORS, 'tdx', 'quotes', 'tdx_v4_00806f05_azure_vtpm.bin');
    const paired = cli(quote, '--endorsements', join(VECTORS, 'tdx'), ...AT);
    const byHand = cli(quote, '--collateral', join(VECTORS, 'tdx', 'collateral', 'assembled_2025-06_00806F050000.json'), '--collateral', join(VECTORS, 'tdx', 'quotes', 'azure_hcl_report_for_tdx_v4_00806f05.bin'), ...AT);
    expect(outcome(paired.appraisal)).toEqual(outcome(byHand.appraisal));
    expect(paired.stderr).toContain(squeeze('assembled_2025-06_00806F050000.json: TCB Info (TDX, FMSPC 00806F050000)'));
  });

  it('nothing under the folder fits: a note says so and the appraisal is the one without endorsements', () => {
    writeFileSync(join(tmp, 'notes.txt'), 'not an endorsement\n');
    const report = join(VECTORS, 'snp', 'milan', 'routex-v3', 'report.bin');
    const paired = cli(report, '--endorsements', tmp, ...AT);
    expect(paired.stderr).toContain(squeeze(`--endorsements: nothing under ${tmp} fits`));
    expect(outcome(paired.appraisal)).toEqual(outcome(cli(report, ...AT).appraisal));
  });

  it('a folder that cannot be read exits 2 naming it and the option', () => {
    const r = cli(join(VECTORS, 'snp', 'milan', 'routex-v3', 'report.bin'), '--endorsements', join(tmp, 'absent'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(squeeze(`${join(tmp, 'absent')}: --endorsements: cannot read: ENOENT`));
  });
});
