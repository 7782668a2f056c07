/**
 * Child process for crash.test.ts: drives ceremonies on one vault, resuming whatever ceremony is live,
 * until `TARGET` ceremonies are closed. After every committed step it writes `committed <step> <cid>
 * [custodian]` to stdout synchronously, so the parent knows what must survive a SIGKILL.
 *
 * usage: node --import tsx crash-driver.ts VAULT WORKDIR TARGET
 * (the escrow directory and the known-vaults pin come from the parent's environment)
 */
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { loadCore } from '../../electron/core/core.ts';
import { writeAtomic } from '../../electron/io/files.ts';
import { rehearsalEvidence, rehearseSnp } from '../../electron/rehearse/snp.ts';
import { approve, challenge, listCeremonies, openCeremony, release, releaseToFiles, show, submitEvidence, TERMINAL, type Ctx } from '../../electron/vault/ceremony.ts';
import { listKeys } from '../../electron/vault/keys.ts';
import { openVault } from '../../electron/vault/open.ts';
import { passphraseOf } from './names.ts';

const [vault, work, target] = process.argv.slice(2) as [string, string, string];
const say = (line: string) => writeSync(1, `${line}\n`);
const core = await loadCore();
const { db, roster } = await openVault(vault);
const ctx: Ctx = { db, roster, actor: 'crash-driver' };
const key = (await listKeys(db, roster)).keys[0]!;
say('ready');

for (;;) {
  const all = listCeremonies(db);
  if (all.filter((c) => c.state === 'closed').length >= Number(target)) break;
  const live = all.find((c) => !TERMINAL.includes(c.state));
  if (!live) {
    say(`committed open ${await openCeremony(ctx, key.id)}`);
    continue;
  }
  const cid = live.id;
  const c = show(ctx, cid);
  if (c.state === 'open') {
    await challenge(ctx, cid);
    say(`committed challenged ${cid}`);
  } else if (c.state === 'challenged') {
    const ch = await challenge(ctx, cid); // re-export, as an operator would after a crash
    const r = await rehearseSnp({ nonce: ch.nonce, hashAlg: ch['extra-params']['selected-hash-algorithm'] });
    writeAtomic(join(work, `${cid}.tee.jwk`), JSON.stringify(r.teePrivateJwk), 0o600);
    await submitEvidence(ctx, core, cid, rehearsalEvidence(r));
    say(`committed appraised ${cid}`);
  } else if (c.state === 'appraised') {
    const next = c.data.participants.find((p) => !c.approvals.some((a) => a.custodian === p))!;
    await approve(ctx, cid, next, passphraseOf(next), { requestSha256: c.data.request_sha256! });
    say(`committed approval ${cid} ${next}`);
  } else if (c.state === 'approved' || c.state === 'released') {
    if (c.state === 'approved') {
      await release(ctx, core, cid);
      say(`committed released ${cid}`);
    }
    // As `ceremony release` does: the output paths are recorded (so a crash's temporary files are swept), the files written, the ceremony closed.
    await releaseToFiles(ctx, core, cid, { bundle: join(work, `${cid}.bundle.json`), receipt: join(work, `${cid}.receipt.jws`) });
    say(`committed closed ${cid}`);
  }
}
db.close();
say('done');
