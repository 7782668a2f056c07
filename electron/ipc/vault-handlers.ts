/**
 * The vault room's handlers (contract-vault.ts) over the services in electron/vault: one open vault
 * per console, ceremony steps as the CLI runs them, outputs written by main into a folder the user
 * chose. Nothing secret is returned: views are built field by field from public records, and the
 * strict response schemas refuse anything else.
 */
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Core } from '../core/core.ts';
import { InputError } from '../core/errors.ts';
import { readNamed, writeAtomic } from '../io/files.ts';
import { checkJsonDepth, checkSize } from '../io/limits.ts';
import { checkAgainstCheckpoint, readAudit, verifyDbChain, type AuditEntry, type AuditExport } from '../vault/audit.ts';
import { exportWithCustodian } from '../vault/audit-export.ts';
import { parseTeePublicKey } from '../vault/binding.ts';
import { abort, approve, challenge, listCeremonies, openCeremony, releaseToFiles, show, submitEvidence, type Ctx } from '../vault/ceremony.ts';
import { jcsHash } from '../vault/crypto.ts';
import { initVault, unlockCustodian, vaultInfo, type TrustedRoster } from '../vault/custodians.ts';
import { SCHEMA_VERSION, type Db } from '../vault/db.ts';
import { generateAesKey, listKeys, parseKeyFile, storeKey, type KeyRecord } from '../vault/keys.ts';
import { openVault } from '../vault/open.ts';
import { assessPassphrase, MIN_PASSPHRASE_SCORE } from '../vault/passphrase-strength.ts';
import { checkAppraisalPolicy, parseReleasePolicy, pinnedReferenceValues } from '../vault/policy.ts';
import type { Channel, Response } from './contract.ts';
import type { VAULT_CONTRACT } from './contract-vault.ts';
import type { Handlers } from './dispatch.ts';

type VaultChannel = keyof typeof VAULT_CONTRACT & Channel;

export interface VaultDeps {
  core: Core;
  /** Who the audit log names for operator steps (the OS user); approvals name the custodian. */
  actor: string;
}

/** The key's public view: metadata, fingerprint, policy and its hash. */
export function keyView(k: KeyRecord): Response<'key:list'>['keys'][number] {
  const { kind, bits, format, source, fingerprint, created_at } = k.meta;
  return {
    id: k.id, name: k.name, kind, bits, format, source, fingerprint, createdAt: created_at, policy: k.policy, policySha256: jcsHash(k.policy),
    importedBy: k.imported_by, referenceValues: k.policy.tee.flatMap((t) => pinnedReferenceValues(k.policy.appraisal_policy, t)),
  };
}

function summary(db: Db, roster: TrustedRoster, path: string, warnings: string[]): Response<'vault:status'>['vault'] & object {
  const v = vaultInfo(db, roster);
  return {
    path,
    vaultId: v.vaultId,
    schema: SCHEMA_VERSION,
    threshold: v.threshold,
    createdAt: v.createdAt,
    custodians: v.custodians.map((c) => ({ name: c.name, kdf: { alg: c.kdf.alg, memoryKiB: c.kdf.memoryKiB, iterations: c.kdf.iterations, parallelism: c.kdf.parallelism } })),
    vaultKeyThumbprint: v.vaultKeyThumbprint,
    warnings,
  };
}

/** `folder` must be an existing directory (InputError naming it otherwise). */
function outputFolder(folder: string): string {
  let isDir = false;
  try {
    isDir = statSync(folder).isDirectory();
  } catch {
    /* reported below */
  }
  if (!isDir) throw new InputError(folder, 'output folder', 'no such folder');
  return folder;
}

