/**
 * The console refuses a picked or dropped file over its role's limit by `File.size`, before reading
 * it (issue 13). Threat: a user (or a hostile file share) offers a multi-GB file; read whole into the
 * renderer it would exhaust memory before the main process could refuse it. The files here are
 * sparse: 5 GiB on disk costs nothing, and reading one into an ArrayBuffer would fail or crash the
 * page, so a passing test also shows that no read was attempted.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers.ts';
import { chooseFiles, dropFiles, HAVE_CHROMIUM, openConsole, type Console } from './harness.ts';
import { LIMITS } from '../../electron/io/size-limits.ts';

const GiB = 1024 ** 3;

describe.skipIf(!HAVE_CHROMIUM)('Console input limits: File.size is checked before reading', () => {
  let c: Console;
  let dir: string;
  const sparse = (name: string, size: number) => {
    const p = join(dir, name);
    writeFileSync(p, '');
    truncateSync(p, size);
    return p;
  };
  const panel = () => c.page.getByRole('tabpanel', { name: 'Inspect' });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'custodian-limits-'));
    c = await openConsole();
  });
  afterAll(async () => {
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a 5 GiB pick is refused with the file, role, size and limit; nothing is appraised', async () => {
    const huge = sparse('huge-report.bin', 5 * GiB);
    const before = c.requests.length;
    await chooseFiles(c.page, 'Inspect: open evidence and endorsements…', [huge, join(FIXTURES, 'valid', 'report.bin')]);
    const alert = panel().getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('huge-report.bin: endorsement: is 5368709120 bytes (5.0 GiB)');
    expect(await alert.textContent()).toContain(`over the endorsement limit of ${LIMITS.endorsement} bytes (8.0 MiB): refused`);
    // The whole pick is refused: the good file beside it is not appraised alone.
    expect(await panel().locator('.files li').count()).toBe(0);
    expect(c.requests.slice(before).filter((u) => !u.startsWith('data:'))).toEqual([]);
    expect(c.errors).toEqual([]);
    await c.screenshot('input-limit-refused');
  });

  it('a dropped TEST anchor one byte over its limit is refused; a good pick then clears the refusal', async () => {
    const over = sparse('anchor.pem', LIMITS['test anchor'] + 1);
    await dropFiles(c, 'Inspect: add TEST anchor…', [over]);
    const zone = c.page.locator('.drop', { has: c.page.getByRole('button', { name: 'Inspect: add TEST anchor…', exact: true }) });
    await expect.poll(() => zone.getByRole('alert').textContent()).toContain(`anchor.pem: test anchor: is ${LIMITS['test anchor'] + 1} bytes (1.0 MiB), over the test anchor limit`);
    expect(await panel().locator('.files li').count()).toBe(0);

    await chooseFiles(c.page, 'Inspect: add TEST anchor…', [join(FIXTURES, 'pki', 'ark.pem')]);
    await expect.poll(() => zone.getByRole('alert').count()).toBe(0);
    await expect.poll(() => panel().locator('.files li').count()).toBe(1);
  });
});
