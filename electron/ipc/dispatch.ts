/**
 * The main-side entry every transport (Electron IPC, the loopback host) goes through: validates the
 * request against the contract, runs the handler, validates the response, and turns every failure
 * into an {@link IpcError} naming the file and field.
 */
import type { z } from 'zod';
import { InputError } from '../core/errors.ts';
import { Refused } from '../vault/errors.ts';
import { CONTRACT, isChannel, type Channel, type IpcError, type Response, type Result } from './contract.ts';

/** One handler per channel, receiving the validated request. */
export type Handlers = { [C in Channel]: (request: z.output<(typeof CONTRACT)[C]['request']>) => Promise<Response<C>> };

/** Formats a zod issue list as `field: problem; …`. */
function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
}

/**
 * A handler error as an {@link IpcError}: bad input names its file and field; a vault refusal is
 * field `refused (<reason>)`; unknown errors keep only their message.
 */
export function toIpcError(e: unknown, channel: string): IpcError {
  if (e instanceof InputError) return { file: e.file, field: e.field, message: e.detail };
  if (e instanceof Refused) return { file: channel, field: `refused (${e.reason})`, message: e.message };
  return { file: channel, field: 'handler', message: e instanceof Error ? e.message : String(e) };
}

/**
 * Returns `dispatch(channel, payload)`: never throws; unknown channels, invalid payloads and handler
 * failures come back as `{ ok: false, error }`.
 */
export function createDispatcher(handlers: Handlers): Dispatch {
  return async function dispatch(channel: string, payload: unknown): Promise<Result<Channel>> {
    if (!isChannel(channel)) return { ok: false, error: { file: 'ipc', field: 'channel', message: `unknown channel "${channel}"` } };
    const spec = CONTRACT[channel];
    const request = spec.request.safeParse(payload);
    if (!request.success) return { ok: false, error: { file: channel, field: 'request', message: describe(request.error) } };
    let value: unknown;
    try {
      value = await (handlers[channel] as (r: unknown) => Promise<unknown>)(request.data);
    } catch (e) {
      return { ok: false, error: toIpcError(e, channel) };
    }
    const response = spec.response.safeParse(value);
    if (!response.success) return { ok: false, error: { file: channel, field: 'response', message: describe(response.error) } };
    return { ok: true, value: response.data } as Result<Channel>;
  };
}

/** Typed per channel for callers that name one; any string for transports relaying untrusted names. */
export interface Dispatch {
  <C extends Channel>(channel: C, payload: unknown): Promise<Result<C>>;
  (channel: string, payload: unknown): Promise<Result<Channel>>;
}
