import type { CustodianApi } from '../../electron/preload/api';

declare global {
  interface Window {
    /** Exposed by the preload script; absent when the page runs outside Electron. */
    readonly custodian?: CustodianApi;
  }
}
