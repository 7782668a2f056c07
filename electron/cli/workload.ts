/**
 * Workload-side commands, which need no vault: `unwrap` (the reference consumer of a release bundle)
 * and `rehearse snp|tdx` (TEST evidence for rehearsing a ceremony).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FlattenedJWE, JWK } from 'jose';
import { parseChallenge, rehearseSnp, rehearseSnpFor } from '../rehearse/snp.ts';
import { rehearseTdx } from '../rehearse/tdx.ts';
import { parseTeePublicKey } from '../vault/binding.ts';
import { Refused } from '../vault/errors.ts';
import { fingerprint } from '../vault/keys.ts';
import { decryptBundle } from '../vault/release.ts';
import { need, parseCommand as parse, UsageError } from './args.ts';
import { loadCore } from '../core/core.ts';
import { readJson, readNamed, writeAtomic } from '../io/files.ts';
import { groupHex } from './text.ts';

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
  process.stdout.write(`key ${r.kid ?? '?'} (${format}, ${format === 'raw' ? `${bytes.length * 8}-bit AES` : 'PKCS#8'}) written to ${outFile}\nfingerprint ${groupHex(fingerprint({ format, bytes }))}\n`);
  bytes.fill(0);
  return 0;
}

/**
 * `custodian rehearse snp|tdx --challenge FILE --out DIR (--tee-key-out JWK_FILE [--kty EC|RSA] | --tee-pubkey JWK_FILE) [--gpus N]`:
 * TEST evidence for a challenge. With `--tee-pubkey`, the evidence binds an external guest's public
 * key (TeePubKey-shaped JWK with `alg`) and no private key is written. With `--gpus N` (1..8) the
 * evidence is composite: N TEST Hopper GPUs answering Trustee's device nonce (rehearse/nvidia.ts), their
 * RIMs, OCSP responses and TEST anchors, and the CPU report binding their additional evidence.
 */
export async function rehearseCmd([platform, ...argv]: string[]): Promise<number> {
  if (platform !== 'snp' && platform !== 'tdx') throw new UsageError(`rehearse: unknown platform "${platform ?? ''}" (snp, tdx)`);
  const cmd = `rehearse ${platform}`;
  const { values } = parse(argv, cmd, { challenge: { type: 'string' }, 'tee-key-out': { type: 'string' }, 'tee-pubkey': { type: 'string' }, out: { type: 'string' }, kty: { type: 'string' }, gpus: { type: 'string' } }, 0);
  const count = values.gpus === undefined ? 0 : Number(values.gpus);
  if (!Number.isInteger(count) || count < 0 || count > 8) throw new UsageError('--gpus: a number of GPUs from 0 to 8');
  const gpus = count > 0 ? { gpus: { count, core: await loadCore() } } : {};
  const [challengeFile, dir] = [need(values.challenge, cmd, '--challenge FILE'), need(values.out, cmd, '--out DIR')];
  const ch = parseChallenge(readNamed(challengeFile, 'challenge').bytes.toString('utf8'), challengeFile);
  let r: { files: Record<string, Buffer | string>; teePrivateJwk?: object; gpus?: { uuid: string; driver: string; vbios: string }[] };
  let keyOut: string | undefined;
  if (values['tee-pubkey'] !== undefined) {
    if (values['tee-key-out'] !== undefined || values.kty !== undefined) throw new UsageError(`${cmd}: --tee-pubkey (an external guest's key) excludes --tee-key-out and --kty`);
    const jwk = parseTeePublicKey(readJson(values['tee-pubkey'], 'tee-pubkey'), values['tee-pubkey']);
    if (typeof jwk.alg !== 'string') throw new UsageError(`${values['tee-pubkey']}: a Trustee guest's TEE key carries "alg" (ECDH-ES+A256KW or RSA-OAEP-256)`);
    r = platform === 'snp' ? await rehearseSnpFor(ch, jwk, gpus) : await rehearseTdx(ch, { teePubkey: jwk, ...gpus });
  } else {
    keyOut = need(values['tee-key-out'], cmd, '--tee-key-out JWK_FILE (or --tee-pubkey JWK_FILE)');
    const kty = (values.kty ?? 'EC').toUpperCase();
    if (kty !== 'EC' && kty !== 'RSA') throw new UsageError('--kty: EC or RSA');
    r = platform === 'snp' ? await rehearseSnp(ch, kty, gpus) : await rehearseTdx(ch, { kty, ...gpus });
  }
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of Object.entries(r.files)) writeAtomic(join(dir, name), data);
  if (keyOut) writeAtomic(keyOut, `${JSON.stringify(r.teePrivateJwk)}\n`, 0o600);
  process.stdout.write(`TEST rehearsal evidence in ${dir} (${Object.keys(r.files).join(', ')})${keyOut ? `; TEE private key ${keyOut}` : ''}\n`);
  for (const [i, g] of (r.gpus ?? []).entries()) process.stdout.write(`gpu${i}: TEST Hopper ${g.uuid}, driver ${g.driver}, VBIOS ${g.vbios}\n`);
  return 0;
}
