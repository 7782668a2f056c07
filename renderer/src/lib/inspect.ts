/** Runs `evidence:inspect` with the user's files, TEST anchors and settings. */
import { call, type Inspection } from '../api';
import { parseSettings, type Settings } from './settings';
import type { NamedFile } from '../../../electron/ipc/contract';

/** The inspection, or an error message naming the file and field. */
export async function runInspect(files: NamedFile[], testAnchors: NamedFile[], settings: Settings): Promise<Inspection | string> {
  const parsed = parseSettings(settings);
  if (typeof parsed === 'string') return parsed;
  try {
    return await call('evidence:inspect', { files, testAnchors, ...parsed });
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Runs `evidence:ear` for the same inputs: the EAR text (a JWT when `keyPath` names a private JWK,
 * which main reads — the key never reaches this page), or an error message naming the file and field.
 */
export async function runEar(files: NamedFile[], testAnchors: NamedFile[], settings: Settings, keyPath: string): Promise<{ text: string; signed: boolean } | string> {
  const parsed = parseSettings(settings);
  if (typeof parsed === 'string') return parsed;
  try {
    return await call('evidence:ear', { files, testAnchors, ...parsed, profile: 'ietf', keyPath: keyPath.trim() === '' ? null : keyPath.trim() });
  } catch (e) {
    return (e as Error).message;
  }
}
