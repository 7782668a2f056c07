/**
 * Azure vTPM quotes (wasm/src/vtpm.rs) on synthetic Trustee az-snp-vtpm evidence made by the
 * project's generator (fixtures/lib/azure-vtpm.mjs: an HCL report around a fixture SEV-SNP report
 * signed by the TEST VCEK, and a quote signed with node:crypto by an AK the HCL runtime data carries).
 * The real Trustee examples are tested in test/vectors/formats.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createHash, createPrivateKey, createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, GO, ROOT, core, failing, file, inputError, status, verify } from './helpers.ts';
import { appraiseFiles } from '../electron/evidence/inspect.ts';
import { makeCcel, makeTpmLog, startupLocality } from '../fixtures/lib/eventlog.mjs';
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

/** UEFI_VARIABLE_DATA (UEFI 2.x §32.4.1 / PFP §10.2.6): VariableName GUID, name length, data length, UTF-16 name, data. */
function uefiVariable(name: string, data: Buffer): Buffer {
  const len = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
  return Buffer.concat([Buffer.from('61dfe48bca93d211aa0d00e098032b8c', 'hex'), len(name.length), len(data.length), Buffer.from(name, 'utf16le'), data]);
}
const EV = { SEPARATOR: 4, S_CRTM_VERSION: 8, IPL: 0xd, VARIABLE_DRIVER_CONFIG: 0x8000_0001, BOOT_SERVICES_APPLICATION: 0x8000_0003 } as const;
const CMDLINE = 'kernel_cmdline: /boot/vmlinuz root=/dev/sda1 ro';
/** A Hyper-V-like firmware log: StartupLocality 3, CRTM version, SecureBoot, separators 0–7, shim and grub (PCR4), the kernel command line (PCR8). */
function firmwareEvents(cmdline = CMDLINE) {
  return [
    startupLocality(3),
    { mr: 0, type: EV.S_CRTM_VERSION, data: Buffer.from('Hyper-V UEFI Release v4.1\0', 'utf16le') },
    { mr: 7, type: EV.VARIABLE_DRIVER_CONFIG, data: uefiVariable('SecureBoot', Buffer.from([1])) },
    ...[0, 1, 2, 3, 4, 5, 6, 7].map((mr) => ({ mr, type: EV.SEPARATOR, data: Buffer.alloc(4) })),
    { mr: 4, type: EV.BOOT_SERVICES_APPLICATION, data: Buffer.from('shimx64.efi image'), digest: createHash('sha256').update('shimx64.efi').digest() },
    { mr: 4, type: EV.BOOT_SERVICES_APPLICATION, data: Buffer.from('grubx64.efi image'), digest: createHash('sha256').update('grubx64.efi').digest() },
    { mr: 8, type: EV.IPL, data: Buffer.from(`${cmdline}\0`) },
  ];
}
/** The quote's PCRs: the log's replay, PCR10 extended later by IMA (not in the firmware log), the rest as reset. */
function quotedPcrs(pcrs: Buffer[]): Buffer[] {
  return pcrs.map((p, i) => (i === 10 ? createHash('sha256').update('ima').digest() : p));
}
const logFile = (log: Uint8Array, name = 'binary_bios_measurements') => ({ name, bytes: log });
function withLog(log: NamedBytes | null, o: { pcrs?: Buffer[]; quote?: object; dropQuote?: boolean; digests?: object[] } = {}): Appraisal {
  const good = makeTpmLog(firmwareEvents());
  const f = evidence({ pcrs: o.pcrs ?? quotedPcrs(good.pcrs), quote: o.quote });
  const d = JSON.parse(Buffer.from(f.bytes).toString());
  if (o.dropQuote) delete d.tpm_quote;
  const e = openEnvelope({ name: f.name, bytes: Buffer.from(JSON.stringify(d)) })!;
  return verify({ evidence: e.evidence, endorsements: [...e.endorsements, ...(log ? [log] : []), pki('cert_chain.pem'), pki('crl-empty.der')], testAnchors: [pki('ark.pem')], policy: o.dropQuote ? undefined : { vtpm: { nonce: NONCE.toString('hex'), event_digests: o.digests } } });
}
const detail = (a: Appraisal, id: string) => a.checks.find((c) => c.id === id)?.detail ?? '';

