/**
 * The vault commands of `custodian`: `vault`, `key`, `ceremony`, `audit` (all need `--vault FILE`)
 * and `receipt verify`. Thin: parse the command line, read files and passphrases, call the services in
 * electron/vault, print ids and results. Refusals surface as {@link Refused} (exit 1), bad input as
 * InputError / UsageError (exit 2).
 */
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { loadCore } from '../core/core.ts';
import { checkAgainstCheckpoint, checkHead, unexplainedState, verifyDbChain, type AuditExport } from '../vault/audit.ts';
import { exportWithCustodian } from '../vault/audit-export.ts';
import { parseTeePublicKey, HASH_ALGS, type HashAlg } from '../vault/binding.ts';
import { abort, approve, challenge, listCeremonies, openCeremony, releaseToFiles, show, submitEvidence, type Ceremony, type Ctx, type EvidenceInput } from '../vault/ceremony.ts';
import { parseAttestation } from '../vault/trustee.ts';
import { cpuView, devicesOf } from '../vault/composite-view.ts';
import { initVault, statedRoster, statedThumbprint, unlockCustodian, vaultInfo } from '../vault/custodians.ts';
import { openDb, SCHEMA_VERSION } from '../vault/db.ts';
import { Refused } from '../vault/errors.ts';
import { generateAesKey, listKeys, parseKeyFile, storeKey } from '../vault/keys.ts';
import { openVault } from '../vault/open.ts';
import { checkAppraisalPolicy, parseReleasePolicy, pinnedReferenceValues, type ReleasePolicy } from '../vault/policy.ts';
import { verifyReceipt } from '../vault/receipt.ts';
import { int, need, parseCommand as parse, UsageError } from './args.ts';
import { readEndorsementPath, readJson, readNamed, writeAtomic } from '../io/files.ts';
import { getPassphrase, passphraseFromFile, promptPassphrase } from './passphrase.ts';
import { groupHex, ungroupHex } from './text.ts';

/**
 * Options given before the command: `--vault FILE`; `--actor` (the audit log's actor: the OS user,
 * see io/actor.ts); `--allow-shared-vault` (open a vault file others can read, with a warning);
 * `--vault-key THUMBPRINT` (trust a vault not yet known on this machine).
 */
export interface Globals {
  vault?: string;
  actor: string;
  allowShared?: boolean;
  vaultKey?: string;
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`custodian: warning: ${line}\n`);

async function withDb<T>(g: Globals, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  const v = await openVault(need(g.vault, 'this command', '--vault FILE (before the command)'), { allowShared: g.allowShared, vaultKey: g.vaultKey });
  for (const w of v.warnings) warn(w);
  return fn({ db: v.db, roster: v.roster, actor: g.actor }).finally(() => v.db.close());
}

