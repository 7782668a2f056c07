/**
 * A directory given where endorsements go means every regular file in it (snpguest's `certs/`, KDS
 * cache folders); it used to fail with EISDIR (issue 16).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inputError, verify, VECTORS } from '../helpers.ts';
import { MAX_DIRECTORY_FILES, readEndorsementPath, readNamed } from '../../electron/io/files.ts';

const tmp = mkdtempSync(join(tmpdir(), 'custodian-dirs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('readEndorsementPath', () => {
  it('reads a file as itself, and a directory as its regular files in name order, skipping dotfiles and subdirectories', () => {
    const d = join(tmp, 'certs');
    mkdirSync(join(d, 'nested'), { recursive: true });
    writeFileSync(join(d, 'b.pem'), 'B');
    writeFileSync(join(d, 'a.der'), 'A');
    writeFileSync(join(d, '.hidden'), 'H');
    writeFileSync(join(d, 'nested', 'c.pem'), 'C');
    expect(readEndorsementPath(join(d, 'b.pem'), 'certificate').map((f) => f.name)).toEqual([join(d, 'b.pem')]);
    expect(readEndorsementPath(d, 'certificate').map((f) => [f.name, f.bytes.toString()])).toEqual([[join(d, 'a.der'), 'A'], [join(d, 'b.pem'), 'B']]);
  });

  it('a FIFO or device inside the directory is not read (threat: a directory another user can write)', () => {
    const d = join(tmp, 'with-dev');
    mkdirSync(d);
    writeFileSync(join(d, 'a.pem'), 'A');
    symlinkSync('/dev/zero', join(d, 'zero.pem'));
    expect(readEndorsementPath(d, 'certificate').map((f) => f.name)).toEqual([join(d, 'a.pem')]);
  });

  it('an empty directory, or one with too many files, is an error naming it', () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    expect(inputError(() => readEndorsementPath(empty, 'CRL')).message).toMatch(/no regular file/);
    const many = join(tmp, 'many');
    mkdirSync(many);
    for (let i = 0; i <= MAX_DIRECTORY_FILES; i++) writeFileSync(join(many, `${i}.pem`), '');
    const e = inputError(() => readEndorsementPath(many, 'certificate'));
    expect(e.file).toBe(many);
    expect(e.message).toContain(String(MAX_DIRECTORY_FILES));
  });

  it('a missing path is the same error readNamed gives', () => {
    const p = join(tmp, 'nope');
    expect(inputError(() => readEndorsementPath(p, 'RIM')).message).toBe(inputError(() => readNamed(p, 'RIM')).message);
  });
});

const SNPGUEST = join(VECTORS, 'formats', 'snpguest', 'go-sev-guest-milan');
describe.skipIf(!existsSync(SNPGUEST))("snpguest's certs/ directory as the chain", () => {
  it('verifies the report with the VCEK, ASK and ARK from the folder, as when given one by one', () => {
    const evidence = readNamed(join(SNPGUEST, 'attestation-report.bin'), 'evidence');
    const at = new Date('2025-12-01T00:00:00Z');
    const fromDir = verify({ evidence, endorsements: readEndorsementPath(join(SNPGUEST, 'certs'), 'certificate'), referenceTime: at });
    const oneByOne = verify({ evidence, endorsements: ['vcek.der', 'ask.pem', 'ark.pem'].map((f) => readNamed(join(SNPGUEST, 'certs', f), 'certificate')), referenceTime: at });
    expect(fromDir.checks.map((c) => [c.id, c.status])).toEqual(oneByOne.checks.map((c) => [c.id, c.status]));
    expect(fromDir.checks.find((c) => c.id === 'report.signature')?.status).toBe('pass');
  });
});
