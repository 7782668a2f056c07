/**
 * Crash safety: a child process runs ceremonies back to back and is SIGKILLed at random moments, many
 * times. After every kill the vault must open (its roster still authenticated, the sweep removing what
 * ended ceremonies left in the RAM escrow and half-written output files), the audit chain must verify
 * and explain every state row, and every step the child reported as committed must still be there.
 * Then a last run resumes and finishes, and every closed ceremony's bundle decrypts to the model key
 * with the TEE key it was bound to, and its receipt verifies against the vault key.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlattenedJWE, JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { core, ROOT } from '../helpers.ts';
import { evidenceFor, newVault } from './helpers.ts';
import { readAudit, unexplainedState, verifyDbChain } from '../../electron/vault/audit.ts';
import { abort, challenge, listCeremonies, openCeremony, show, submitEvidence, TERMINAL, type Ctx } from '../../electron/vault/ceremony.ts';
import { openVault } from '../../electron/vault/open.ts';
import { verifyReceipt } from '../../electron/vault/receipt.ts';
import { decryptBundle } from '../../electron/vault/release.ts';

/** Opens the vault as every command does (roster against the pin, then the sweep); a Ctx on it. */
async function reopen(path: string): Promise<Ctx> {
  const { db, roster } = await openVault(path);
  return { db, roster, actor: 't' };
}
const escrowFile = (ctx: Ctx, cid: string) => join(process.env.CUSTODIAN_ESCROW_DIR!, `${ctx.db.prepare('SELECT escrow_id FROM ceremonies WHERE id = ?').pluck().get(cid) as string}.key`);

const KILLS = Number(process.env.CRASH_KILLS ?? 24);
const DRIVER = join(ROOT, 'test', 'vault', 'crash-driver.ts');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');

/** Runs the driver; kills it `killAfterMs` after it is ready (or lets it finish). Resolves with its committed lines. */
function runDriver(vault: string, work: string, target: number, killAfterMs?: number): Promise<{ lines: string[]; killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, DRIVER, vault, work, String(target)], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAfterMs !== undefined && timer === undefined && out.includes('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' && code !== 0) return reject(new Error(`driver failed (${code}): ${err}`));
      resolve({ lines: out.split('\n').filter((l) => l.startsWith('committed ')), killed: signal === 'SIGKILL', code });
    });
  });
}

const ORDER = ['open', 'challenged', 'appraised', 'approved', 'released', 'closed'];

