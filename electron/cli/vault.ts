/**
 * The vault commands of `custodian`: `vault`, `key`, `ceremony`, `audit` (all need `--vault FILE`).
 * Thin: parse the command line, read files and passphrases, call the services in electron/vault,
 * print ids and results. Refusals surface as {@link Refused} (exit 1), bad input as InputError /
 * UsageError (exit 2).
 */
import { dirname, join } from 'node:path';
import type { JWK } from 'jose';
import { loadCore } from '../core/core.ts';
import { checkAgainstCheckpoint, verifyDbChain, type AuditExport } from '../vault/audit.ts';
import { exportWithCustodian } from '../vault/audit-export.ts';
import { parseTeePublicKey, HASH_ALGS, type HashAlg } from '../vault/binding.ts';
import { abort, approve, challenge, listCeremonies, openCeremony, releaseToFiles, show, submitEvidence, type Ceremony, type Ctx } from '../vault/ceremony.ts';
import { initVault, vaultInfo } from '../vault/custodians.ts';
import { openDb, SCHEMA_VERSION, type Db } from '../vault/db.ts';
import { generateAesKey, listKeys, parseKeyFile, storeKey } from '../vault/keys.ts';
import { checkAppraisalPolicy, parseReleasePolicy } from '../vault/policy.ts';
import { int, need, parseCommand as parse, parseRfc3339, UsageError } from './args.ts';
import { readJson, readNamed, writeAtomic } from '../io/files.ts';
import { getPassphrase, passphraseFromFile, promptPassphrase } from './passphrase.ts';

/**
 * Options given before the command: `--vault FILE`, `--actor NAME` (the audit log's actor; default: the
 * OS user), `--allow-shared-vault` (open a vault file that other users can read or that another user
 * owns, with a warning, instead of refusing it).
 */
export interface Globals {
  vault?: string;
  actor: string;
  allowSharedVault?: boolean;
}

const out = (line = '') => process.stdout.write(`${line}\n`);

function withDb<T>(g: Globals, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  const db: Db = openDb(need(g.vault, 'this command', '--vault FILE (before the command)'), { allowShared: g.allowSharedVault ?? false });
  for (const w of db.custodianWarnings ?? []) process.stderr.write(`custodian: warning: ${w}\n`);
  return fn({ db, actor: g.actor }).finally(() => db.close());
}

async function vaultCmd(g: Globals, [sub, ...argv]: string[]): Promise<number> {
  if (sub === 'init') {
    const { values } = parse(argv, 'vault init', {
      custodian: { type: 'string', multiple: true }, threshold: { type: 'string' },
      'argon2-memory-kib': { type: 'string' }, 'argon2-iterations': { type: 'string' },
    }, 0);
    const path = need(g.vault, 'vault init', '--vault FILE (before the command)');
    const specs = need(values.custodian, 'vault init', '--custodian NAME:PASSPHRASE_FILE');
    const custodians = [];
    for (const spec of specs) {
      const i = spec.indexOf(':');
      const name = i < 0 ? spec : spec.slice(0, i);
      let passphrase: string;
      if (i < 0) {
        passphrase = await promptPassphrase(`New passphrase for ${name}: `);
        if ((await promptPassphrase(`Repeat the passphrase for ${name}: `)) !== passphrase) throw new UsageError(`the two passphrases for ${name} differ`);
      } else {
        passphrase = passphraseFromFile(spec.slice(i + 1));
      }
      custodians.push({ name, passphrase });
    }
    const threshold = need(int(values.threshold, '--threshold'), 'vault init', '--threshold M');
    const { vaultId } = await initVault(path, custodians, {
      threshold, actor: g.actor,
      argon2: { memoryKiB: int(values['argon2-memory-kib'], '--argon2-memory-kib'), iterations: int(values['argon2-iterations'], '--argon2-iterations') },
    });
    out(vaultId);
    process.stderr.write(`custodian: vault ${vaultId} created at ${path}: ${threshold} of ${custodians.length} custodians (${custodians.map((c) => c.name).join(', ')})\n`);
    return 0;
  }
  if (sub === 'info') {
    parse(argv, 'vault info', {}, 0);
    return withDb(g, async ({ db }) => {
      const v = vaultInfo(db);
      out(`vault ${v.vaultId}  schema ${SCHEMA_VERSION}  threshold ${v.threshold} of ${v.custodians.length}`);
      for (const c of v.custodians) out(`  custodian ${c.name}  argon2id m=${c.kdf.memoryKiB} KiB t=${c.kdf.iterations} p=${c.kdf.parallelism}`);
      return 0;
    });
  }
  throw new UsageError(`unknown vault command "${sub ?? ''}" (init, info)`);
}

