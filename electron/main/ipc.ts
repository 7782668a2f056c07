/**
 * Wires the contract's handlers to Electron IPC: one `ipcMain.handle` per channel, each call from a
 * trusted frame only (the app origin's top-level frame), each payload validated by the dispatcher.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { CHANNELS } from '../ipc/contract.ts';
import type { Dispatch } from '../ipc/dispatch.ts';
import { isTrustedSender } from './security.ts';

/** Registers every channel of the contract with `dispatch`. */
export function registerIpc(dispatch: Dispatch): void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, payload: unknown) => {
      const frame = event.senderFrame;
      if (!frame || !isTrustedSender({ url: frame.url, isTopLevel: frame.parent === null })) {
        return { ok: false, error: { file: 'ipc', field: 'sender', message: `refused: ${channel} from an untrusted frame` } };
      }
      return dispatch(channel, payload);
    });
  }
}
