/**
 * The API the preload script exposes to the renderer as `window.custodian`.
 *
 * Shared by electron/preload/index.ts (which implements it) and the renderer
 * (which declares it on `Window`). Keep it narrow: plain data and purpose-built
 * functions only, never `ipcRenderer` or other Electron/Node objects.
 */
export interface CustodianApi {
  /** Application version (from package.json, fixed at build time). */
  readonly version: string;
}

/** Global name under which {@link CustodianApi} is exposed. */
export const CUSTODIAN_API_KEY = 'custodian';
