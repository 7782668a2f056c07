/**
 * Size and kind limits at the file boundary (electron/io/limits.ts through readNamed/readJson).
 * Threats: a FIFO given as a file blocks the CLI or the main process forever; /dev/zero or a huge
 * file given as evidence grows the process to gigabytes (12 GB observed) before a misleading error; a
 * directory or socket read as a file; deeply nested JSON reaching recursive walks (JCS, revivers).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inputError } from '../helpers.ts';
import { InputError } from '../../electron/core/errors.ts';
import { LIMITS, MAX_JSON_DEPTH, checkSize, readJson, readNamed } from '../../electron/io/files.ts';
import { jsonDepth } from '../../electron/io/limits.ts';

const dir = mkdtempSync(join(tmpdir(), 'custodian-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;
/** The stated bound: peak growth for a refused input is at most 2 × limit + a constant. */
const rssBound = (limit: number) => 2 * limit + 64 * MiB;

function rssGrowth(fn: () => void): number {
  const before = process.memoryUsage().rss;
  fn();
  return process.memoryUsage().rss - before;
}

describe('readNamed refuses what is not a bounded regular file', () => {
  it('a 200 MB sparse file as evidence: refused naming file, role, size and limit, with bounded memory', () => {
    const big = join(dir, 'big.bin');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 200 * 1000 * 1000);
    closeSync(fd);
    let e: InputError | undefined;
    const grew = rssGrowth(() => (e = inputError(() => readNamed(big, 'evidence'))));
    expect(e!.file).toBe(big);
    expect(e!.field).toBe('evidence');
    expect(e!.message).toContain('200000000 bytes');
    expect(e!.message).toContain(`limit of ${LIMITS.evidence} bytes`);
    expect(grew).toBeLessThan(rssBound(LIMITS.evidence));
  });

  it.skipIf(!existsSync('/dev/zero'))('/dev/zero as evidence: refused as a device without reading, with bounded memory', () => {
    let e: InputError | undefined;
    const grew = rssGrowth(() => (e = inputError(() => readNamed('/dev/zero', 'evidence'))));
    expect(e!.message).toMatch(/character device, not a regular file/);
    expect(grew).toBeLessThan(rssBound(LIMITS.evidence));
  });

  it.skipIf(process.platform === 'win32')('a FIFO is refused without blocking (no writer ever opens it)', () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    // If the open blocked waiting for a writer, this call would never return and the test would time out.
    const e = inputError(() => readNamed(fifo, 'RIM'));
    expect(e.field).toBe('RIM');
    expect(e.message).toMatch(/FIFO/);
    expect(inputError(() => readJson(fifo, 'policy')).message).toMatch(/FIFO/);
  });

  it('a directory is refused', () => {
    const d = join(dir, 'a-directory');
    mkdirSync(d);
    expect(inputError(() => readNamed(d, 'endorsement')).message).toMatch(/directory, not a regular file/);
  });

  it('the limit is inclusive: exactly the limit is read, one byte more is refused', () => {
    const at = join(dir, 'key-at-limit');
    writeFileSync(at, Buffer.alloc(LIMITS['key file'], 0x41));
    expect(readNamed(at, 'key file').bytes.length).toBe(LIMITS['key file']);
    writeFileSync(at, Buffer.alloc(LIMITS['key file'] + 1, 0x41));
    expect(inputError(() => readNamed(at, 'key file')).message).toContain(`${LIMITS['key file'] + 1} bytes`);
  });

  it('a missing file still says so', () => {
    expect(inputError(() => readNamed(join(dir, 'nope'), 'CRL')).message).toBe(`${join(dir, 'nope')}: CRL: no such file`);
  });

  it('bytes that arrive without a file (console, loopback) are held to the same limits', () => {
    expect(() => checkSize('upload.xml', 'RIM', LIMITS.RIM)).not.toThrow();
    expect(inputError(() => checkSize('upload.xml', 'RIM', LIMITS.RIM + 1)).message).toMatch(/over the RIM limit/);
  });
});

describe('readJson refuses deep JSON before anything walks it', () => {
  it(`nesting deeper than ${MAX_JSON_DEPTH} is an InputError; strings with brackets do not count`, () => {
    const deep = join(dir, 'deep.json');
    writeFileSync(deep, '['.repeat(100_000) + ']'.repeat(100_000));
    expect(inputError(() => readJson(deep, 'policy')).message).toMatch(/JSON nesting deeper than 64 \(100000 levels\)/);
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, JSON.stringify({ a: ['[[[[', { b: '\\"{{{{' }] }));
    expect(readJson(ok, 'policy')).toEqual({ a: ['[[[[', { b: '\\"{{{{' }] });
    expect(jsonDepth('{"a":"\\"[[","b":[[]]}')).toBe(3);
  });
});