/** A line typed at the terminal (echo on); UsageError without a terminal. */
async function promptLine(prompt: string, instead: string): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError(`${prompt.trim().replace(/:$/, '')}: no terminal to prompt on; give ${instead}`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(prompt)).trim();
  } finally {
    rl.close();
  }
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
        passphrase = passphraseFromFile(spec.slice(i + 1), { who: name, option: `--custodian ${name}:FILE` });
      }
      custodians.push({ name, passphrase });
    }
    const threshold = int(need(values.threshold, 'vault init', '--threshold M'), '--threshold')!;
    const { vaultId, vaultKeyThumbprint } = await initVault(path, custodians, {
      threshold, actor: g.actor,
      argon2: { memoryKiB: int(values['argon2-memory-kib'], '--argon2-memory-kib'), iterations: int(values['argon2-iterations'], '--argon2-iterations') },
    });
    out(vaultId);
    process.stderr.write(`custodian: vault ${vaultId} created at ${path}: ${threshold} of ${custodians.length} custodians (${custodians.map((c) => c.name).join(', ')})\n`);
    process.stderr.write(`custodian: vault key thumbprint ${vaultKeyThumbprint}\n  Write it down and keep it apart from the vault file: receipts and audit checkpoints are checked against it (--vault-key).\n`);
    return 0;
  }
  if (sub === 'info') {
    parse(argv, 'vault info', {}, 0);
    const path = need(g.vault, 'vault info', '--vault FILE (before the command)');
    try {
      return await withDb(g, async ({ db, roster }) => {
        const v = vaultInfo(db, roster);
        out(`vault ${v.vaultId}  schema ${SCHEMA_VERSION}  threshold ${v.threshold} of ${v.custodians.length}  created ${v.createdAt}`);
        out(`  vault key ${v.vaultKeyThumbprint} (matches the pin on this machine)`);
        for (const c of v.custodians) out(`  custodian ${c.name}  argon2id m=${c.kdf.memoryKiB} KiB t=${c.kdf.iterations} p=${c.kdf.parallelism}`);
        return 0;
      });
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      // Not trusted here: show what the file claims, marked as such, so it can be compared.
      const db = openDb(path, { allowShared: g.allowShared });
      try {
        const r = statedRoster(db);
        out(`vault ${r?.vault_id ?? '?'}  NOT TRUSTED on this machine: ${e.message}`);
        out(`  stated vault key ${await statedThumbprint(db)}; stated custodians ${r?.custodians.map((c) => c.name).join(', ') ?? '?'}, threshold ${r?.threshold ?? '?'}`);
      } finally {
        db.close();
      }
      return 1;
    }
  }
  if (sub === 'trust') {
    const { positionals } = parse(argv, 'vault trust', {}, 1);
    return withDb({ ...g, vaultKey: positionals[0] }, async ({ db, roster }) => {
      const v = vaultInfo(db, roster);
      out(`trusted vault ${v.vaultId} with vault key ${v.vaultKeyThumbprint}: ${v.threshold} of ${v.custodians.map((c) => c.name).join(', ')}`);
      return 0;
    });
  }
  throw new UsageError(`unknown vault command "${sub ?? ''}" (init, info, trust)`);
}

const policyOptions = {
  policy: { type: 'string' }, approvals: { type: 'string' }, 'allow-test-anchor': { type: 'boolean' },
  'no-reference-values': { type: 'boolean' }, 'accept-warning': { type: 'string', multiple: true }, gpus: { type: 'string' },
  custodian: { type: 'string' }, 'passphrase-file': { type: 'string' }, 'passphrase-fd': { type: 'string' },
} as const;

/** One line describing a policy's reference values and acceptance (shown wherever a policy is). */
export function policySummary(p: ReleasePolicy): string {
  const refs = p.tee.flatMap((t) => pinnedReferenceValues(p.appraisal_policy, t));
  return [
    `tee ${p.tee.join('|')}${p.gpu ? ` + ${p.gpus ?? 1}${p.gpus ? '' : '+'} NVIDIA GPU(s), each affirming` : ''}`,
    `${p.approvals} approval(s)`,
    refs.length ? `reference values ${refs.join(', ')}` : p.no_reference_values ? 'NO REFERENCE VALUES (explicitly released to any workload that passes)' : 'no reference values',
    p.accept_warnings.length ? `tolerates warnings ${p.accept_warnings.join(', ')}` : 'affirming only',
    ...(p.allow_test_anchor ? ['TEST anchors allowed (rehearsal key)'] : []),
  ].join('; ');
}

