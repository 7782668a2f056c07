/**
 * Azure vTPM quotes (wasm/src/vtpm.rs) on synthetic Trustee az-snp-vtpm evidence made by the
 * project's generator (fixtures/lib/azure-vtpm.mjs: an HCL report around a fixture SEV-SNP report
 * signed by the TEST VCEK, and a quote signed with node:crypto by an AK the HCL runtime data carries).
 * The real Trustee examples are tested in test/vectors/formats.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createPrivateKey, createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, ROOT, failing, file, inputError, status, verify } from './helpers.ts';
import { openEnvelope } from '../electron/evidence/envelopes.ts';
import { classify } from '../electron/evidence/classify.ts';
import { planAppraisal } from '../electron/evidence/select.ts';
import { CHIP_IDS, makeReport } from '../fixtures/lib/profile.mjs';
import { azSnpVtpmEvidence, hclReport, hclReportData, runtimeData, syntheticPcrs, tpmQuote } from '../fixtures/lib/azure-vtpm.mjs';
import type { Appraisal, NamedBytes } from '../electron/core/appraisal.ts';

const NONCE = Buffer.from('custodian-vtpm-challenge');
const ak = generateKeyPairSync('rsa', { modulusLength: 2048 });
const vcekScalar = new Uint8Array(Buffer.from(createPrivateKey(readFileSync(join(FIXTURES, 'keys', 'vcek.pkcs8.pem'), 'utf8')).export({ format: 'jwk' }).d!, 'base64url'));
const pki = (name: string) => file(join(FIXTURES, 'pki', name));

/** Synthetic az-snp-vtpm evidence: `runtime` bound by REPORT_DATA unless `bound` is given; the quote by `signer`. */
function evidence(o: { runtime?: Buffer; bound?: Buffer; signer?: typeof ak.privateKey; nonce?: Buffer; pcrs?: Buffer[]; quote?: object } = {}): NamedBytes {
  const runtime = o.runtime ?? runtimeData(ak.publicKey.export({ format: 'jwk' }) as { n: string; e: string });
  const { report } = makeReport(vcekScalar, { chipId: CHIP_IDS.valid, reportData: hclReportData(o.bound ?? runtime) });
  const quote = o.quote ?? tpmQuote(o.signer ?? ak.privateKey, o.nonce ?? NONCE, o.pcrs ?? syntheticPcrs());
  const text = azSnpVtpmEvidence({ hcl: hclReport(report, runtime), quote, vcekDer: readFileSync(join(FIXTURES, 'valid', 'vcek.der')) });
  return { name: 'az-snp-vtpm.json', bytes: Buffer.from(text) };
}

/** `nonce`: the expected vTPM nonce (policy vtpm.nonce); `null` for none. */
function appraise(f: NamedBytes, nonce: string | null = NONCE.toString('hex')): Appraisal {
  const e = openEnvelope(f)!;
  return verify({
    evidence: e.evidence,
    endorsements: [...e.endorsements, pki('cert_chain.pem'), pki('crl-empty.der')],
    testAnchors: [pki('ark.pem')],
    policy: nonce === null ? undefined : { vtpm: { nonce } },
  });
}

