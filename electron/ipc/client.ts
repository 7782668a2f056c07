/**
 * The renderer-facing API, built on any transport: the preload passes `ipcRenderer.invoke`, the
 * loopback bridge passes an HTTP POST. No Electron or Node imports here.
 */
import type { Channel, IpcError, Request, Response, Result } from './contract.ts';

/** Sends one call over a transport and resolves with the {@link Result} main returned. */
export type Invoke = (channel: Channel, request: unknown) => Promise<Result<Channel>>;

/** A failure reported by main, naming the file and field. */
export class ApiError extends Error {
  readonly file: string;
  readonly field: string;
  constructor(error: IpcError) {
    super(`${error.file}: ${error.field}: ${error.message}`);
    this.name = 'ApiError';
    this.file = error.file;
    this.field = error.field;
  }
}

/** The API exposed to the renderer as `window.custodian`. */
export interface CustodianApi {
  /** Application version (from package.json). */
  readonly version: string;
  /** Calls `channel`; rejects with {@link ApiError} when main reports a failure. */
  call<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>>;
}

/** Global name under which {@link CustodianApi} is exposed. */
export const CUSTODIAN_API_KEY = 'custodian';

/** Builds the API over `invoke`. */
export function createApi(version: string, invoke: Invoke): CustodianApi {
  return Object.freeze({
    version,
    async call<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> {
      const result = (await invoke(channel, request)) as Result<C>;
      if (!result.ok) throw new ApiError(result.error);
      return result.value;
    },
  });
}
