/**
 * Always visible: that the console is offline, how the shell is reached, the pinned vendor roots
 * with their fingerprints (from the core), and the light/dark switch.
 */
import { Button, Dialog, DialogTrigger, Heading, Modal, ModalOverlay, ToggleButton } from 'react-aria-components';
import type { AppInfo } from '../api';

export function StatusBar({ info, dark, onDark }: { info: AppInfo | null; dark: boolean; onDark(dark: boolean): void }) {
  return (
    <header className="statusbar" aria-label="Trust and offline status">
      <strong className="brand">Custodian</strong>
      <span className="badge badge-ok" data-testid="offline">
        Offline — this console makes no network requests
      </span>
      <span className="muted">{info ? `v${info.version} · ${info.shell === 'electron' ? 'Electron shell' : 'loopback host (127.0.0.1, token)'}` : 'connecting…'}</span>
      <DialogTrigger>
        <Button className="button">Pinned roots ({info?.pinnedRoots.length ?? 0})</Button>
        <ModalOverlay className="overlay" isDismissable>
          <Modal className="modal">
            <Dialog className="dialog">
              {({ close }) => (
                <>
                  <Heading slot="title">Pinned vendor roots</Heading>
                  <p>Evidence is trusted only when its chain ends at one of these roots (SHA-256 of the SubjectPublicKeyInfo), embedded in the verification core. TEST anchors are used only when you add them, and every appraisal says so.</p>
                  <table className="table roots">
                    <thead>
                      <tr>
                        <th scope="col">Root</th>
                        <th scope="col">Evidence</th>
                        <th scope="col">SPKI SHA-256</th>
                      </tr>
                    </thead>
                    <tbody>
                      {info?.pinnedRoots.map((r) => (
                        <tr key={r.spki_sha256}>
                          <td>{r.name}</td>
                          <td>{r.platforms.join(', ')}</td>
                          <td>
                            <code>{r.spki_sha256}</code>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  <Button className="button" onPress={close} autoFocus>
                    Close
                  </Button>
                </>
              )}
            </Dialog>
          </Modal>
        </ModalOverlay>
      </DialogTrigger>
      <ToggleButton className="button" isSelected={dark} onChange={onDark}>
        Dark theme
      </ToggleButton>
    </header>
  );
}
