import type { CustodianApi } from '../../electron/ipc/client';

declare global {
  interface Window {
    /** Exposed by the preload script (Electron) or the loopback bridge (browser). */
    readonly custodian?: CustodianApi;
  }
}
