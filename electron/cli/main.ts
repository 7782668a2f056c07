/**
 * `custodian` command-line entry point. Exit codes: 0 done (verify: affirming, or warning without
 * --strict), 1 refused (verify: contraindicated, or warning with --strict; vault: policy, approvals,
 * binding, authentication), 2 input could not be read or parsed, or a wrong command line (one line
 * naming the file and the problem, no stack trace), 3 internal error. A closed output pipe (`… | head`)
 * ends output quietly.
 */
import { basename } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { loadCore } from '../core/core.ts';
import { InputError } from '../core/errors.ts';
import { Refused } from '../vault/errors.ts';
import { parseVerifyArgs, USAGE, UsageError } from './args.ts';
import { readEndorsementPath, readJson, readNamed, writeAtomic } from '../io/files.ts';
import { renderText } from './render.ts';
import { checkInputs, unusedNotes, type RoleFile } from './inputs.ts';
import { didYouMean } from './flags.ts';
import { COMMANDS, helpFor, versionText } from './help.ts';
import { colorEnabled, terminalWidth, wrap } from './text.ts';
import { auditActor } from '../io/actor.ts';
import { disableCoreDumps } from '../io/no-core-dumps.ts';
import type { Globals } from './vault.ts';

/** `--nonce` sets `nvidia.nonce`, `--vtpm-nonce` `vtpm.nonce` in the policy (over any value the policy file holds). */
function withNonce(policy: unknown, nonce: string | undefined, vtpmNonce?: string): unknown {
  const set = (doc: unknown, scope: string, value: string | undefined): unknown => {
    if (value === undefined) return doc;
    const p = (doc ?? {}) as Record<string, unknown>;
    return { ...p, [scope]: { ...((p[scope] as Record<string, unknown> | undefined) ?? {}), nonce: value } };
  };
  return set(set(policy, 'nvidia', nonce), 'vtpm', vtpmNonce);
}

/** Writes "custodian: note: …" to stderr, wrapped at its width. */
function note(text: string): void {
  process.stderr.write(`${wrap(`custodian: note: ${text}`, terminalWidth(process.stderr), 2).join('\n')}\n`);
}

