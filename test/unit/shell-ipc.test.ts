/** Pure decisions added for the console: IPC sender check, allowed requests, fuses, loopback CSP. */
import { describe, expect, it } from 'vitest';
import { FuseV1Options } from '@electron/fuses';
import { isAllowedRequest, isTrustedSender } from '../../electron/main/security.ts';
import { FUSES } from '../../electron/packaging/fuses.ts';
import { LOOPBACK_CSP } from '../../electron/loopback/host.ts';

describe('IPC sender frame', () => {
  it.each([
    [{ url: 'app://custodian/index.html', isTopLevel: true }, true],
    [{ url: 'app://custodian/index.html', isTopLevel: false }, false],
    [{ url: 'app://evil/index.html', isTopLevel: true }, false],
    [{ url: 'https://example.com/', isTopLevel: true }, false],
    [{ url: 'file:///work/out/renderer/index.html', isTopLevel: true }, false],
    [{ url: '', isTopLevel: true }, false],
  ])('%j → %s', (frame, trusted) => expect(isTrustedSender(frame)).toBe(trusted));
});

describe('session request filter', () => {
  it.each([
    ['app://custodian/assets/x.js', true],
    ['blob:app://custodian/0b0e5a2c-1d2f-4c79-a9f4-8f0b7b8a1c11', true],
    ['blob:https://example.com/0b0e5a2c', false],
    ['blob:null/abc', false],
    ['https://example.com/', false],
    ['data:text/html,hi', false],
    ['ws://127.0.0.1:1/', false],
  ])('%s → %s', (url, allowed) => expect(isAllowedRequest(url)).toBe(allowed));
});

describe('Electron fuses for packaging', () => {
  it('turn off every way to run other code in the main process and load only the checked asar', () => {
    expect(FUSES[FuseV1Options.RunAsNode]).toBe(false);
    expect(FUSES[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(FUSES[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(FUSES[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(FUSES[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(FUSES[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(FUSES[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
  });

  it('sets every fuse the library knows (a new one must be decided, not defaulted)', () => {
    const known = Object.values(FuseV1Options).filter((v) => typeof v === 'number');
    for (const fuse of known) expect(FUSES, FuseV1Options[fuse as number]).toHaveProperty(String(fuse));
  });
});

describe('loopback CSP', () => {
  it('is the app CSP with connect-src self only', () => {
    expect(LOOPBACK_CSP).toContain("default-src 'none'");
    expect(LOOPBACK_CSP).toContain("connect-src 'self'");
    expect(LOOPBACK_CSP).not.toContain("connect-src 'none'");
    expect(LOOPBACK_CSP).not.toMatch(/'unsafe-inline'|'unsafe-eval'/);
  });
});