const policyOptions = { policy: { type: 'string' }, approvals: { type: 'string' }, 'allow-test-anchor': { type: 'boolean' } } as const;

async function keyCmd(g: Globals, [sub, ...argv]: string[]): Promise<number> {
  if (sub === 'import' || sub === 'generate') {
    const cmd = `key ${sub}`;
    const { values } = parse(argv, cmd, { name: { type: 'string' }, file: { type: 'string' }, bits: { type: 'string' }, ...policyOptions }, 0);
    const name = need(values.name, cmd, '--name NAME');
    const material = sub === 'import' ? parseKeyFile(readNamed(need(values.file, cmd, '--file KEYFILE'), 'key file').bytes, values.file!) : generateAesKey(int(values.bits, '--bits') ?? 256);
    try {
      return await withDb(g, async ({ db, actor }) => {
        const v = vaultInfo(db);
        const policyFile = values.policy ?? '--policy';
        const doc = (values.policy === undefined ? {} : readJson(values.policy, 'release policy')) as Record<string, unknown>;
        if (values.approvals !== undefined) doc.approvals = int(values.approvals, '--approvals');
        if (values['allow-test-anchor']) doc.allow_test_anchor = true;
        const policy = parseReleasePolicy(doc, policyFile, v.threshold, v.custodians.length);
        checkAppraisalPolicy(await loadCore(), policy.appraisal_policy, policyFile);
        const rec = await storeKey(db, name, material, policy, actor);
        out(rec.id);
        process.stderr.write(`custodian: stored ${rec.meta.kind.toUpperCase()}-${rec.meta.bits} key "${rec.name}" as ${rec.id}, fingerprint ${rec.meta.fingerprint}; release needs ${policy.approvals} approval(s)${policy.allow_test_anchor ? ', TEST anchors allowed (rehearsal key)' : ''}\n`);
        return 0;
      });
    } finally {
      material.bytes.fill(0);
    }
  }
  if (sub === 'list') {
    const { values } = parse(argv, 'key list', { json: { type: 'boolean' } }, 0);
    return withDb(g, async ({ db }) => {
      const keys = listKeys(db);
      if (values.json) out(JSON.stringify(keys, null, 2));
      else for (const k of keys) out(`${k.id}  ${k.name}  ${k.meta.kind}-${k.meta.bits}  fingerprint ${k.meta.fingerprint}  approvals ${k.policy.approvals}  tee ${k.policy.tee.join('|')}${k.policy.allow_test_anchor ? '  TEST anchors allowed' : ''}`);
      return 0;
    });
  }
  throw new UsageError(`unknown key command "${sub ?? ''}" (import, generate, list)`);
}

function printCeremony(c: Ceremony): void {
  const d = c.data;
  out(`ceremony ${c.id}  state ${c.state}  key ${d.key_id} (${d.key_name})  opened ${c.opened_at}  deadline ${d.expires_at}`);
  out(`  participants ${d.participants.join(', ')}; approvals ${c.approvals.length} of ${d.approvals_required} required`);
  if (d.challenge) out(`  challenge nonce ${d.challenge.nonce} (${d.challenge.hash_alg}) expires ${d.challenge.expires_at}`);
  if (d.evidence) {
    const a = d.evidence.appraisal;
    out(`  appraisal ${a.verdict.toUpperCase()} as of ${a.reference_time}; trust anchor ${a.trust_anchor.name} (${a.trust_anchor.kind === 'test' ? 'TEST, given with --test-anchor' : a.trust_anchor.kind})`);
    for (const f of d.evidence.files) out(`  ${f.role.padEnd(11)} ${f.sha256}  ${f.name}`);
    out(`  binding: REPORT_DATA binds the nonce and TEE key ${d.request!.tee_pubkey_thumbprint} (${d.evidence.binding.hash_alg})`);
    out(`  request hash ${d.request_sha256}`);
  }
  for (const a of c.approvals) out(`  approved by ${a.custodian} at ${a.approved_at} (request ${a.request_sha256})`);
  if (d.released) out(`  released ${d.released.at}: bundle ${d.released.bundle_sha256}, receipt ${d.released.receipt_sha256}`);
  if (d.end) out(`  ended ${d.end.at}: ${d.end.reason}`);
}