describe('Azure vTPM quote on synthetic az-snp-vtpm evidence (TEST PKI)', () => {
  it('an authentic envelope is affirming: the report, its binding of the runtime data, the quote by that AK, its PCRs and nonce', () => {
    const a = appraise(evidence());
    for (const id of ['report.signature', 'binding.hcl_runtime_data', 'vtpm.quote.signature', 'vtpm.quote.pcr_digest', 'vtpm.quote.nonce']) expect(status(a, id), id).toBe('pass');
    expect(a.verdict).toBe('affirming');
    expect(a.trust_anchor.kind).toBe('test');
    const tpm = a.claims.tpm as Record<string, string>;
    expect(Object.keys(tpm)).toEqual(Array.from({ length: 24 }, (_, i) => `pcr${String(i).padStart(2, '0')}`));
    expect(tpm.pcr07).toBe(syntheticPcrs()[7]!.toString('hex'));
  });

  it('without an expected nonce the nonce check is skipped with its reason (freshness not established), and nothing else changes', () => {
    const a = appraise(evidence(), null);
    expect(status(a, 'vtpm.quote.nonce')).toBe('skip');
    expect(a.checks.find((c) => c.id === 'vtpm.quote.nonce')!.detail).toMatch(/no expected nonce .*vtpm\.nonce/);
    expect(a.verdict).toBe('affirming');
  });

  it('an HCL report without its quote reports the vTPM as not attested (skip), never as verified', () => {
    const f = evidence();
    const d = JSON.parse(Buffer.from(f.bytes).toString());
    delete d.tpm_quote;
    const e = openEnvelope({ name: 'no-quote.json', bytes: Buffer.from(JSON.stringify(d)) })!;
    expect(e.notes.join(' ')).toMatch(/tpm_quote: absent/);
    const a = verify({ evidence: e.evidence, endorsements: [...e.endorsements, pki('cert_chain.pem'), pki('crl-empty.der')], testAnchors: [pki('ark.pem')] });
    expect(status(a, 'vtpm.quote')).toBe('skip');
    expect(a.claims.tpm).toBeUndefined();
  });

  it('threat: PCR values edited after quoting — vtpm.quote.pcr_digest fails, no PCR claims', () => {
    const genuine = tpmQuote(ak.privateKey, NONCE);
    const a = appraise(evidence({ quote: { ...genuine, pcrs: genuine.pcrs.map((p, i) => (i === 10 ? 'ff'.repeat(32) : p)) } }));
    expect(failing(a)).toEqual(['vtpm.quote.pcr_digest']);
    expect(a.claims.tpm).toBeUndefined();
  });

  it('threat: a quote signed by a key other than the runtime data\'s AK — vtpm.quote.signature fails', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(failing(appraise(evidence({ signer: other.privateKey })))).toEqual(['vtpm.quote.signature']);
  });

  it('threat: the host swaps the AK in the runtime data for its own and signs the quote with it — binding.hcl_runtime_data fails (the hardware report bound the genuine runtime data)', () => {
    const host = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const genuine = runtimeData(ak.publicKey.export({ format: 'jwk' }) as { n: string; e: string });
    const a = appraise(evidence({ runtime: runtimeData(host.publicKey.export({ format: 'jwk' }) as { n: string; e: string }), bound: genuine, signer: host.privateKey }));
    expect(status(a, 'vtpm.quote.signature')).toBe('pass');
    expect(failing(a)).toEqual(['binding.hcl_runtime_data']);
  });

  it('threat: a replayed quote (another challenge) — vtpm.quote.nonce fails', () => {
    expect(failing(appraise(evidence({ nonce: Buffer.from('an earlier challenge') })))).toEqual(['vtpm.quote.nonce']);
  });

  it('threat: a signature that is a TPMT_SIGNATURE or cut short is refused with its length, not mis-verified', () => {
    const q = tpmQuote(ak.privateKey, NONCE);
    const a = appraise(evidence({ quote: { ...q, signature: `0014000b0100${q.signature}` } }));
    expect(a.checks.find((c) => c.id === 'vtpm.quote.signature')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/262 bytes.*256/) });
  });

  it('a garbled message is an input error naming the member and the field', () => {
    const q = tpmQuote(ak.privateKey, NONCE);
    const e = inputError(() => appraise(evidence({ quote: { ...q, message: q.message.slice(0, 20) } })));
    expect([e.file, e.field]).toEqual(['az-snp-vtpm.json#tpm_quote', 'TPMS_ATTEST.qualifiedSigner']);
    const sig = createSign('sha256').update('x').sign(ak.privateKey).toString('hex');
    expect(inputError(() => appraise(evidence({ quote: { ...q, signature: sig, message: 'ff54434780170000' } }))).field).toBe('TPMS_ATTEST.type');
  });

  it('a vTPM quote file is recognised by content and endorses an HCL report or a TD quote, nothing else', () => {
    const quote = { name: 'q.json', bytes: Buffer.from(JSON.stringify(tpmQuote(ak.privateKey, NONCE))) };
    expect(classify(quote.bytes)).toBe('vtpm-quote');
    const e = openEnvelope(evidence())!;
    const plan = planAppraisal([classify(e.evidence.bytes), 'vtpm-quote'], ['hcl', 'q.json']);
    expect(plan.slots).toEqual(['evidence', 'endorsements']);
    expect(planAppraisal(['sev-snp-report', 'vtpm-quote'], ['r', 'q']).slots).toEqual(['evidence', null]);
    // Beside a plain SEV-SNP report (no HCL runtime data, so no AK) the core fails the signature check.
    const a = verify({ evidence: file(join(FIXTURES, 'valid', 'report.bin')), endorsements: [file(join(FIXTURES, 'valid', 'vcek.der')), pki('cert_chain.pem'), pki('crl-empty.der'), quote], testAnchors: [pki('ark.pem')] });
    expect(a.checks.find((c) => c.id === 'vtpm.quote.signature')!.detail).toMatch(/no Azure HCL report/);
  });

  it('the CLI opens the envelope, verifies the quote, and --vtpm-nonce sets the expected nonce (a wrong one exits 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'custodian-vtpm-'));
    const env = join(dir, 'az-snp-vtpm.json');
    writeFileSync(env, evidence().bytes);
    const run = (...extra: string[]) => spawnSync(join(ROOT, 'bin', 'custodian'), ['verify', env, '--chain', join(FIXTURES, 'pki', 'cert_chain.pem'), '--crl', join(FIXTURES, 'pki', 'crl-empty.der'), '--test-anchor', join(FIXTURES, 'pki', 'ark.pem'), '--at', '2025-12-01T00:00:00Z', '--json', ...extra], { cwd: ROOT, encoding: 'utf8' });
    const ok = run('--vtpm-nonce', NONCE.toString('hex'));
    expect(ok.status, ok.stderr).toBe(0);
    const a = JSON.parse(ok.stdout) as Appraisal;
    expect([a.verdict, status(a, 'vtpm.quote.signature'), status(a, 'vtpm.quote.nonce')]).toEqual(['affirming', 'pass', 'pass']);
    expect(ok.stderr).not.toMatch(/was not used/);
    const wrong = run('--vtpm-nonce', '00');
    expect(wrong.status).toBe(1);
    expect(status(JSON.parse(wrong.stdout) as Appraisal, 'vtpm.quote.nonce')).toBe('fail');
    const bad = run('--vtpm-nonce', 'abc');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--vtpm-nonce: "abc" is not 1 to 64 bytes of hex/);
  });
});
