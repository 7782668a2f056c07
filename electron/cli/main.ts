/**
 * `custodian` command-line entry point. Exit codes: 0 affirming or warning, 1 contraindicated,
 * 2 input could not be read or parsed (one line naming the file and the problem, no stack trace).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { loadCore } from '../core/core.ts';
import { InputError } from '../core/errors.ts';
import type { NamedBytes } from '../core/appraisal.ts';
import { parseVerifyArgs, USAGE, UsageError } from './args.ts';
import { renderText } from './render.ts';

async function readNamed(path: string, role: string): Promise<NamedBytes> {
  try {
    return { name: path, bytes: await readFile(path) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError(path, role, code === 'ENOENT' ? 'no such file' : `cannot read (${code})`);
  }
}

async function readPolicy(path: string): Promise<unknown> {
  const text = Buffer.from((await readNamed(path, 'policy')).bytes).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(path, 'policy', `not JSON: ${(e as Error).message}`);
  }
}

/** `--nonce` sets `nvidia.nonce` in the policy (over any value the policy file holds). */
function withNonce(policy: unknown, nonce: string | undefined): unknown {
  if (nonce === undefined) return policy;
  const p = (policy ?? {}) as Record<string, unknown>;
  return { ...p, nvidia: { ...((p.nvidia as Record<string, unknown> | undefined) ?? {}), nonce } };
}

async function verify(argv: string[]): Promise<number> {
  const args = parseVerifyArgs(argv, new Date());
  const core = await loadCore();
  const appraisal = core.verify({
    evidence: await readNamed(args.evidence, 'evidence'),
    endorsements: await Promise.all([...args.chain, ...args.crl, ...args.collateral].map((p) => readNamed(p, 'endorsement'))),
    testAnchors: await Promise.all(args.testAnchors.map((p) => readNamed(p, 'test anchor'))),
    policy: withNonce(args.policy === undefined ? undefined : await readPolicy(args.policy), args.nonce),
    referenceTime: args.at,
    rims: await Promise.all(args.rims.map((p) => readNamed(p, 'RIM'))),
    ocsp: await Promise.all(args.ocsp.map((p) => readNamed(p, 'OCSP response'))),
    moreEvidence: await Promise.all(args.moreEvidence.map((p) => readNamed(p, 'evidence'))),
    type: args.type,
  });
  process.stdout.write(args.json ? `${JSON.stringify(appraisal, null, 2)}\n` : `${renderText(appraisal, basename(args.evidence))}\n`);
  return appraisal.verdict === 'contraindicated' ? 1 : 0;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'verify') return await verify(rest);
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
    process.stderr.write(`custodian: internal error: ${(e as Error).message}\n`);
    return 3;
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]));
if (isEntry) process.exitCode = await main(process.argv.slice(2));
