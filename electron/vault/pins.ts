/**
 * Known vaults: the vault key thumbprint of each vault this OS user has created or trusted, kept
 * OUTSIDE the vault file (`$XDG_CONFIG_HOME/custodian/known-vaults.json`, default
 * `~/.config/custodian/…`; directory 0700, file 0600, both owned by the user), as ssh keeps
 * known_hosts. Someone who can rewrite the vault file can replace its roster and vault key, but not
 * this pin, so every step that trusts the roster first checks its vault key against the pin.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeAtomic } from '../io/files.ts';
import { checkPrivateFile, ensurePrivateDir } from '../io/private-fs.ts';
import { InputError } from './errors.ts';

/** Path of the known-vaults file. */
export function pinFile(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'custodian', 'known-vaults.json');
}

function readPins(): Record<string, string> {
  const file = pinFile();
  if (!existsSync(file)) return {};
  checkPrivateFile(file, { role: 'known vaults' });
  const text = readFileSync(file, 'utf8');
  try {
    const doc = JSON.parse(text) as { vaults?: Record<string, string> };
    return doc.vaults ?? {};
  } catch {
    throw new InputError(file, 'known vaults', 'not JSON');
  }
}

/** The pinned vault key thumbprint (RFC 7638, base64url) of `vaultId`, or null. */
export function pinnedThumbprint(vaultId: string): string | null {
  return readPins()[vaultId] ?? null;
}

/** Pins `vaultId` to `thumbprint`; InputError when it is already pinned to another key. */
export function recordPin(vaultId: string, thumbprint: string): void {
  const pins = readPins();
  if (pins[vaultId] && pins[vaultId] !== thumbprint) {
    throw new InputError(pinFile(), vaultId, `is pinned to vault key ${pins[vaultId]}, not ${thumbprint}: refusing to replace a pin (remove the line by hand if the vault was really re-created)`);
  }
  if (pins[vaultId] === thumbprint) return;
  const dir = dirname(pinFile());
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  ensurePrivateDir(dir, { role: 'known vaults directory', requireRam: false });
  writeAtomic(pinFile(), `${JSON.stringify({ vaults: { ...pins, [vaultId]: thumbprint } }, null, 2)}\n`, 0o600);
}