async function keyCmd(g: Globals, [sub, ...argv]: string[]): Promise<number> {
  if (sub === 'import' || sub === 'generate') {
    const cmd = `key ${sub}`;
    const { values } = parse(argv, cmd, { name: { type: 'string' }, file: { type: 'string' }, bits: { type: 'string' }, ...policyOptions }, 0);
    const name = need(values.name, cmd, '--name NAME');
    const importer = need(values.custodian, cmd, '--custodian NAME (the custodian who signs the key record)');
    const material = sub === 'import' ? parseKeyFile(readNamed(need(values.file, cmd, '--file KEYFILE'), 'key file').bytes, values.file!) : generateAesKey(int(values.bits, '--bits') ?? 256);
    try {
      return await withDb(g, async ({ db, roster, actor }) => {
        const policyFile = values.policy ?? '--policy';
        const doc = (values.policy === undefined ? {} : readJson(values.policy, 'release policy')) as Record<string, unknown>;
        if (values.approvals !== undefined) doc.approvals = int(values.approvals, '--approvals');
        if (values['allow-test-anchor']) doc.allow_test_anchor = true;
        if (values['no-reference-values']) doc.no_reference_values = true;
        // --gpus N: a composite key (CPU + at least N NVIDIA GPUs in the same challenge).
        if (values.gpus !== undefined) Object.assign(doc, { gpu: true, gpus: int(values.gpus, '--gpus') });
        if (values['accept-warning']) doc.accept_warnings = [...((doc.accept_warnings as string[] | undefined) ?? []), ...values['accept-warning']];
        const policy = parseReleasePolicy(doc, policyFile, roster.threshold, roster.custodians.length);
        checkAppraisalPolicy(await loadCore(), policy.appraisal_policy, policyFile);
        const passphrase = await getPassphrase({ file: values['passphrase-file'], fd: values['passphrase-fd'] }, importer);
        const keys = await unlockCustodian(db, roster, importer, passphrase);
        const rec = await storeKey(db, roster, name, material, policy, keys, actor);
        out(rec.id);
        process.stderr.write(`custodian: stored ${rec.meta.kind.toUpperCase()}-${rec.meta.bits} key "${rec.name}" as ${rec.id}, fingerprint ${groupHex(rec.meta.fingerprint)}, record signed by ${importer}; ${policySummary(policy)}\n`);
        return 0;
      });
    } finally {
      material.bytes.fill(0);
    }
  }
  if (sub === 'list') {
    const { values } = parse(argv, 'key list', { json: { type: 'boolean' } }, 0);
    return withDb(g, async ({ db, roster }) => {
      const { keys, altered } = await listKeys(db, roster);
      if (values.json) out(JSON.stringify({ keys, altered }, null, 2));
      else {
        for (const k of keys) out(`${k.id}  ${k.name}  ${k.meta.kind}-${k.meta.bits}  fingerprint ${groupHex(k.meta.fingerprint)}  imported by ${k.imported_by}  ${policySummary(k.policy)}`);
        for (const a of altered) out(`${a.id}  ${a.name}  ALTERED, not usable: ${a.reason}`);
      }
      return altered.length > 0 ? 1 : 0;
    });
  }
  throw new UsageError(`unknown key command "${sub ?? ''}" (import, generate, list)`);
}

/** The uuids the guest gave its GPUs, from the ceremony's stored appraisal input (unknown: none). */
function uuidsOf(c: Ceremony): string[] {
  return c.data.evidence?.gpu_uuids ?? [];
}

/** The claims a custodian must see before approving: measurement or MR_TD/RTMRs, TCB, TCB status. */
const REVIEW_CLAIMS = ['measurement', 'host_data', 'reported_tcb', 'mr_td', 'rtmr0', 'rtmr1', 'rtmr2', 'rtmr3', 'tcb_status', 'advisory_ids', 'mr_enclave', 'mr_signer'];

