/**
 * `custodian` command-line entry point. Exit codes: 0 done (verify: affirming or warning), 1 refused
 * (verify: contraindicated; vault: policy, approvals, binding, authentication), 2 input could not be
 * read or parsed (one line naming the file and the problem, no stack trace), 3 internal error.
 */
import { basename } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { loadCore } from '../core/core.ts';
import { InputError } from '../core/errors.ts';
import { Refused } from '../vault/errors.ts';
import { parseVerifyArgs, USAGE, UsageError } from './args.ts';
import { readJson, readNamed, writeAtomic } from '../io/files.ts';
import { buildEar, earText, parseEarKey } from '../core/ear.ts';
import { renderText } from './render.ts';
import { auditActor } from '../io/actor.ts';
import { disableCoreDumps } from '../io/no-core-dumps.ts';
import type { Globals } from './vault.ts';

/** `--nonce` sets `nvidia.nonce` in the policy (over any value the policy file holds). */
function withNonce(policy: unknown, nonce: string | undefined): unknown {
  if (nonce === undefined) return policy;
  const p = (policy ?? {}) as Record<string, unknown>;
  return { ...p, nvidia: { ...((p.nvidia as Record<string, unknown> | undefined) ?? {}), nonce } };
}

async function verify(argv: string[]): Promise<number> {
  const args = parseVerifyArgs(argv, new Date());
  const core = await loadCore();
  const evidence = readNamed(args.evidence, 'evidence');
  const moreEvidence = args.moreEvidence.map((p) => readNamed(p, 'evidence'));
  const policy = withNonce(args.policy === undefined ? undefined : readJson(args.policy, 'policy'), args.nonce);
  // The signing key is read (and checked) before the appraisal, so a bad key fails fast with exit 2.
  const earKey = args.earKey === undefined ? undefined : parseEarKey(readNamed(args.earKey, 'JWK').bytes, args.earKey);
  const appraisal = core.verify({
    evidence,
    endorsements: [...args.chain.map((p) => readNamed(p, 'certificate')), ...args.crl.map((p) => readNamed(p, 'CRL')), ...args.collateral.map((p) => readNamed(p, 'collateral'))],
    testAnchors: args.testAnchors.map((p) => readNamed(p, 'test anchor')),
    policy,
    referenceTime: args.at,
    rims: args.rims.map((p) => readNamed(p, 'RIM')),
    ocsp: args.ocsp.map((p) => readNamed(p, 'OCSP response')),
    moreEvidence,
    type: args.type,
  });
  if (args.ear !== undefined) {
    const claims = buildEar(appraisal, {
      profile: args.earProfile,
      policy,
      evidence: [{ role: 'evidence', bytes: evidence.bytes }, ...moreEvidence.map((m) => ({ role: 'more-evidence' as const, bytes: m.bytes }))],
    });
    writeAtomic(args.ear, await earText(claims, earKey, args.earKey));
  }
  process.stdout.write(args.json ? `${JSON.stringify(appraisal, null, 2)}\n` : `${renderText(appraisal, basename(args.evidence))}\n`);
  return appraisal.verdict === 'contraindicated' ? 1 : 0;
}

/**
 * Splits the global options (`--vault FILE`, `--actor LABEL`, `--vault-key THUMBPRINT`,
 * `--allow-shared-vault`) off the front of argv. The audit actor is always the OS account running the
 * CLI; `--actor LABEL` only adds a label marked unverified (electron/io/actor.ts), so a free label can
 * never stand in for who ran the step.
 */
function globals(argv: string[]): { g: Globals; rest: string[] } {
  const g: Omit<Globals, 'actor'> = {};
  let label: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    if (argv[i] === '--allow-shared-vault') {
      g.allowShared = true;
      continue;
    }
    const m = /^--(vault|actor|vault-key)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) break;
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${m[1]} needs a value`);
    if (m[1] === 'vault') g.vault = value;
    else if (m[1] === 'vault-key') g.vaultKey = value;
    else label = value;
  }
  let actor: string;
  try {
    actor = auditActor(label);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { g: { ...g, actor }, rest: argv.slice(i) };
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const { g, rest: [command, ...rest] } = globals(argv);
    // Passphrases, shares, model keys and TEE private keys: no core file. A no-op when started through
    // bin/custodian (which runs `ulimit -c 0`); otherwise prlimit on this process.
    if (command !== 'verify') disableCoreDumps();
    if (command === 'verify') return await verify(rest);
    // The vault and workload commands (SQLite, jose, Argon2, the rehearsal PKI) load only when used:
    // `verify` and `--help` start without them.
    if (command === 'vault' || command === 'key' || command === 'ceremony' || command === 'audit' || command === 'receipt') return await (await import('./vault.ts')).runVaultCommand(g, command, rest);
    if (command === 'unwrap') return await (await import('./workload.ts')).unwrapCmd(rest);
    if (command === 'rehearse') return await (await import('./workload.ts')).rehearseCmd(rest);
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`custodian: error: ${e.message} (see custodian --help)\n`);
      return 2;
    }
    if (e instanceof InputError) {
      process.stderr.write(`custodian: error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Refused) {
      process.stderr.write(`custodian: refused (${e.reason}): ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`custodian: internal error: ${(e as Error).message}\n`);
    return 3;
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]));
if (isEntry) {
  // One command per process: V8's optimising wasm tier would compile hot functions in the background
  // for a process that exits before it pays off (measured: SNP verify 125 -> 119 ms wall, 132 -> 102
  // ms CPU). Set here rather than as a node option, which costs ~8 ms of every start (it disables
  // Node's built-in code cache). Only the CLI does this; the app's long-lived core keeps tiering up.
  setFlagsFromString('--liftoff-only');
  process.exitCode = await main(process.argv.slice(2));
}
