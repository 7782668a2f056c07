/**
 * A composite (CPU + GPU) ceremony in the console (issue 12 item 5): a key whose signed policy requires
 * SEV-SNP + 2 NVIDIA GPUs; the evidence step takes the CPU report, its endorsements with the GPUs' RIMs
 * and OCSP responses, the TEST anchors and the guest's additional evidence (the GPUs' evidence that
 * REPORT_DATA binds); the review lists each device with its verdict, driver and VBIOS versions and
 * measurement result. Threat: custodians approving a GPU workload without seeing which GPUs proved what.
 * Real wasm core, real SQLite vault, real Argon2id; screenshot and axe.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { core } from '../helpers.ts';
import { newVault, tmp } from '../vault/helpers.ts';
import { chooseFiles, HAVE_CHROMIUM, openConsole, seriousViolations, type Console } from './harness.ts';
import { parseChallenge, rehearseSnp } from '../../electron/rehearse/snp.ts';

describe.skipIf(!HAVE_CHROMIUM)('Composite ceremony review (SEV-SNP + 2 GPUs)', () => {
  let c: Console;
  beforeAll(async () => {
    c = await openConsole({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => c?.close());

  it('takes the additional evidence and lists every GPU with its verdict, versions and measurements', async () => {
    // The vault and its GPU key are made with the services (pinned in the console's config home).
    const v = await newVault({ policy: { gpu: true, gpus: 2 } });
    v.db.close();
    const p = c.page;
    await p.getByRole('tab', { name: 'Vault', exact: true }).click();
    await p.getByLabel('Vault file', { exact: true }).fill(v.path);
    await p.getByRole('button', { name: 'Open vault' }).click();
    await p.getByRole('heading', { name: /^Vault v_[0-9a-f]{16}$/ }).waitFor({ timeout: 30_000 });
    expect(await p.getByRole('grid', { name: 'Model keys' }).textContent()).toContain('sev-snp + 2 NVIDIA GPU(s)');

    await p.getByRole('tab', { name: 'Ceremony', exact: true }).click();
    await p.getByRole('button', { name: 'Open ceremony' }).click();
    const wizard = p.getByRole('region', { name: /^Ceremony c_/ });
    await wizard.waitFor();
    const id = (/c_[0-9a-f]{16}/.exec((await wizard.getByRole('heading').first().textContent()) ?? '') ?? [''])[0];
    const out = tmp('e2e-composite');
    await p.getByLabel('Output folder (challenge, bundle and receipt files)').fill(out);
    await p.getByRole('button', { name: 'Issue challenge and write the file' }).click();
    await p.getByTestId('challenge').waitFor();
    const challengeFile = join(out, `${id}-challenge.json`);
    const challenge = parseChallenge(readFileSync(challengeFile, 'utf8'), challengeFile);

    // The workload: SNP + 2 TEST GPUs answering the device nonce, their evidence bound in REPORT_DATA.
    const r = await rehearseSnp(challenge, 'EC', { gpus: { count: 2, core } });
    const ev = join(out, 'evidence');
    mkdirSync(ev);
    for (const [name, data] of Object.entries(r.files)) writeFileSync(join(ev, name), data);
    const f = (name: string) => join(ev, name);
    await chooseFiles(p, 'Evidence (report or quote)…', [f('report.bin')]);
    await chooseFiles(p, 'Endorsements (chain, CRLs, collateral)…', [
      f('chain.pem'), f('crl.der'), f('rim-driver.xml'), f('rim-vbios.xml'),
      ...Object.keys(r.files).filter((n) => n.startsWith('ocsp-')).map(f),
    ]);
    await chooseFiles(p, 'TEE public key (JWK)…', [f('tee-pubkey.jwk')]);
    await chooseFiles(p, 'Ceremony: add TEST anchor…', [f('test-anchor.pem'), f('gpu-test-anchor.pem'), f('rim-test-anchor.pem')]);
    await chooseFiles(p, 'Additional evidence (GPUs)…', [f('additional-evidence.json')]);
    await p.getByRole('button', { name: 'Appraise and bind' }).click();
    await p.getByTestId('request-fingerprint').waitFor({ timeout: 60_000 });

    const rows = p.getByTestId('composite-devices').locator('tbody tr');
    expect(await rows.count()).toBe(2);
    for (const [i, g] of r.gpus!.entries()) {
      const text = (await rows.nth(i).textContent())!;
      expect(text).toContain(`gpu${i}`);
      expect(text).toContain(g.uuid);
      expect(text).toContain('affirming');
      expect(text).toContain('550.144.03');
      expect(text).toContain('96.00.9F.00.01');
      expect(text).toContain('success');
      expect(text).toContain('TEST');
    }
    expect(await p.getByTestId('binding').textContent()).toBe('REPORT_DATA binds the nonce, the additional evidence (the devices below) and the TEE key (sha384, Trustee ≥ 0.14 form)');
    expect(await p.getByTestId('policy-in-force').textContent()).toContain('at least 2 NVIDIA GPU(s), each affirming');
    // The CPU side still names the workload: its MEASUREMENT and TCB come from the cpu0 submodule.
    expect(await p.getByTestId('workload').textContent()).toMatch(/MEASUREMENT[0-9a-f]{96}/);
    expect(await seriousViolations(c)).toEqual([]);
    await c.screenshot('ceremony-composite-review');
    expect(c.escaped).toEqual([]);
    expect(c.errors).toEqual([]);
  });
});