function printCeremony(c: Ceremony): void {
  const d = c.data;
  out(`ceremony ${c.id}  state ${c.state}  key ${d.key_id} (${d.key_name})  opened ${c.opened_at}  deadline ${d.expires_at}`);
  out(`  participants ${d.participants.join(', ')}; approvals ${c.approvals.length} of ${d.approvals_required} required`);
  if (d.challenge) out(`  challenge nonce ${d.challenge.nonce} (${d.challenge.hash_alg}) expires ${d.challenge.expires_at}`);
  if (d.evidence && d.request) {
    const a = d.evidence.appraisal;
    const r = d.request;
    out(`  policy in force (${r.policy_sha256.slice(0, 16)}…): ${policySummary(r.policy)}`);
    out(`  appraisal ${a.verdict.toUpperCase()} as of ${a.reference_time} (the vault's clock when the evidence was taken); trust anchor ${a.trust_anchor.name} (${a.trust_anchor.kind === 'test' ? 'TEST, given with --test-anchor' : a.trust_anchor.kind})`);
    const cpuClaims = cpuView(a).claims;
    for (const k of REVIEW_CLAIMS) if (cpuClaims[k] !== undefined) out(`  ${k.padEnd(13)} ${typeof cpuClaims[k] === 'string' ? cpuClaims[k] : JSON.stringify(cpuClaims[k])}`);
    const devices = devicesOf(a, uuidsOf(c));
    for (const dv of devices) {
      out(`  ${dv.id.padEnd(13)} ${dv.status.toUpperCase()}${dv.uuid ? ` ${dv.uuid}` : ''}: driver ${dv.driver ?? '?'}, VBIOS ${dv.vbios ?? '?'}, measurements ${dv.measres ?? '?'}${dv.mismatches.length ? ` (mismatch at RIM index ${dv.mismatches.join(', ')})` : ''}${dv.anchor ? `; ${dv.anchor}` : ''}`);
    }
    const notPass = a.checks.filter((x) => x.status !== 'pass');
    out(`  checks: ${a.checks.length - notPass.length} of ${a.checks.length} pass${notPass.length ? '; the others:' : ''}`);
    for (const x of notPass) out(`    ${x.status.toUpperCase().padEnd(4)} ${x.id}: ${x.detail}${r.tolerated_warnings.includes(x.id) ? ' (tolerated by the policy)' : ''}`);
    for (const f of d.evidence.files) out(`  ${f.role.padEnd(11)} ${groupHex(f.sha256)}  ${f.name}`);
    out(`  binding: REPORT_DATA binds the nonce${r.evidence.some((f) => f.role === 'additional-evidence') ? ', the additional evidence' : ''} and TEE key ${r.tee_pubkey_thumbprint} (${d.evidence.binding.hash_alg}${d.evidence.binding.form ? `, ${d.evidence.binding.form === 'trustee-0.14' ? "Trustee ≥ 0.14 form" : 'pre-0.14 form'}` : ''})`);
    out(`  request hash ${groupHex(d.request_sha256 ?? '')}`);
  }
  for (const a of c.approvals) out(`  approved by ${a.custodian} at ${a.approved_at} (request ${groupHex(a.request_sha256)})`);
  if (d.released) out(`  released ${d.released.at}: bundle ${groupHex(d.released.bundle_sha256)}, receipt ${groupHex(d.released.receipt_sha256)}`);
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
      if (argv.some((a) => a === '--at' || a.startsWith('--at='))) {
        throw new UsageError('--at is not accepted in a ceremony: the evidence is appraised as of the vault machine\'s clock (use `custodian verify --at` to inspect evidence as of another time)');
      }
      const { values, positionals } = parse(argv, cmd, {
        'tee-pubkey': { type: 'string' }, chain: { type: 'string', multiple: true }, crl: { type: 'string', multiple: true }, collateral: { type: 'string', multiple: true },
        'test-anchor': { type: 'string', multiple: true }, attestation: { type: 'string' },
        rim: { type: 'string', multiple: true }, ocsp: { type: 'string', multiple: true }, 'additional-evidence': { type: 'string' },
      }, argv.some((a) => a === '--attestation' || a.startsWith('--attestation=')) ? 1 : 2);
      const extra = {
        // NVIDIA RIMs and OCSP responses are endorsements too (a GPU key's ceremony sorts them by content).
        endorsements: [...(values.chain ?? []), ...(values.crl ?? []), ...(values.collateral ?? []), ...(values.rim ?? []), ...(values.ocsp ?? [])].flatMap((p) => readEndorsementPath(p, 'endorsement')),
        testAnchors: (values['test-anchor'] ?? []).flatMap((p) => readEndorsementPath(p, 'test anchor')),
      };
      let input: EvidenceInput;
      if (values.attestation !== undefined) {
        // A Trustee Attestation as the guest POSTs it: runtime data, TEE key and evidence in one file.
        if (values['tee-pubkey'] !== undefined) throw new UsageError(`${cmd}: --attestation carries the TEE key (runtime-data.tee-pubkey); drop --tee-pubkey`);
        const file = readNamed(values.attestation, 'attestation');
        const a = parseAttestation(file.bytes, file.name);
        if (values['additional-evidence'] !== undefined) throw new UsageError(`${cmd}: --attestation carries the additional evidence; drop --additional-evidence`);
        for (const n of a.notes) warn(`${file.name}: ${n}`);
        input = {
          evidence: a.primary.evidence, endorsements: [...a.primary.endorsements, ...extra.endorsements], testAnchors: extra.testAnchors,
          teePubkey: { file: { name: `${file.name}#runtime-data.tee-pubkey`, bytes: Buffer.from(JSON.stringify(a.teePubkey)) }, jwk: a.teePubkey },
          additionalEvidence: a.additionalEvidence, attestation: file, attestationNonce: a.nonce,
        };
      } else {
        // The TEE public key the report binds: --tee-pubkey, else tee-pubkey.jwk beside the evidence (as `rehearse` writes it).
        const pubFile = readNamed(values['tee-pubkey'] ?? join(dirname(positionals[1]!), 'tee-pubkey.jwk'), 'tee-pubkey');
        const jwk = parseTeePublicKey(readJson(pubFile.name, 'tee-pubkey'), pubFile.name);
        // The guest's additional-evidence string (e.g. its GPUs' evidence), exactly as REPORT_DATA hashes it.
        const additional = values['additional-evidence'] === undefined ? undefined : readNamed(values['additional-evidence'], 'additional evidence').bytes.toString('utf8');
        input = { evidence: readNamed(positionals[1]!, 'evidence'), ...extra, teePubkey: { file: pubFile, jwk }, ...(additional === undefined ? {} : { additionalEvidence: additional }) };
      }
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
        const c = show(ctx, positionals[0]!);
        printCeremony(c);
        // The hash as shown (grouped in fours) or as one run of hex: both are accepted.
        let requestHash = values['request-hash'] === undefined ? undefined : ungroupHex(values['request-hash']);
        if (requestHash === undefined) {
          out('');
          requestHash = ungroupHex(await promptLine(`${name}: compare the request above, then type its request hash to approve it: `, '--request-hash HEX'));
        }
        if (requestHash.toLowerCase() !== c.data.request_sha256) {
          throw new Refused('approvals', `the request hash given (${groupHex(requestHash) || 'nothing'}) is not ceremony ${c.id}'s (${c.data.request_sha256 ? groupHex(c.data.request_sha256) : 'no request yet'}); nothing was approved`);
        }
        const passphrase = await getPassphrase({ file: values['passphrase-file'], fd: values['passphrase-fd'] }, name);
        const after = await approve(ctx, positionals[0]!, name, passphrase, { requestSha256: requestHash });
        out(`approved by ${name}: ${after.approvals.length} of ${after.data.approvals_required} (${after.state})`);
        return 0;
      });
    }
    case 'release': {
      const { values, positionals } = parse(argv, cmd, { out: { type: 'string' }, receipt: { type: 'string' } }, 1);
      const bundleFile = need(values.out, cmd, '--out BUNDLE');
      const receiptFile = need(values.receipt, cmd, '--receipt RECEIPT');
      const core = await loadCore();
      return withDb(g, async (ctx) => {
        const r = await releaseToFiles(ctx, core, positionals[0]!, { bundle: bundleFile, receipt: receiptFile });
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
    const { values } = parse(argv, 'audit verify', { checkpoint: { type: 'string' }, 'vault-key': { type: 'string' }, receipt: { type: 'string', multiple: true } }, 0);
    return withDb(g, async ({ db, roster }) => {
      const r = verifyDbChain(db);
      if (!r.ok) {
        out(`audit chain BROKEN at entry ${r.firstBad!.seq}: ${r.firstBad!.reason}`);
        return 1;
      }
      out(`audit chain OK: ${r.size} entries, head ${r.head}`);
      const unexplained = unexplainedState(db);
      for (const u of unexplained) out(`state NOT EXPLAINED by the log: ${u}`);
      if (unexplained.length === 0) out('state tables agree with the log (custodians, keys, ceremonies, approvals)');
      const vaultKey = values['vault-key'] ?? roster.vault_key_thumbprint;
      if (values.checkpoint) {
        const cp = await checkAgainstCheckpoint(db, roster, readJson(values.checkpoint, 'audit export') as AuditExport, vaultKey);
        out(`checkpoint OK: signed by ${cp.signer} at ${cp.time}, entry ${cp.size} still has head ${cp.head_sha256}`);
      }
      for (const file of values.receipt ?? []) {
        const v = await verifyReceipt(readNamed(file, 'receipt').bytes.toString('utf8'), vaultKey);
        if (!v.ok || !v.claims) throw new Refused('authentication', `${file}: the receipt does not verify (${v.checks.filter((c) => c.status === 'fail').map((c) => c.detail).join('; ')})`);
        checkHead(db, v.claims.audit.size, v.claims.audit.head_sha256, `receipt ${file}`);
        out(`receipt OK: ${file} (ceremony ${v.claims.ceremony_id}); entry ${v.claims.audit.size} still has the head it signed`);
      }
      return unexplained.length > 0 ? 1 : 0;
    });
  }
  if (sub === 'export') {
    const { values } = parse(argv, 'audit export', { out: { type: 'string' }, custodian: { type: 'string' }, 'passphrase-file': { type: 'string' }, 'passphrase-fd': { type: 'string' } }, 0);
    const file = values.out; // default: standard output
    const name = need(values.custodian, 'audit export', '--custodian NAME (whose own key signs the checkpoint)');
    return withDb(g, async ({ db, roster, actor }) => {
      const passphrase = await getPassphrase({ file: values['passphrase-file'], fd: values['passphrase-fd'] }, name);
      const { export: exp } = await exportWithCustodian(db, roster, name, passphrase, actor);
      const text = `${JSON.stringify(exp, null, 2)}\n`;
      if (file === undefined) process.stdout.write(text);
      else writeAtomic(file, text);
      process.stderr.write(`custodian: exported ${exp.entries.length} entries to ${file ?? 'standard output'} with a checkpoint signed by ${name}; vault key ${exp.vault_key_thumbprint}\n`);
      return 0;
    });
  }
  throw new UsageError(`unknown audit command "${sub ?? ''}" (verify, export)`);
}

/** `custodian receipt verify RECEIPT --vault-key THUMBPRINT`: needs no vault, only the thumbprint. */
async function receiptCmd(_g: Globals, [sub, ...argv]: string[]): Promise<number> {
  if (sub !== 'verify') throw new UsageError(`unknown receipt command "${sub ?? ''}" (verify)`);
  const { values, positionals } = parse(argv, 'receipt verify', { 'vault-key': { type: 'string' }, json: { type: 'boolean' } }, 1);
  const vaultKey = need(values['vault-key'], 'receipt verify', '--vault-key THUMBPRINT (written down at vault init)');
  const v = await verifyReceipt(readNamed(positionals[0]!, 'receipt').bytes.toString('utf8'), vaultKey);
  if (values.json) out(JSON.stringify(v, null, 2));
  else {
    out(`receipt ${positionals[0]}: ${v.ok ? 'VERIFIED' : 'NOT VERIFIED'}`);
    for (const c of v.checks) out(`  ${c.status.toUpperCase().padEnd(4)} ${c.id}: ${c.detail.replace(/\b[0-9a-f]{64}\b/g, groupHex)}`);
    if (v.claims) out(`  ceremony ${v.claims.ceremony_id}: key ${v.claims.request.key_id} (${groupHex(v.claims.request.key_fingerprint)}) released ${v.claims.released_at} to TEE key ${v.claims.request.tee_pubkey_thumbprint}; audit head ${v.claims.audit.size}/${groupHex(v.claims.audit.head_sha256)}`);
  }
  return v.ok ? 0 : 1;
}

/** Runs a vault command group (`vault`, `key`, `ceremony`, `audit`, `receipt`). */
export function runVaultCommand(g: Globals, group: string, argv: string[]): Promise<number> {
  const run = { vault: vaultCmd, key: keyCmd, ceremony: ceremonyCmd, audit: auditCmd, receipt: receiptCmd }[group];
  if (!run) throw new UsageError(`unknown command "${group}"`);
  return run(g, argv);
}