describe('SIGKILL at random points of a ceremony', () => {
  it(`loses no committed step over ${KILLS} kills, and the ceremony resumes to a release`, { timeout: 300_000 }, async () => {
    const v = await newVault();
    v.db.close();
    const committed: string[] = [];
    let kills = 0;
    let auditSize = 0;
    const interrupted = new Map<string, number>();
    for (let i = 0; i < KILLS; i++) {
      const r = await runDriver(v.path, v.dir, 1_000_000, Math.floor(Math.random() * 1500));
      expect(r.killed).toBe(true);
      kills++;
      committed.push(...r.lines);
      const ctx = await reopen(v.path);
      const { db } = ctx;
      try {
        const chain = verifyDbChain(db);
        expect(chain.ok, JSON.stringify(chain.firstBad)).toBe(true);
        expect(chain.size).toBeGreaterThanOrEqual(auditSize);
        auditSize = chain.size;
        // Each step commits with its audit entry: no state row the log does not explain.
        expect(unexplainedState(db)).toEqual([]);
        const audit = readAudit(db);
        for (const line of committed) {
          const [, step, cid, custodian] = line.split(' ') as [string, string, string, string?];
          const c = show(ctx, cid);
          if (step === 'approval') {
            expect(audit.some((e) => e.event === 'ceremony.approved' && e.payload.ceremony === cid && e.payload.custodian === custodian), line).toBe(true);
            expect(c.approvals.some((a) => a.custodian === custodian) || ['released', 'closed'].includes(c.state), line).toBe(true);
          } else {
            expect(ORDER.indexOf(c.state), `${line}: now ${c.state}`).toBeGreaterThanOrEqual(ORDER.indexOf(step));
          }
        }
        // The sweep on open: no escrow key of a released or ended ceremony, no half-written bundle or receipt.
        for (const c of listCeremonies(db).filter((c) => c.state === 'released' || TERMINAL.includes(c.state))) {
          expect(existsSync(escrowFile(ctx, c.id)), `escrow key of ${c.id} (${c.state}) left after the sweep`).toBe(false);
        }
        expect(readdirSync(v.dir).filter((f) => f.endsWith('.tmp') && /bundle|receipt/.test(f))).toEqual([]);
        const live = listCeremonies(db).find((c) => !TERMINAL.includes(c.state));
        if (live) interrupted.set(live.state, (interrupted.get(live.state) ?? 0) + 1);
      } finally {
        db.close();
      }
    }
    // An interrupted ceremony can be aborted (its RAM escrow goes with it) ...
    const ctx0 = await reopen(v.path);
    const interruptedLive = listCeremonies(ctx0.db).find((c) => !TERMINAL.includes(c.state));
    if (interruptedLive) {
      await abort(ctx0, interruptedLive.id, 'abandoned after a crash');
      expect(show(ctx0, interruptedLive.id).state).toBe('aborted');
      expect(existsSync(escrowFile(ctx0, interruptedLive.id))).toBe(false);
    }
    const closedBefore = listCeremonies(ctx0.db).filter((c) => c.state === 'closed').length;
    ctx0.db.close();
    // ... and the driver, resumed, opens a new one and finishes it.
    const last = await runDriver(v.path, v.dir, closedBefore + 1);
    expect(last.code).toBe(0);

    const ctx = await reopen(v.path);
    const { db } = ctx;
    expect(verifyDbChain(db).ok).toBe(true);
    expect(unexplainedState(db)).toEqual([]);
    const closed = listCeremonies(db).filter((c) => c.state === 'closed');
    expect(closed.length).toBe(closedBefore + 1);
    for (const c of closed) {
      const row = db.prepare('SELECT bundle, receipt FROM ceremonies WHERE id = ?').get(c.id) as { bundle: string; receipt: string };
      const bundle = JSON.parse(readFileSync(join(v.dir, `${c.id}.bundle.json`), 'utf8')) as FlattenedJWE;
      expect(bundle).toEqual(JSON.parse(row.bundle));
      const tee = JSON.parse(readFileSync(join(v.dir, `${c.id}.tee.jwk`), 'utf8')) as JWK;
      expect(Buffer.from((await decryptBundle(bundle, tee)).plaintext).equals(v.keyBytes)).toBe(true);
      const receipt = readFileSync(join(v.dir, `${c.id}.receipt.jws`), 'utf8').trim();
      expect(receipt).toBe(row.receipt);
      const verified = await verifyReceipt(receipt, ctx.roster.vault_key_thumbprint);
      expect(verified.ok, JSON.stringify(verified.checks.filter((k) => k.status === 'fail'))).toBe(true);
      expect(existsSync(escrowFile(ctx, c.id))).toBe(false);
    }
    db.close();
    console.log(`crash test: ${kills} SIGKILLs; ${committed.length} committed steps reported and all found; live ceremony state at the kills: ${JSON.stringify(Object.fromEntries(interrupted))}; ${closed.length} ceremonies closed, every bundle decrypts to the model key and every receipt verifies`);
    expect(kills).toBeGreaterThanOrEqual(20);
  });

  // BUG (electron/vault/ceremony.ts submitEvidence + escrow.ts createEscrowKey): the escrow key file is
  // created under the ceremony's fixed escrow_id BEFORE the evidence transaction commits. A SIGKILL in
  // between leaves the file (in our own private RAM directory) while the ceremony is still `challenged`;
  // the sweep only removes keys of released/ended ceremonies, and every later submission is refused
  // ('state': "an escrow key file already exists that ceremony … did not create"), so the ceremony can
  // never take evidence again (only abort helps). The random-kill test above hits this window now and
  // then (the window includes the commit's fsync), so it is timing-dependent until fixed. Fix idea: a
  // fresh escrow id per evidence attempt, recorded in the same transaction, or the sweep removing key
  // files of ceremonies whose escrow_check is still NULL. Remove `.fails` once fixed.
  it('a crash between creating the escrow key and committing the evidence leaves the ceremony able to take evidence again (stale key not used)', async () => {
    const v = await newVault();
    const cid = await openCeremony(v.ctx, v.key.id);
    const ch = await challenge(v.ctx, cid);
    // What the killed process left: its escrow key file, created 0600 in our private escrow directory, never committed.
    const stale = Buffer.alloc(32, 7);
    writeFileSync(escrowFile(v.ctx, cid), stale, { mode: 0o600 });
    v.db.close();
    const ctx = await reopen(v.path);
    try {
      await submitEvidence(ctx, core, cid, (await evidenceFor(ch)).input);
      expect(show(ctx, cid).state).toBe('appraised');
      expect(readFileSync(escrowFile(ctx, cid)).equals(stale)).toBe(false);
    } finally {
      ctx.db.close();
    }
  });
});
