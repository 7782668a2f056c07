/**
 * The tamper-evident audit log: an append-only table whose rows form a SHA-256 hash chain.
 *
 * Entry hash (lowercase hex) = SHA-256 of the RFC 8785 canonical JSON of
 * `{seq, time, actor, event, payload, prev_hash}` (payload as the JSON object, not its text), where
 * `prev_hash` is the previous entry's hash, or 64 zeros for seq 1. SQLite triggers (db.ts) refuse
 * UPDATE and DELETE; `verifyChain` recomputes everything and names the first bad entry. Signed heads
 * make truncation and rewrites detectable: an exported checkpoint (size, head hash) signed by a
 * custodian's own key, and the head every release receipt carries (also logged as `audit.checkpoint`).
 * Payloads never hold secrets: ids, digests, names, verdicts, reasons.
 */
import type { JWK } from 'jose';
import type { CustodianKeys, Roster, TrustedRoster } from './custodians.ts';
import { jcs, jcsHash, sha256Hex } from './crypto.ts';
import { tx, type Db } from './db.ts';
import { Refused } from './errors.ts';
import { signStatement, thumbprint, unverifiedClaims, verifyStatement } from './jws.ts';

export const GENESIS = '0'.repeat(64);

/** One row of the log. `time` is RFC 3339 UTC with milliseconds. */
export interface AuditEntry {
  seq: number;
  time: string;
  actor: string;
  event: string;
  payload: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

interface Row {
  seq: number;
  time: string;
  actor: string;
  event: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

const entryHash = (e: Omit<AuditEntry, 'hash'>): string =>
  jcsHash({ seq: e.seq, time: e.time, actor: e.actor, event: e.event, payload: e.payload, prev_hash: e.prev_hash });

/**
 * Appends one entry. Call inside the transaction of the step it records, so the step and its entry
 * commit together. Returns the new entry.
 */
export function appendAudit(db: Db, actor: string, event: string, payload: Record<string, unknown>, now = new Date()): AuditEntry {
  const last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  const base = { seq: (last?.seq ?? 0) + 1, time: now.toISOString(), actor, event, payload, prev_hash: last?.hash ?? GENESIS };
  const entry = { ...base, hash: entryHash(base) };
  db.prepare('INSERT INTO audit (seq, time, actor, event, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    entry.seq, entry.time, entry.actor, entry.event, jcs(entry.payload), entry.prev_hash, entry.hash,
  );
  return entry;
}

/** All entries in order (payloads parsed). A payload that is not JSON is returned as `{ unparsable: text }`. */
export function readAudit(db: Db): AuditEntry[] {
  return (db.prepare('SELECT * FROM audit ORDER BY seq').all() as Row[]).map((r) => {
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(r.payload) as Record<string, unknown>;
    } catch {
      payload = { unparsable: r.payload };
    }
    return { ...r, payload };
  });
}

/** Result of {@link verifyChain}: `firstBad` names the first entry that does not verify, and why. */
export interface ChainReport {
  ok: boolean;
  size: number;
  head: string;
  firstBad?: { seq: number; reason: string };
}

/**
 * Recomputes the chain: sequence numbers 1..n without gaps, each `prev_hash` equal to the previous
 * entry's hash, each stored hash equal to the recomputed one, each payload in canonical form.
 */
export function verifyChain(entries: AuditEntry[], rawPayloads?: string[]): ChainReport {
  let prev = GENESIS;
  for (const [i, e] of entries.entries()) {
    const bad = (reason: string): ChainReport => ({ ok: false, size: entries.length, head: entries.at(-1)?.hash ?? GENESIS, firstBad: { seq: e.seq, reason } });
    if (e.seq !== i + 1) return bad(`sequence number ${e.seq} where ${i + 1} was expected (an entry was removed or inserted)`);
    if (e.prev_hash !== prev) return bad(`prev_hash ${e.prev_hash.slice(0, 16)}… does not equal the hash of entry ${i} (${prev.slice(0, 16)}…)`);
    if (rawPayloads && rawPayloads[i] !== jcs(e.payload)) return bad('payload is not in RFC 8785 canonical form (edited)');
    const h = entryHash(e);
    if (h !== e.hash) return bad(`stored hash ${e.hash.slice(0, 16)}… does not equal the recomputed ${h.slice(0, 16)}… (entry edited)`);
    prev = e.hash;
  }
  return { ok: true, size: entries.length, head: prev };
}

/** Verifies the chain stored in `db`. */
export function verifyDbChain(db: Db): ChainReport {
  const raw = (db.prepare('SELECT payload FROM audit ORDER BY seq').all() as { payload: string }[]).map((r) => r.payload);
  return verifyChain(readAudit(db), raw);
}

/** The log's current size and head hash (GENESIS for an empty log). */
export function auditHead(db: Db): { size: number; head_sha256: string } {
  const last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  return { size: last?.seq ?? 0, head_sha256: last?.hash ?? GENESIS };
}

/** The signed statement of an exported log: its origin (vault id), size, head hash and who vouches for it. */
export interface Checkpoint {
  type: 'custodian-audit-checkpoint';
  origin: string;
  size: number;
  head_sha256: string;
  time: string;
  /** The custodian whose own signing key signed it. */
  signer: string;
}

/**
 * An `audit export` file: every entry; the vault key (public JWK and its RFC 7638 thumbprint, to be
 * compared with the one pinned at `vault init`) and the roster it signed; the checkpoint (compact JWS,
 * ES256, by the exporting custodian's own key).
 */
export interface AuditExport {
  type: 'custodian-audit-export';
  vault_id: string;
  vault_key_jwk: JWK;
  vault_key_thumbprint: string;
  roster_jws: string;
  entries: AuditEntry[];
  checkpoint: string;
}

/**
 * Logs the export itself (a read), then returns every entry and a checkpoint over them signed with
 * the custodian's own key. Refuses to sign a chain that does not verify.
 */
export async function exportAudit(db: Db, roster: TrustedRoster, signer: CustodianKeys, actor: string, now = new Date()): Promise<AuditExport> {
  tx(db, () => appendAudit(db, actor, 'audit.exported', { size_before: auditHead(db).size, signer: signer.name }, now));
  const entries = readAudit(db);
  const report = verifyDbChain(db);
  if (!report.ok) throw new Refused('authentication', `the audit chain does not verify (first bad entry ${report.firstBad!.seq}: ${report.firstBad!.reason}); no checkpoint signed`);
  const cp: Checkpoint = { type: 'custodian-audit-checkpoint', origin: roster.vault_id, size: report.size, head_sha256: report.head, time: now.toISOString(), signer: signer.name };
  return {
    type: 'custodian-audit-export', vault_id: roster.vault_id, vault_key_jwk: roster.vault_key_jwk, vault_key_thumbprint: roster.vault_key_thumbprint,
    roster_jws: roster.roster_jws, entries, checkpoint: await signStatement(cp, signer.signing, signer.entry.signing_jwk, 'custodian-checkpoint+jws'),
  };
}

/**
 * Verifies an export's checkpoint against a vault key thumbprint obtained outside the export (the
 * pin, or `--vault-key`): the export's vault key has that thumbprint, its roster verifies under it,
 * and the checkpoint is a `custodian-checkpoint+jws` of type `custodian-audit-checkpoint` signed by a
 * custodian of that roster for that vault. Refused('authentication') naming what failed.
 */
export async function verifyExportCheckpoint(exp: AuditExport, vaultKeyThumbprint: string): Promise<Checkpoint> {
  const bad = (why: string) => new Refused('authentication', `checkpoint: ${why}`);
  if (!exp || typeof exp !== 'object' || exp.type !== 'custodian-audit-export') throw bad('the file is not an audit export (type custodian-audit-export)');
  if (!exp.vault_key_jwk || (await thumbprint(exp.vault_key_jwk)) !== vaultKeyThumbprint) throw bad(`the export's vault key is not ${vaultKeyThumbprint}`);
  const roster = await verifyStatement<Roster>(exp.roster_jws, exp.vault_key_jwk, 'custodian-roster+jws');
  if (!roster || roster.vault_id !== exp.vault_id) throw bad('the roster does not verify under that vault key');
  const claimed = unverifiedClaims<Checkpoint>(exp.checkpoint);
  const signer = claimed && roster.custodians.find((c) => c.name === claimed.signer);
  const cp = signer && await verifyStatement<Checkpoint>(exp.checkpoint, signer.signing_jwk, 'custodian-checkpoint+jws');
  if (!cp) throw bad('the signature is not a checkpoint signature of a custodian of this vault (wrong key, or not a checkpoint)');
  if (cp.type !== 'custodian-audit-checkpoint' || cp.origin !== roster.vault_id) throw bad(`type ${String(cp.type)} / origin ${String(cp.origin)} is not a checkpoint of vault ${roster.vault_id}`);
  return cp;
}

/**
 * Checks the vault's log against a signed head (`size`, `head_sha256`): the first `size` entries
 * still verify as a chain and entry `size` still has the signed hash (no truncation, no rewrite).
 */
export function checkHead(db: Db, size: number, head: string, what: string): void {
  const chain = verifyDbChain(db);
  if (chain.firstBad && chain.firstBad.seq <= size) {
    throw new Refused('authentication', `entry ${chain.firstBad.seq}, within the ${size} entries of ${what}, no longer verifies (${chain.firstBad.reason}): the log was rewritten`);
  }
  if (size === 0) return;
  const at = db.prepare('SELECT hash FROM audit WHERE seq = ?').get(size) as { hash: string } | undefined;
  if (!at) throw new Refused('authentication', `the vault's audit log is shorter than the ${size} entries of ${what}: entries were removed`);
  if (at.hash !== head) throw new Refused('authentication', `entry ${size} no longer has the head hash of ${what}: the log was rewritten`);
}

/**
 * Checks the vault's chain against an earlier export ({@link verifyExportCheckpoint} with
 * `vaultKeyThumbprint`, then {@link checkHead}); the export must be of this vault.
 */
export async function checkAgainstCheckpoint(db: Db, roster: TrustedRoster, exp: AuditExport, vaultKeyThumbprint = roster.vault_key_thumbprint): Promise<Checkpoint> {
  const cp = await verifyExportCheckpoint(exp, vaultKeyThumbprint);
  if (cp.origin !== roster.vault_id) throw new Refused('authentication', `checkpoint: it is of vault ${cp.origin}, not of this vault ${roster.vault_id}`);
  checkHead(db, cp.size, cp.head_sha256, `the checkpoint signed by ${cp.signer} at ${cp.time}`);
  return cp;
}

/**
 * Cross-checks the state tables against the log: every custodian, key, ceremony state and approval
 * must be explained by an entry (a row written into the file without going through a step is not).
 * Returns one sentence per unexplained row; empty when all agree.
 */
export function unexplainedState(db: Db): string[] {
  const entries = readAudit(db);
  const out: string[] = [];
  const init = entries.find((e) => e.event === 'vault.init');
  const enrolled = (init?.payload.custodians as string[] | undefined) ?? [];
  for (const c of db.prepare('SELECT name FROM custodians').all() as { name: string }[]) {
    if (!enrolled.includes(c.name)) out.push(`custodian ${c.name} is not in the vault.init entry`);
  }
  for (const k of db.prepare('SELECT id, record FROM keys').all() as { id: string; record: string }[]) {
    let h = '';
    try {
      h = jcsHash(JSON.parse(k.record));
    } catch {
      /* reported below */
    }
    if (!entries.some((e) => e.event === 'key.stored' && e.payload.key_id === k.id && e.payload.record_sha256 === h)) out.push(`key ${k.id}: no key.stored entry with its record hash`);
  }
  for (const c of db.prepare('SELECT id, state FROM ceremonies').all() as { id: string; state: string }[]) {
    // ceremony.opened records the state 'open' by its event; later steps name the state they leave.
    const stateOf = (e: (typeof entries)[number]) => (e.event === 'ceremony.opened' ? 'open' : e.payload.state);
    const last = entries.filter((e) => e.payload.ceremony === c.id && typeof stateOf(e) === 'string').at(-1);
    if (!last) out.push(`ceremony ${c.id}: no entry records it`);
    else if (stateOf(last) !== c.state) out.push(`ceremony ${c.id} is ${c.state} in the file, but its last entry (${last.seq}, ${last.event}) says ${String(stateOf(last))}`);
  }
  for (const a of db.prepare('SELECT ceremony_id, custodian, signature FROM approvals').all() as { ceremony_id: string; custodian: string; signature: string }[]) {
    if (!entries.some((e) => e.event === 'ceremony.approved' && e.payload.ceremony === a.ceremony_id && e.payload.custodian === a.custodian && e.payload.signature_sha256 === sha256Hex(a.signature))) {
      out.push(`approval of ${a.custodian} for ${a.ceremony_id}: no ceremony.approved entry with its signature`);
    }
  }
  return out;
}