describe('TPM event log replayed to the vTPM quote\'s PCRs (synthetic firmware log, fixtures/lib/eventlog.mjs)', () => {
  const good = makeTpmLog(firmwareEvents());

  it('each PCR the log extends replays to the attested value (PCR0 from StartupLocality 3); events become claims; PCRs the log does not describe are listed', () => {
    const a = withLog(logFile(good.log));
    for (const pcr of ['00', '01', '04', '07', '08']) expect(status(a, `eventlog.pcr${pcr}`), pcr).toBe('pass');
    expect(a.checks.filter((c) => c.id.startsWith('eventlog.pcr') && /\d$/.test(c.id)).map((c) => c.id)).toEqual(['eventlog.pcr00', 'eventlog.pcr01', 'eventlog.pcr02', 'eventlog.pcr03', 'eventlog.pcr04', 'eventlog.pcr05', 'eventlog.pcr06', 'eventlog.pcr07', 'eventlog.pcr08']);
    expect(status(a, 'eventlog.pcrs_not_in_log')).toBe('skip');
    expect(detail(a, 'eventlog.pcrs_not_in_log')).toMatch(/^PCR 10 hold\(s\) a value binary_bios_measurements has no event for/);
    expect(a.verdict).toBe('affirming');
    const log = a.claims.eventlog as { kind: string; replayed: Record<string, string>; events: { index: number; pcr: number; event_type: string; sha256: string; description: string | null; data_sha256_matches: boolean }[] };
    expect(log.kind).toBe('TPM event log');
    expect(Object.keys(log.replayed)).toEqual(['pcr00', 'pcr01', 'pcr02', 'pcr03', 'pcr04', 'pcr05', 'pcr06', 'pcr07', 'pcr08']);
    expect(log.replayed.pcr00).toBe(good.pcrs[0]!.toString('hex'));
    expect(log.events.find((e) => e.pcr === 7 && e.event_type === 'EV_EFI_VARIABLE_DRIVER_CONFIG')!.description).toMatch(/^UEFI variable SecureBoot \(8be4df61-93ca-11d2-aa0d-00e098032b8c\), 1 bytes/);
    expect(log.events.at(-1)).toMatchObject({ pcr: 8, event_type: 'EV_IPL', description: CMDLINE, data_sha256_matches: true });
    // The image events hash the image, not the event data: described, and said to differ.
    expect(log.events.find((e) => e.event_type === 'EV_EFI_BOOT_SERVICES_APPLICATION')!.data_sha256_matches).toBe(false);
  });

  it('threat: a log edited to show another kernel command line — eventlog.pcr08 fails naming PCR8 and the event', () => {
    const evil = makeTpmLog(firmwareEvents('kernel_cmdline: /boot/vmlinuz root=/dev/sda1 init=/bin/sh'));
    const a = withLog(logFile(evil.log, 'edited.log'));
    expect(failing(a)).toEqual(['eventlog.pcr08']);
    expect(detail(a, 'eventlog.pcr08')).toMatch(/^PCR8 in the quote is [0-9a-f]{64} but the replay of 1 event\(s\) of edited\.log with PCR index 8 gives [0-9a-f]{64}: the replay diverges from event 14 \(the first with PCR index 8\)/);
    expect(a.verdict).toBe('contraindicated');
  });

  it('threat: an event appended to the log after quoting — the failing PCR names the first event the quote does not include', () => {
    const more = makeTpmLog([...firmwareEvents(), { mr: 4, type: EV.BOOT_SERVICES_APPLICATION, data: Buffer.from('late.efi') }]);
    const a = withLog(logFile(more.log));
    expect(failing(a)).toEqual(['eventlog.pcr04']);
    expect(detail(a, 'eventlog.pcr04')).toContain('the quote\'s value is the replay up to event 13; from event 15 on the log has events the PCR does not');
  });

  it('threat: PCR0 replayed from zero when the log records StartupLocality 3 would pass another platform\'s log — the locality is honoured', () => {
    const noLocality = makeTpmLog(firmwareEvents().slice(1));
    const a = withLog(logFile(noLocality.log));
    expect(failing(a)).toEqual(['eventlog.pcr00']);
  });

  it('without an attested PCR list nothing is replayed: no quote, or a quote whose PCR digest fails, gives eventlog.pcrs skipped with the reason', () => {
    const none = withLog(logFile(good.log), { dropQuote: true });
    expect([status(none, 'eventlog.pcrs'), none.checks.some((c) => /^eventlog\.pcr\d/.test(c.id))]).toEqual(['skip', false]);
    expect(detail(none, 'eventlog.pcrs')).toMatch(/no vTPM quote .* attests the PCRs/);
    const q = tpmQuote(ak.privateKey, NONCE, quotedPcrs(good.pcrs));
    const broken = withLog(logFile(good.log), { quote: { ...q, pcrs: q.pcrs.map((p, i) => (i === 8 ? 'aa'.repeat(32) : p)) } });
    expect(failing(broken)).toEqual(['vtpm.quote.pcr_digest']);
    expect(detail(broken, 'eventlog.pcrs')).toMatch(/pcr_digest failed/);
  });

  it('a CC event log beside an SEV-SNP HCL report is an input error naming the file; a second TPM log too', () => {
    const ccel = makeCcel([{ mr: 1, type: 0xd, data: Buffer.from('x') }]).log;
    expect(inputError(() => withLog(logFile(ccel, 'ccel.bin')))).toMatchObject({ file: 'ccel.bin', message: expect.stringMatching(/TDX CC event log .* goes with a TD quote/) });
    const f = evidence({ pcrs: quotedPcrs(good.pcrs) });
    const e = openEnvelope(f)!;
    const twice = () => verify({ evidence: e.evidence, endorsements: [...e.endorsements, logFile(good.log, 'a.log'), logFile(good.log, 'b.log')] });
    expect(inputError(twice)).toMatchObject({ file: 'b.log', message: expect.stringContaining('a second TPM event log (the first was a.log)') });
  });

  it('policy vtpm.event_digests: the kernel command line event must carry the reference digest, in a log that replays to the quote', () => {
    const want = createHash('sha256').update(`${CMDLINE}\0`).digest('hex');
    const ID = 'eventlog.policy.vtpm.event_digests[0]';
    const req = { pcr: 8, type: 'EV_IPL', description: 'root=', sha256: want };
    const ok = withLog(logFile(good.log), { digests: [req] });
    expect(ok.checks.find((c) => c.id === ID)).toMatchObject({ status: 'pass', detail: `event 14 (EV_IPL, PCR8) carries SHA-256 ${want}, and PCR8's replay equals the quote's` });
    // Threat: another kernel command line, honestly logged and quoted — the policy, not the replay, refuses it.
    const evil = makeTpmLog(firmwareEvents('kernel_cmdline: /boot/vmlinuz root=/dev/sda1 init=/bin/sh'));
    const other = withLog(logFile(evil.log, 'evil.log'), { pcrs: quotedPcrs(evil.pcrs), digests: [req] });
    expect(failing(other)).toEqual([ID]);
    expect(detail(other, ID)).toMatch(new RegExp(`^no event \\(PCR8, EV_IPL, description containing "root="\\) carries SHA-256 ${want}: 1 of evil\\.log matches: event 14 [0-9a-f]{64}$`));
    // Threat: the genuine log shown beside a quote of another boot — the digest is there but the PCR does not replay.
    const mismatch = withLog(logFile(good.log), { pcrs: quotedPcrs(evil.pcrs), digests: [req] });
    expect(detail(mismatch, ID)).toBe(`event 14 (PCR8, EV_IPL, description containing "root=") carries SHA-256 ${want}, but the log's replay of PCR8 is not the quote's: the log does not describe what this VM measured`);
    expect(detail(withLog(null, { digests: [req] }), ID)).toBe(`policy requires an event (PCR8, EV_IPL, description containing "root=") with SHA-256 ${want}, but no TPM event log was supplied with the quote`);
    expect(inputError(() => withLog(null, { digests: [{ pcr: 30, sha256: want }] })).message).toContain('policy vtpm.event_digests[0].pcr: 30 is not 0–23');
    expect(inputError(() => withLog(null, { digests: [{ sha256: want }] })).message).toMatch(/name the events with at least one of pcr, type, description/);
  });

  it('the classifier calls it an event log the HCL report uses, and the CLI takes it with --collateral (no "not used" note)', () => {
    expect(classify(good.log)).toBe('event-log');
    expect(planAppraisal(['azure-hcl-report', 'event-log'], ['hcl', 'log']).slots).toEqual(['evidence', 'endorsements']);
    const dir = mkdtempSync(join(tmpdir(), 'custodian-tpmlog-'));
    writeFileSync(join(dir, 'env.json'), evidence({ pcrs: quotedPcrs(good.pcrs) }).bytes);
    writeFileSync(join(dir, 'binary_bios_measurements'), good.log);
    const r = spawnSync(join(ROOT, 'bin', 'custodian'), ['verify', join(dir, 'env.json'), '--collateral', join(dir, 'binary_bios_measurements'), '--chain', join(FIXTURES, 'pki', 'cert_chain.pem'), '--crl', join(FIXTURES, 'pki', 'crl-empty.der'), '--test-anchor', join(FIXTURES, 'pki', 'ark.pem'), '--at', '2025-12-01T00:00:00Z', '--vtpm-nonce', NONCE.toString('hex'), '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/was not used/);
    expect(status(JSON.parse(r.stdout) as Appraisal, 'eventlog.pcr08')).toBe('pass');
    // The console's and Batch's path (envelope + log dropped together) appraises the same.
    const c = appraiseFiles(core, { files: [file(join(dir, 'env.json')), file(join(dir, 'binary_bios_measurements')), pki('cert_chain.pem'), pki('crl-empty.der')], testAnchors: [pki('ark.pem')], policy: { vtpm: { nonce: NONCE.toString('hex') } }, referenceTime: '2025-12-01T00:00:00Z' });
    expect([c.appraisal.verdict, status(c.appraisal, 'eventlog.pcr08')]).toEqual(['affirming', 'pass']);
  });
});

/** Custodian's replay of `log` (claims.eventlog.replayed, as {index: hex}), read beside a quote of all-zero PCRs. */
function replayedBy(log: Uint8Array): Record<string, string> {
  const a = withLog(logFile(log), { pcrs: Array.from({ length: 24 }, () => Buffer.alloc(32)) });
  const replayed = (a.claims.eventlog as { replayed: Record<string, string> }).replayed;
  return Object.fromEntries(Object.entries(replayed).map(([k, v]) => [String(Number(k.slice(3))), v]));
}
/** go-attestation's verdict on `log` with `pcrs` (fixtures/go-attestation-eventlog: attest.ParseEventLog + EventLog.Verify). */
function goAttestation(log: Uint8Array | string, pcrs: Record<string, string>): { ok: boolean; error?: string; invalid_pcrs?: number[]; verified_events: number } {
  const dir = mkdtempSync(join(tmpdir(), 'go-attestation-'));
  const path = typeof log === 'string' ? log : join(dir, 'log.bin');
  if (typeof log !== 'string') writeFileSync(path, log);
  writeFileSync(join(dir, 'pcrs.json'), JSON.stringify(pcrs));
  const r = spawnSync(GO!, ['run', '.', '-log', path, '-pcrs', join(dir, 'pcrs.json')], { cwd: GO_PEER, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=readonly' }, timeout: 300_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}
const GO_PEER = join(ROOT, 'fixtures', 'go-attestation-eventlog');
if (!GO) console.warn('*** no Go toolchain: the go-attestation event-log replay interop tests are SKIPPED ***');

describe.skipIf(!GO)('TPM event-log replay against go-attestation\'s own (attest.ParseEventLog + EventLog.Verify, at test time)', () => {
  it('the synthetic firmware log: go-attestation accepts the PCRs Custodian replayed (StartupLocality included) and refuses them with PCR8 altered', () => {
    const { log } = makeTpmLog(firmwareEvents());
    const ours = replayedBy(log);
    expect(goAttestation(log, ours)).toMatchObject({ ok: true, verified_events: 13 });
    expect(goAttestation(log, { ...ours, 8: 'aa'.repeat(32) })).toMatchObject({ ok: false, invalid_pcrs: [8] });
  }, 320_000);

  it('go-attestation\'s real crypto-agile logs (GCP Shielded VM Ubuntu and CoreOS, a crypto-agile PC log, Secure Boot certificates): Custodian\'s replay is what go-attestation accepts', () => {
    const dir = spawnSync(GO!, ['run', '.', '-testdata'], { cwd: GO_PEER, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=readonly' }, timeout: 300_000 }).stdout.trim();
    const logs = ['crypto_agile_eventlog', 'ubuntu_2104_shielded_vm_no_secure_boot_eventlog', 'coreos_36_shielded_vm_no_secure_boot_eventlog', 'sb_cert_eventlog'];
    for (const name of logs) {
      const log = readFileSync(join(dir, name));
      const ours = replayedBy(log);
      expect(Object.keys(ours).length, name).toBeGreaterThan(0);
      expect(goAttestation(join(dir, name), ours), name).toMatchObject({ ok: true });
      const first = Object.keys(ours)[0]!;
      expect(goAttestation(join(dir, name), { ...ours, [first]: '00'.repeat(32) }), name).toMatchObject({ ok: false, invalid_pcrs: [Number(first)] });
    }
  }, 600_000);
});
