/**
 * Electron fuses for the packaged app (flipped in the binary at packaging time, not at run time).
 * `npm run package:fuses -- path/to/electron` applies them; test/unit/fuses.test.ts pins each value.
 */
import { FuseV1Options, FuseVersion, flipFuses } from '@electron/fuses';

/** Every fuse, with the value the packaged Custodian must have and why. */
export const FUSES = {
  version: FuseVersion.V1,
  // The binary must never act as a plain Node.js (ELECTRON_RUN_AS_NODE would bypass every shell control).
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  // NODE_OPTIONS / --inspect could inject code into the main process, where the services run.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // Only load the app from a signed-off asar whose integrity is checked.
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // The renderer is served from app://, never file://: give file:// nothing extra.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
} as const;

/** Flips {@link FUSES} in the Electron binary at `electronPath` (resets its ad-hoc signature on macOS). */
export async function applyFuses(electronPath: string): Promise<void> {
  await flipFuses(electronPath, { ...FUSES, resetAdHocDarwinSignature: process.platform === 'darwin' });
}