async function verify(argv: string[]): Promise<number> {
  const args = parseVerifyArgs(argv, new Date());
  const files: RoleFile[] = [
    { role: 'evidence', file: readNamed(args.evidence, 'evidence') },
    ...args.chain.flatMap((p) => readEndorsementPath(p, 'certificate').map((file): RoleFile => ({ role: '--chain', file }))),
    ...args.crl.flatMap((p) => readEndorsementPath(p, 'CRL').map((file): RoleFile => ({ role: '--crl', file }))),
    ...args.collateral.flatMap((p) => readEndorsementPath(p, 'collateral').map((file): RoleFile => ({ role: '--collateral', file }))),
    ...args.rims.flatMap((p) => readEndorsementPath(p, 'RIM').map((file): RoleFile => ({ role: '--rim', file }))),
    ...args.ocsp.flatMap((p) => readEndorsementPath(p, 'OCSP response').map((file): RoleFile => ({ role: '--ocsp', file }))),
    ...args.moreEvidence.map((p): RoleFile => ({ role: '--more-evidence', file: readNamed(p, 'evidence') })),
  ];
  // An envelope (Trustee, Azure vTPM JSON, go-sev-guest protobuf) stands for the raw evidence and endorsements inside it.
  const envelopes = await import('../evidence/envelopes.ts');
  if (/^\s*\{/.test(Buffer.from(files[0]!.file.bytes.subarray(0, 64)).toString('latin1')) || envelopes.sniffSevsnpProto(files[0]!.file.bytes)) {
    const opened = envelopes.openEnvelope(files[0]!.file, await loadCore());
    if (opened) {
      note(`${args.evidence} is ${opened.form}: appraising the evidence inside it`);
      for (const n of opened.notes) note(`${args.evidence}: ${n}`);
      files.splice(0, 1, { role: 'evidence', file: opened.evidence },
        ...opened.endorsements.map((file): RoleFile => ({ role: /(hcl_report|cc_eventlog|tpm_quote)$/.test(file.name) ? '--collateral' : '--chain', file })),
        ...opened.moreEvidence.map((file): RoleFile => ({ role: '--more-evidence', file })));
    }
  }
  checkInputs(files, args.type);
  const core = await loadCore();
  const policy = withNonce(args.policy === undefined ? undefined : readJson(args.policy, 'policy'), args.nonce, args.vtpmNonce);
  // The signing key is read (and checked) before the appraisal, so a bad key fails fast with exit 2.
  // The EAR code (and its JCS library) loads only when an EAR is asked for: `verify` starts on built-ins.
  const ear = args.ear !== undefined || args.earKey !== undefined ? await import('../core/ear.ts') : undefined;
  const earKey = args.earKey === undefined ? undefined : ear!.parseEarKey(readNamed(args.earKey, 'JWK').bytes, args.earKey);
  const testAnchors = args.testAnchors.flatMap((p) => readEndorsementPath(p, 'test anchor'));
  const appraise = (inputs: readonly RoleFile[]) => {
    const of = (...roles: RoleFile['role'][]) => inputs.filter((f) => roles.includes(f.role)).map((f) => f.file);
    return core.verify({
      evidence: inputs[0]!.file,
      endorsements: of('--chain', '--crl', '--collateral'),
      testAnchors,
      policy,
      referenceTime: args.at,
      rims: of('--rim'),
      ocsp: of('--ocsp'),
      moreEvidence: of('--more-evidence'),
      type: args.type,
    });
  };
  if (args.endorsements.length > 0) {
    const paired = (await import('./pair.ts')).pairEndorsements(core, args.evidence, files[0]!.file, args.endorsements, args.at, (extra) => appraise([...files, ...extra]));
    for (const n of paired.notes) note(`${n.level === 'warning' ? 'warning: ' : 'paired '}${n.text}`);
    if (paired.files.length === 0) note(`--endorsements: nothing under ${args.endorsements.join(', ')} fits ${args.evidence}`);
    files.push(...paired.files);
  }
  const appraisal = appraise(files);
  for (const n of unusedNotes(appraisal, files, args.nonce !== undefined)) note(n);
  if (args.vtpmNonce !== undefined && !appraisal.checks.some((c) => c.id === 'vtpm.quote.nonce')) note('--vtpm-nonce was not used: no Azure vTPM quote came with the evidence (it is the nonce a vTPM quote\'s extraData must be)');
  if (args.ear !== undefined) {
    const claims = ear!.buildEar(appraisal, {
      profile: args.earProfile,
      policy,
      evidence: files.filter((f) => f.role === 'evidence' || f.role === '--more-evidence').map((f) => ({ role: f.role === 'evidence' ? ('evidence' as const) : ('more-evidence' as const), bytes: f.file.bytes })),
    });
    writeAtomic(args.ear, await ear!.earText(claims, earKey, args.earKey));
  }
  const opts = { all: args.all, color: colorEnabled(process.stdout), width: terminalWidth(process.stdout) };
  process.stdout.write(args.json ? `${JSON.stringify(appraisal, null, 2)}\n` : `${renderText(appraisal, basename(args.evidence), opts)}\n`);
  if (appraisal.verdict === 'contraindicated') return 1;
  return appraisal.verdict === 'warning' && args.strict ? 1 : 0;
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
  let seeHelp = 'custodian --help';
  try {
    if (argv[0] === '--version' || argv[0] === '-V') {
      process.stdout.write(`${versionText()}\n`);
      return 0;
    }
    const { g, rest: [command, ...rest] } = globals(argv);
    if (command !== undefined && command !== 'help' && COMMANDS.includes(command)) seeHelp = `custodian ${command} --help`;
    // `custodian COMMAND [SUB] --help`: that command's part of the usage (anywhere before a `--`).
    const end = rest.indexOf('--');
    const asksHelp = (end < 0 ? rest : rest.slice(0, end)).some((a) => a === '--help' || a === '-h');
    if (command !== undefined && COMMANDS.includes(command) && command !== 'help' && asksHelp) {
      process.stdout.write(`${helpFor([command, rest[0] ?? '']) ?? helpFor([command]) ?? USAGE}\n`);
      return 0;
    }
    // Passphrases, shares, model keys and TEE private keys: no core file. A no-op when started through
    // bin/custodian (which runs `ulimit -c 0`); otherwise prlimit on this process.
    if (command !== 'verify' && command !== 'batch') disableCoreDumps();
    if (command === 'verify') return await verify(rest);
    if (command === 'batch') return await (await import('./batch.ts')).batchCmd(rest);
    // The vault and workload commands (SQLite, jose, Argon2, the rehearsal PKI) load only when used:
    // `verify` and `--help` start without them.
    if (command === 'vault' || command === 'key' || command === 'ceremony' || command === 'audit' || command === 'receipt') return await (await import('./vault.ts')).runVaultCommand(g, command, rest);
    if (command === 'unwrap') return await (await import('./workload.ts')).unwrapCmd(rest);
    if (command === 'rehearse') return await (await import('./workload.ts')).rehearseCmd(rest);
    if (command === 'help' && rest[0] && COMMANDS.includes(rest[0])) {
      process.stdout.write(`${helpFor(rest) ?? helpFor([rest[0]]) ?? USAGE}\n`);
      return 0;
    }
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown ${command.startsWith('-') ? 'option' : 'command'} "${command}"${didYouMean(command.replace(/^-+/, ''), [...COMMANDS, 'version'], (c) => (c === 'version' ? '--version' : c))}`);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`custodian: error: ${e.message} (see ${seeHelp})\n`);
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

/**
 * A reader that stops early (`custodian ceremony show X | head -1`) closes the pipe: further writes
 * fail with EPIPE, emitted as an 'error' event that would otherwise crash with a stack trace. Output
 * then simply ends; the command still finishes and exits with its own code.
 */
export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') return;
      throw e;
    });
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]));
if (isEntry) {
  // One command per process: V8's optimising wasm tier would compile hot functions in the background
  // for a process that exits before it pays off (measured: SNP verify 125 -> 119 ms wall, 132 -> 102
  // ms CPU). Set here rather than as a node option, which costs ~8 ms of every start (it disables
  // Node's built-in code cache). Only the CLI does this; the app's long-lived core keeps tiering up.
  setFlagsFromString('--liftoff-only');
  quietOnClosedPipe();
  process.exitCode = await main(process.argv.slice(2));
}