async function ceremonyCmd(g: Globals, [sub, ...argv]: string[]): Promise<number> {
  const cmd = `ceremony ${sub ?? ''}`;
  switch (sub) {
    case 'open': {
      const { values } = parse(argv, cmd, { key: { type: 'string' }, participant: { type: 'string', multiple: true }, ttl: { type: 'string' } }, 0);
      return withDb(g, async (ctx) => {
        out(await openCeremony(ctx, need(values.key, cmd, '--key KEY_ID'), { participants: values.participant, ttlSeconds: int(values.ttl, '--ttl') }));
        return 0;
      });
    }
    case 'challenge': {
      const { values, positionals } = parse(argv, cmd, { out: { type: 'string' }, hash: { type: 'string' }, ttl: { type: 'string' } }, 1);
      const file = need(values.out, cmd, '--out FILE');
      if (values.hash !== undefined && !HASH_ALGS.includes(values.hash as HashAlg)) throw new UsageError(`--hash: must be one of ${HASH_ALGS.join(', ')}`);
      return withDb(g, async (ctx) => {
        const c = await challenge(ctx, positionals[0]!, { hashAlg: values.hash as HashAlg | undefined, ttlSeconds: int(values.ttl, '--ttl') });
        writeAtomic(file, `${JSON.stringify(c, null, 2)}\n`);
        process.stderr.write(`custodian: challenge written to ${file}; nonce expires ${c['extra-params']['expires-at']}\n`);
        return 0;
      });
    }
    case 'evidence': {
      const { values, positionals } = parse(argv, cmd, {
        'tee-pubkey': { type: 'string' }, chain: { type: 'string', multiple: true }, crl: { type: 'string', multiple: true },
        'test-anchor': { type: 'string', multiple: true }, at: { type: 'string' },
      }, 2);
      // The TEE public key the report binds: --tee-pubkey, else tee-pubkey.jwk beside the evidence (as `rehearse` writes it).
      const pubFile = readNamed(values['tee-pubkey'] ?? join(dirname(positionals[1]!), 'tee-pubkey.jwk'), 'tee-pubkey');
      const jwk = parseTeePublicKey(readJson(pubFile.name, 'tee-pubkey'), pubFile.name);
      const input = {
        evidence: readNamed(positionals[1]!, 'evidence'),
        endorsements: [...(values.chain ?? []), ...(values.crl ?? [])].map((p) => readNamed(p, 'endorsement')),
        testAnchors: (values['test-anchor'] ?? []).map((p) => readNamed(p, 'test anchor')),
        teePubkey: { file: pubFile, jwk },
        referenceTime: values.at === undefined ? new Date() : parseRfc3339(values.at),
      };
      const core = await loadCore();
      return withDb(g, async (ctx) => {
        printCeremony(await submitEvidence(ctx, core, positionals[0]!, input));
        return 0;
      });
    }
    case 'approve': {
      const { values, positionals } = parse(argv, cmd, { custodian: { type: 'string' }, 'passphrase-file': { type: 'string' }, 'passphrase-fd': { type: 'string' }, 'request-hash': { type: 'string' } }, 1);
      const name = need(values.custodian, cmd, '--custodian NAME');
      return withDb(g, async (ctx) => {
        const passphrase = await getPassphrase({ file: values['passphrase-file'], fd: values['passphrase-fd'] }, name);
        const c = await approve(ctx, positionals[0]!, name, passphrase, { requestSha256: values['request-hash'] });
        out(`approved by ${name}: ${c.approvals.length} of ${c.data.approvals_required} (${c.state})`);
        return 0;
      });
    }
    case 'release': {
      const { values, positionals } = parse(argv, cmd, { out: { type: 'string' }, receipt: { type: 'string' } }, 1);
      const bundleFile = need(values.out, cmd, '--out BUNDLE');
      const receiptFile = need(values.receipt, cmd, '--receipt RECEIPT');
      return withDb(g, async (ctx) => {
        const r = await releaseToFiles(ctx, positionals[0]!, { bundle: bundleFile, receipt: receiptFile });
        out(`released${r.again ? ' (re-exported the stored bundle)' : ''}: bundle ${bundleFile}, receipt ${receiptFile}`);
        return 0;
      });
    }
    case 'abort': {
      const { values, positionals } = parse(argv, cmd, { reason: { type: 'string' } }, 1);
      return withDb(g, async (ctx) => {
        await abort(ctx, positionals[0]!, values.reason);
        out(`aborted ${positionals[0]}`);
        return 0;
      });
    }
    case 'show': {
      const { values, positionals } = parse(argv, cmd, { json: { type: 'boolean' } }, 1);
      return withDb(g, async (ctx) => {
        const c = show(ctx, positionals[0]!);
        if (values.json) out(JSON.stringify(c, null, 2));
        else printCeremony(c);
        return 0;
      });
    }
    case 'list': {
      parse(argv, cmd, {}, 0);
      return withDb(g, async ({ db }) => {
        for (const c of listCeremonies(db)) out(`${c.id}  ${c.state.padEnd(10)}  key ${c.key_id}  opened ${c.opened_at}`);
        return 0;
      });
    }
    default:
      throw new UsageError(`unknown ceremony command "${sub ?? ''}" (open, challenge, evidence, approve, release, abort, show, list)`);
  }
}

