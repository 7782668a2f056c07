/**
 * Browser side of the loopback host: defines `window.custodian` (the same {@link CustodianApi} the
 * Electron preload exposes) over `POST /ipc/<channel>` with the per-start token. The token comes
 * from the URL fragment, is kept for this tab only (sessionStorage), and is removed from the address bar.
 */
import { createApi, CUSTODIAN_API_KEY, type Invoke } from '../ipc/client.ts';
import { decode, encode } from '../ipc/codec.ts';
import type { Result, Channel } from '../ipc/contract.ts';

declare const __CUSTODIAN_VERSION__: string;

const STORE = 'custodian-token';
/** Shown (through the app's error note) when the host refuses the token: the renderer keys on "access token". */
const NO_TOKEN = 'this page was opened without its access token (or with one from an earlier start): open the full URL printed in the terminal, the one ending in #token=…';
const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromHash) {
  sessionStorage.setItem(STORE, fromHash);
  history.replaceState(null, '', location.pathname);
}
const token = sessionStorage.getItem(STORE) ?? '';

const invoke: Invoke = async (channel, request) => {
  const res = await fetch(`/ipc/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Custodian-Token': token },
    body: encode(request),
  });
  if (res.status === 401) {
    // Opened without the URL's #token (or with one from an earlier start): say what to do, not "HTTP 401".
    return { ok: false, error: { file: 'console', field: 'access token', message: NO_TOKEN } };
  }
  if (res.status !== 200 && res.status !== 400) {
    return { ok: false, error: { file: 'loopback host', field: `HTTP ${res.status}`, message: await res.text() } };
  }
  return decode(await res.text()) as Result<Channel>;
};

(window as unknown as Record<string, unknown>)[CUSTODIAN_API_KEY] = createApi(__CUSTODIAN_VERSION__, invoke);