/** Audit entries matching every filter of an `audit:read` request. */
function matches(e: AuditEntry, f: { event?: string; actor?: string; ceremony?: string; text?: string; from?: string; to?: string }): boolean {
  if (f.event && !e.event.startsWith(f.event)) return false;
  if (f.actor && e.actor !== f.actor) return false;
  if (f.ceremony && e.payload.ceremony !== f.ceremony) return false;
  if (f.text && !JSON.stringify(e.payload).toLowerCase().includes(f.text.toLowerCase())) return false;
  if (f.from && new Date(e.time) < new Date(f.from)) return false;
  if (f.to && new Date(e.time) > new Date(f.to)) return false;
  return true;
}

/** The handlers of the vault room, holding the one open vault. `close()` closes it (on quit). */
export function createVaultHandlers({ core, actor }: VaultDeps): { handlers: Pick<Handlers, VaultChannel>; close(): void } {
  let open: { db: Db; roster: TrustedRoster; path: string; warnings: string[] } | null = null;
  const ctx = (): Ctx => {
    if (!open) throw new InputError('vault', 'vault', 'no vault is open: open or create one first');
    return { db: open.db, roster: open.roster, actor };
  };
  const close = () => {
    open?.db.close();
    open = null;
  };
  const use = async (path: string, vaultKey?: string) => {
    const v = await openVault(path, { vaultKey });
    try {
      const vault = summary(v.db, v.roster, path, v.warnings);
      close();
      open = { db: v.db, roster: v.roster, path, warnings: v.warnings };
      return { vault };
    } catch (e) {
      v.db.close();
      throw e;
    }
  };
  const ceremony = (id: string) => ({ ceremony: show(ctx(), id) });

  const handlers: Pick<Handlers, VaultChannel> = {
    'vault:status': async () => ({ vault: open ? summary(open.db, open.roster, open.path, open.warnings) : null }),
    'vault:open': ({ path, vaultKey }) => use(path, vaultKey),
    'vault:create': async ({ path, threshold, custodians }) => {
      await initVault(path, custodians, { threshold, actor });
      return use(path);
    },
    'vault:assess-passphrase': async ({ passphrase, userInputs }) => {
      const a = assessPassphrase(passphrase, userInputs);
      return { ...a, acceptable: a.score >= MIN_PASSPHRASE_SCORE };
    },
    'vault:close': async () => {
      const was = open !== null;
      close();
      return { closed: was };
    },
    'key:list': async () => {
      const { db, roster } = ctx();
      const { keys, altered } = await listKeys(db, roster);
      return { keys: keys.map(keyView), altered };
    },
    'key:add': async ({ name, custodian, passphrase, source, policy }) => {
      const { db, roster } = ctx();
      const parsed = parseReleasePolicy(policy, 'release policy', roster.threshold, roster.custodians.length);
      checkAppraisalPolicy(core, parsed.appraisal_policy, 'release policy');
      const material = 'generate' in source ? generateAesKey(source.generate) : parseKeyFile(readNamed(source.importPath, 'key file').bytes, source.importPath);
      try {
        const importer = await unlockCustodian(db, roster, custodian, passphrase);
        return { key: keyView(await storeKey(db, roster, name, material, parsed, importer, actor)) };
      } finally {
        material.bytes.fill(0);
      }
    },
    'ceremony:list': async () => {
      const { db, roster } = ctx();
      const { keys, altered } = await listKeys(db, roster);
      const names = new Map<string, string>([...keys, ...altered].map((k) => [k.id, k.name]));
      return { ceremonies: listCeremonies(db).map((c) => ({ ...c, key_name: names.get(c.key_id) ?? c.key_id })) };
    },
    'ceremony:show': async ({ id }) => ceremony(id),
    'ceremony:open': async ({ key, participants, ttlSeconds }) => ceremony(await openCeremony(ctx(), key, { participants, ttlSeconds })),
    'ceremony:challenge': async ({ id, hashAlg, folder }) => {
      const dir = outputFolder(folder);
      const c = await challenge(ctx(), id, { hashAlg });
      const file = join(dir, `${id}-challenge.json`);
      writeAtomic(file, `${JSON.stringify(c, null, 2)}\n`);
      return { ...ceremony(id), file };
    },
    'ceremony:evidence': async ({ id, evidence, endorsements, testAnchors, teePubkey, additionalEvidence }) => {
      checkSize(evidence.name, 'evidence', evidence.bytes.length);
      for (const f of endorsements) checkSize(f.name, 'endorsement', f.bytes.length);
      for (const f of testAnchors) checkSize(f.name, 'test anchor', f.bytes.length);
      checkSize(teePubkey.name, 'tee-pubkey', teePubkey.bytes.length);
      let jwk: unknown;
      try {
        const text = new TextDecoder('utf-8', { fatal: true }).decode(teePubkey.bytes);
        checkJsonDepth(teePubkey.name, 'tee-pubkey', text);
        jwk = JSON.parse(text);
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError(teePubkey.name, 'tee-pubkey', 'not a JSON Web Key (JSON text)');
      }
      const tee = { file: teePubkey, jwk: parseTeePublicKey(jwk, teePubkey.name) };
      let additional: string | undefined;
      if (additionalEvidence) {
        checkSize(additionalEvidence.name, 'additional evidence', additionalEvidence.bytes.length);
        try {
          additional = new TextDecoder('utf-8', { fatal: true }).decode(additionalEvidence.bytes);
        } catch {
          throw new InputError(additionalEvidence.name, 'additional evidence', 'not UTF-8 text');
        }
      }
      return { ceremony: await submitEvidence(ctx(), core, id, { evidence, endorsements, testAnchors, teePubkey: tee, ...(additional === undefined ? {} : { additionalEvidence: additional }) }) };
    },
    'ceremony:approve': async ({ id, custodian, passphrase, requestSha256 }) => ({ ceremony: await approve(ctx(), id, custodian, passphrase, { requestSha256 }) }),
    'ceremony:release': async ({ id, folder }) => {
      const dir = outputFolder(folder);
      const files = { bundle: join(dir, `${id}-bundle.jwe.json`), receipt: join(dir, `${id}-receipt.jws`) };
      const { again } = await releaseToFiles(ctx(), core, id, files);
      return { ...ceremony(id), bundleFile: files.bundle, receiptFile: files.receipt, again };
    },
    'ceremony:abort': async ({ id, reason }) => {
      await abort(ctx(), id, reason);
      return ceremony(id);
    },
    'audit:read': async ({ offset, limit, ...filters }) => {
      const { db } = ctx();
      const all = readAudit(db);
      const hits = all.filter((e) => matches(e, filters)).reverse();
      return {
        total: all.length,
        matched: hits.length,
        entries: hits.slice(offset, offset + limit),
        chain: verifyDbChain(db),
        events: [...new Set(all.map((e) => e.event))].sort(),
        actors: [...new Set(all.map((e) => e.actor))].sort(),
      };
    },
    'audit:export': async ({ custodian, passphrase, folder }) => {
      const dir = outputFolder(folder);
      const { db, roster } = ctx();
      const { export: exp, checkpoint } = await exportWithCustodian(db, roster, custodian, passphrase, actor);
      const file = join(dir, `audit-${exp.vault_id}-${exp.entries.length}.json`);
      writeAtomic(file, `${JSON.stringify(exp, null, 2)}\n`);
      return { file, entries: exp.entries.length, checkpoint };
    },
    'audit:checkpoint': async ({ file }) => {
      const { db, roster } = ctx();
      let exp: AuditExport;
      checkSize(basename(file.name), 'audit export', file.bytes.length);
      const text = new TextDecoder().decode(file.bytes);
      checkJsonDepth(basename(file.name), 'audit export', text);
      try {
        exp = JSON.parse(text) as AuditExport;
      } catch {
        throw new InputError(basename(file.name), 'audit export', 'not JSON');
      }
      if (typeof exp?.checkpoint !== 'string') throw new InputError(basename(file.name), 'checkpoint', 'missing: not an audit export');
      return { checkpoint: await checkAgainstCheckpoint(db, roster, exp) };
    },
  };
  return { handlers, close };
}
