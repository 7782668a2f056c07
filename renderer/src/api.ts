/** The renderer's only way out: the typed API the preload (or the loopback bridge) exposes. */
import type { Channel, Request, Response } from '../../electron/ipc/contract';

export type { BatchRow, LayoutField, FileKind } from '../../electron/ipc/contract';
export type Inspection = Response<'evidence:inspect'>;
export type Appraisal = Inspection['appraisal'];
export type AppInfo = Response<'app:info'>;
/** How the page is served (only Electron has system dialogs); undefined until app:info answers. */
export type Shell = AppInfo['shell'] | undefined;

/** The Custodian version the preload (or loopback bridge) reports, for records; "unknown" without one. */
export const appVersion = (): string => window.custodian?.version ?? 'unknown';

/** Calls `channel` through `window.custodian`; rejects with the error main reported (file: field: message). */
export function call<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> {
  const api = window.custodian;
  if (!api) return Promise.reject(new Error('Custodian API not available: open the console through Electron or the loopback host'));
  return api.call(channel, request);
}
