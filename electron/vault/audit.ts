/**
 * The tamper-evident audit log: an append-only table whose rows form a SHA-256 hash chain.
 *
 * Entry hash (lowercase hex) = SHA-256 of the RFC 8785 canonical JSON of
 * `{seq, time, actor, event, payload, prev_hash}` (payload as the JSON object, not its text), where
 * `prev_hash` is the previous entry's hash, or 64 zeros for seq 1. SQLite triggers (db.ts) refuse
 * UPDATE and DELETE; `verifyChain` recomputes everything and names the first bad entry; an exported
 * checkpoint (size, head hash) signed by the vault key makes truncation of the tail detectable.
 * Payloads never hold secrets: ids, digests, names, verdicts, reasons.
 */
import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { jcs, jcsHash } from './crypto.ts';
import { tx, type Db } from './db.ts';
import { Refused } from './errors.ts';
import { signClaims, verifyClaims } from './release.ts';

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

/** The signed statement of an exported log: its origin (vault id), size and head hash. */
export interface Checkpoint {
  type: 'custodian-audit-checkpoint';
  origin: string;
  size: number;
  head_sha256: string;
  time: string;
}

/** An `audit export` file: every entry, the vault's public signing key and the checkpoint (compact JWS, ES256). */
export interface AuditExport {
  vault_id: string;
  public_jwk: JWK;
  entries: AuditEntry[];
  checkpoint: string;
}

/**
 * Logs the export itself (a read), then returns every entry and a checkpoint over them signed with
 * `signingKey` (the vault signing key). Refuses to sign a chain that does not verify.
 */
export async function exportAudit(db: Db, signingKey: KeyObject, publicJwk: JWK, vaultId: string, actor: string, now = new Date()): Promise<AuditExport> {
  tx(db, () => appendAudit(db, actor, 'audit.exported', { size_before: (db.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n }, now));
  const entries = readAudit(db);
  const report = verifyDbChain(db);
  if (!report.ok) throw new Refused('authentication', `the audit chain does not verify (first bad entry ${report.firstBad!.seq}: ${report.firstBad!.reason}); no checkpoint signed`);
  const cp: Checkpoint = { type: 'custodian-audit-checkpoint', origin: vaultId, size: report.size, head_sha256: report.head, time: now.toISOString() };
  return { vault_id: vaultId, public_jwk: publicJwk, entries, checkpoint: await signClaims(cp, signingKey, publicJwk, 'custodian-checkpoint+jws') };
}

/**
 * Checks the vault's chain against an earlier export: the checkpoint signature (under `publicJwk`,
 * the vault's own key, not the one in the file), that the first `size` entries still verify as a
 * chain, and that entry `size` still has the signed head hash (no truncation, no rewrite since).
 */
export async function checkAgainstCheckpoint(db: Db, exp: AuditExport, publicJwk: JWK): Promise<Checkpoint> {
  let cp: Checkpoint;
  try {
    cp = await verifyClaims<Checkpoint>(exp.checkpoint, publicJwk);
  } catch {
    throw new Refused('authentication', 'the checkpoint signature does not verify under this vault\'s signing key');
  }
  const chain = verifyDbChain(db);
  if (chain.firstBad && chain.firstBad.seq <= cp.size) {
    throw new Refused('authentication', `entry ${chain.firstBad.seq}, within the checkpoint's ${cp.size} entries, no longer verifies (${chain.firstBad.reason}): the log was rewritten`);
  }
  const at = db.prepare('SELECT hash FROM audit WHERE seq = ?').get(cp.size) as { hash: string } | undefined;
  if (!at) throw new Refused('authentication', `the vault's audit log is shorter than the checkpoint's ${cp.size} entries: entries were removed`);
  if (at.hash !== cp.head_sha256) throw new Refused('authentication', `entry ${cp.size} no longer has the checkpoint's head hash: the log was rewritten`);
  return cp;
}
