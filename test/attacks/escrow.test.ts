/**
 * Attacks on the approval escrow by ANOTHER LOCAL USER (uid 65534 through setpriv): today's attack was
 * to create the escrow directory before the first approval after boot, plant a key file in it and read
 * every custodian's long-term share. Each test performs the attack against a real ceremony and shows
 * it refused with a clear message, with nothing of the ceremony written where the attacker can read.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { core } from '../helpers.ts';
import { approveAs, evidenceFor, newVault } from '../vault/helpers.ts';
import { abort, challenge, openCeremony, show, submitEvidence } from '../../electron/vault/ceremony.ts';
import { announceSkips, asOtherUser, noOtherUser, removeAll, sharedStickyDir } from './as-user.ts';

announceSkips('approval escrow');
const made: string[] = [];
afterAll(() => removeAll(made));

/** Runs `fn` with CUSTODIAN_ESCROW_DIR pointing at `dir`, restoring it afterwards. */
async function withEscrowDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.CUSTODIAN_ESCROW_DIR;
  process.env.CUSTODIAN_ESCROW_DIR = dir;
  try {
    return await fn();
  } finally {
    process.env.CUSTODIAN_ESCROW_DIR = saved;
  }
}

describe.skipIf(noOtherUser !== null)('another local user and the escrow directory', () => {
  it('a directory pre-created by another user (before the first ceremony after boot) is refused: no key is ever written into it', async () => {
    const shared = sharedStickyDir('/dev/shm', 'escrow-parent');
    made.push(shared);
    const hijacked = join(shared, 'custodian-escrow');
    expect(asOtherUser('mkdir', '-m', '0777', hijacked).status).toBe(0);
    const v = await newVault();
    const cid = await openCeremony(v.ctx, v.key.id);
    const ch = await challenge(v.ctx, cid);
    const input = (await evidenceFor(ch)).input;
    const e = await withEscrowDir(hijacked, () => submitEvidence(v.ctx, core, cid, input)).then(() => null, (x: unknown) => x as Error);
    expect(e?.message).toMatch(/custodian-escrow: escrow directory: owned by uid 65534, not by you/);
    expect(readdirSync(hijacked)).toEqual([]);
    expect(show(v.ctx, cid).state).toBe('challenged'); // nothing accepted, nothing sealed
    await abort(v.ctx, cid);
    v.db.close();
  });

  it('a symlink planted as the escrow directory (pointing at a directory the attacker reads) is refused', async () => {
    const shared = sharedStickyDir('/dev/shm', 'escrow-link');
    made.push(shared);
    const theirs = join(shared, 'theirs');
    const link = join(shared, 'custodian-escrow');
    expect(asOtherUser('mkdir', '-m', '0777', theirs).status).toBe(0);
    expect(asOtherUser('ln', '-s', theirs, link).status).toBe(0);
    const v = await newVault();
    const cid = await openCeremony(v.ctx, v.key.id);
    const ch = await challenge(v.ctx, cid);
    const input = (await evidenceFor(ch)).input;
    await expect(withEscrowDir(link, () => submitEvidence(v.ctx, core, cid, input))).rejects.toThrow(/custodian-escrow: escrow directory: is a symlink: refusing to follow it/);
    expect(readdirSync(theirs)).toEqual([]);
    await abort(v.ctx, cid);
    v.db.close();
  });

  it('with our own private escrow, the files of a live ceremony cannot be read by the other user', async () => {
    const v = await newVault();
    const cid = await openCeremony(v.ctx, v.key.id);
    const ch = await challenge(v.ctx, cid);
    await submitEvidence(v.ctx, core, cid, (await evidenceFor(ch)).input);
    await approveAs(v.ctx, cid, 'alice');
    const dir = process.env.CUSTODIAN_ESCROW_DIR!;
    const files = readdirSync(dir).map((f) => join(dir, f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(asOtherUser('cat', f).status).not.toBe(0);
    expect(asOtherUser('ls', dir).status).not.toBe(0);
    expect(asOtherUser('cat', v.path).status).not.toBe(0);
    await abort(v.ctx, cid);
    expect(files.some((f) => existsSync(f))).toBe(false); // aborting drops the escrow key
    v.db.close();
  });
});