async function auditCmd(g: Globals, [sub, ...argv]: string[]): Promise<number> {
  if (sub === 'verify') {
    const { values } = parse(argv, 'audit verify', { checkpoint: { type: 'string' } }, 0);
    return withDb(g, async ({ db }) => {
      const r = verifyDbChain(db);
      if (!r.ok) {
        out(`audit chain BROKEN at entry ${r.firstBad!.seq}: ${r.firstBad!.reason}`);
        return 1;
      }
      out(`audit chain OK: ${r.size} entries, head ${r.head}`);
      if (values.checkpoint) {
        const cp = await checkAgainstCheckpoint(db, readJson(values.checkpoint, 'audit export') as AuditExport, vaultInfo(db).signingPublicJwk as JWK);
        out(`checkpoint OK: signed ${cp.time}, entry ${cp.size} still has head ${cp.head_sha256}`);
      }
      return 0;
    });
  }
  if (sub === 'export') {
    const { values } = parse(argv, 'audit export', { out: { type: 'string' }, custodian: { type: 'string' }, 'passphrase-file': { type: 'string' }, 'passphrase-fd': { type: 'string' } }, 0);
    const file = values.out; // default: standard output
    const name = need(values.custodian, 'audit export', '--custodian NAME (whose passphrase unseals the vault signing key)');
    return withDb(g, async ({ db, actor }) => {
      const passphrase = await getPassphrase({ file: values['passphrase-file'], fd: values['passphrase-fd'] }, name);
      const { export: exp } = await exportWithCustodian(db, name, passphrase, actor);
      const text = `${JSON.stringify(exp, null, 2)}\n`;
      if (file === undefined) process.stdout.write(text);
      else writeAtomic(file, text);
      process.stderr.write(`custodian: exported ${exp.entries.length} entries to ${file ?? 'standard output'} with a checkpoint signed by the vault key\n`);
      return 0;
    });
  }
  throw new UsageError(`unknown audit command "${sub ?? ''}" (verify, export)`);
}

/** Runs a vault command group (`vault`, `key`, `ceremony`, `audit`). */
export function runVaultCommand(g: Globals, group: string, argv: string[]): Promise<number> {
  const run = { vault: vaultCmd, key: keyCmd, ceremony: ceremonyCmd, audit: auditCmd }[group];
  if (!run) throw new UsageError(`unknown command "${group}"`);
  return run(g, argv);
}
