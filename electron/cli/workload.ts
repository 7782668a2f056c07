/**
 * Workload-side commands, which need no vault: `unwrap` (the reference consumer of a release bundle)
 * and `rehearse snp|tdx` (TEST evidence for rehearsing a ceremony).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FlattenedJWE, JWK } from 'jose';
import { parseChallenge, rehearseSnp } from '../rehearse/snp.ts';
import { rehearseTdx } from '../rehearse/tdx.ts';
import { parseTeePublicKey } from '../vault/binding.ts';
import { Refused } from '../vault/errors.ts';
import { fingerprint } from '../vault/keys.ts';
import { decryptBundle } from '../vault/release.ts';
import { need, parseCommand as parse, UsageError } from './args.ts';
import { readJson, readNamed, writeAtomic } from '../io/files.ts';

/** `custodian unwrap --tee-key JWK_FILE BUNDLE --out FILE`: decrypts a release bundle with the TEE private key. */
export async function unwrapCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, 'unwrap', { 'tee-key': { type: 'string' }, out: { type: 'string' } }, 1);
  const teeKey = need(values['tee-key'], 'unwrap', '--tee-key JWK_FILE');
  const outFile = need(values.out, 'unwrap', '--out FILE');
  const jwk = readJson(teeKey, 'tee-key') as JWK;
  const bundle = readJson(positionals[0]!, 'bundle') as FlattenedJWE;
  let r;
  try {
    r = await decryptBundle(bundle, jwk);
  } catch {
    throw new Refused('authentication', `${positionals[0]}: the bundle does not decrypt with ${teeKey} (not the TEE key it was released to, or altered)`);
  }
  const format = r.cty === 'custodian-key+pkcs8' ? 'pkcs8' : 'raw';
  const bytes = Buffer.from(r.plaintext);
  writeAtomic(outFile, bytes, 0o600);
  process.stdout.write(`key ${r.kid ?? '?'} (${format}, ${format === 'raw' ? `${bytes.length * 8}-bit AES` : 'PKCS#8'}) written to ${outFile}\nfingerprint ${fingerprint({ format, bytes })}\n`);
  bytes.fill(0);
  return 0;
}

/**
 * `custodian rehearse snp|tdx --challenge FILE --tee-key-out JWK_FILE --out DIR [--kty EC|RSA]`;
 * `tdx` also takes `--tee-pubkey JWK` (bind an externally generated TEE public key; then no private
 * key is written and `--tee-key-out` is not taken).
 */
export async function rehearseCmd([platform, ...argv]: string[]): Promise<number> {
  if (platform !== 'snp' && platform !== 'tdx') throw new UsageError(`rehearse: unknown platform "${platform ?? ''}" (snp, tdx)`);
  const cmd = `rehearse ${platform}`;
  const { values } = parse(argv, cmd, {
    challenge: { type: 'string' }, 'tee-key-out': { type: 'string' }, out: { type: 'string' }, kty: { type: 'string' },
    ...(platform === 'tdx' ? { 'tee-pubkey': { type: 'string' } } : {}),
  } as const, 0);
  const [challengeFile, dir] = [need(values.challenge, cmd, '--challenge FILE'), need(values.out, cmd, '--out DIR')];
  const pubFile = (values as { 'tee-pubkey'?: string })['tee-pubkey'];
  if (pubFile !== undefined && (values['tee-key-out'] !== undefined || values.kty !== undefined)) {
    throw new UsageError(`${cmd}: --tee-pubkey binds a key made elsewhere; --tee-key-out and --kty apply only to a key generated here`);
  }
  const keyOut = pubFile === undefined ? need(values['tee-key-out'], cmd, '--tee-key-out JWK_FILE') : undefined;
  const kty = (values.kty ?? 'EC').toUpperCase();
  if (kty !== 'EC' && kty !== 'RSA') throw new UsageError('--kty: EC or RSA');
  const ch = parseChallenge(readNamed(challengeFile, 'challenge').bytes.toString('utf8'), challengeFile);
  const r = platform === 'snp'
    ? await rehearseSnp(ch, kty)
    : await rehearseTdx(ch, { kty, teePubkey: pubFile === undefined ? undefined : parseTeePublicKey(readJson(pubFile, 'tee-pubkey'), pubFile) });
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of Object.entries(r.files)) writeAtomic(join(dir, name), data);
  if (keyOut !== undefined && r.teePrivateJwk) writeAtomic(keyOut, `${JSON.stringify(r.teePrivateJwk)}\n`, 0o600);
  const key = keyOut !== undefined ? `TEE private key ${keyOut}` : `bound to the TEE public key of ${pubFile}`;
  process.stdout.write(`TEST rehearsal evidence in ${dir} (${Object.keys(r.files).join(', ')}); ${key}\n`);
  return 0;
}
