/**
 * Crash safety: a child process runs ceremonies back to back and is SIGKILLed at random moments, many
 * times. After every kill the vault must open, the audit chain must verify, and every step the child
 * reported as committed must still be there. Then a last run resumes and finishes, and every closed
 * ceremony's bundle decrypts to the model key with the TEE key it was bound to.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlattenedJWE, JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.ts';
import { newVault } from './helpers.ts';
import { readAudit, verifyDbChain } from '../../electron/vault/audit.ts';
import { abort, listCeremonies, show } from '../../electron/vault/ceremony.ts';
import { openDb } from '../../electron/vault/db.ts';
import { decryptBundle } from '../../electron/vault/release.ts';

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
      const db = openDb(v.path);
      try {
        const chain = verifyDbChain(db);
        expect(chain.ok, JSON.stringify(chain.firstBad)).toBe(true);
        expect(chain.size).toBeGreaterThanOrEqual(auditSize);
        auditSize = chain.size;
        const audit = readAudit(db);
        for (const line of committed) {
          const [, step, cid, custodian] = line.split(' ') as [string, string, string, string?];
          const c = show({ db, actor: 't' }, cid);
          if (step === 'approval') {
            expect(audit.some((e) => e.event === 'ceremony.approved' && e.payload.ceremony === cid && e.payload.custodian === custodian), line).toBe(true);
            expect(c.approvals.some((a) => a.custodian === custodian) || ['released', 'closed'].includes(c.state), line).toBe(true);
          } else {
            expect(ORDER.indexOf(c.state), `${line}: now ${c.state}`).toBeGreaterThanOrEqual(ORDER.indexOf(step));
          }
        }
        const live = listCeremonies(db).find((c) => !['closed', 'aborted', 'expired', 'refused'].includes(c.state));
        if (live) interrupted.set(live.state, (interrupted.get(live.state) ?? 0) + 1);
      } finally {
        db.close();
      }
    }
    // An interrupted ceremony can be aborted (its RAM escrow goes with it) ...
    const db0 = openDb(v.path);
    const interruptedLive = listCeremonies(db0).find((c) => !['closed', 'aborted', 'expired', 'refused'].includes(c.state));
    if (interruptedLive) {
      await abort({ db: db0, actor: 't' }, interruptedLive.id, 'abandoned after a crash');
      expect(show({ db: db0, actor: 't' }, interruptedLive.id).state).toBe('aborted');
    }
    const closedBefore = listCeremonies(db0).filter((c) => c.state === 'closed').length;
    db0.close();
    // ... and the driver, resumed, opens a new one and finishes it.
    const last = await runDriver(v.path, v.dir, closedBefore + 1);
    expect(last.code).toBe(0);

    const db = openDb(v.path);
    expect(verifyDbChain(db).ok).toBe(true);
    const closed = listCeremonies(db).filter((c) => c.state === 'closed');
    expect(closed.length).toBe(closedBefore + 1);
    for (const c of closed) {
      const row = db.prepare('SELECT bundle FROM ceremonies WHERE id = ?').get(c.id) as { bundle: string };
      const bundle = JSON.parse(readFileSync(join(v.dir, `${c.id}.bundle.json`), 'utf8')) as FlattenedJWE;
      expect(bundle).toEqual(JSON.parse(row.bundle));
      const tee = JSON.parse(readFileSync(join(v.dir, `${c.id}.tee.jwk`), 'utf8')) as JWK;
      expect(Buffer.from((await decryptBundle(bundle, tee)).plaintext).equals(v.keyBytes)).toBe(true);
    }
    db.close();
    console.log(`crash test: ${kills} SIGKILLs; ${committed.length} committed steps reported and all found; live ceremony state at the kills: ${JSON.stringify(Object.fromEntries(interrupted))}; ${closed.length} ceremonies closed, every bundle decrypts to the model key`);
    expect(kills).toBeGreaterThanOrEqual(20);
  });
});
