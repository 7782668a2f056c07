/**
 * Preload script (sandboxed, built as CommonJS): exposes the narrow
 * {@link CustodianApi} to the isolated renderer world. Nothing else.
 */
import { contextBridge } from 'electron';
import { CUSTODIAN_API_KEY, type CustodianApi } from './api';

/** Injected by electron.vite.config.ts (`define`) from package.json. */
declare const __CUSTODIAN_VERSION__: string;

const api: CustodianApi = Object.freeze({ version: __CUSTODIAN_VERSION__ });

contextBridge.exposeInMainWorld(CUSTODIAN_API_KEY, api);
