/**
 * Main's failures in plain words. Errors reach the renderer as `Error`s whose message is
 * `file: field: message` (electron/ipc/client.ts `ApiError`; over Electron's context bridge only the
 * message survives, so it is parsed here). A decision is `<channel>: refused (<reason>): <why>`
 * (electron/ipc/dispatch.ts); bad input names the file (or option) and the field.
 */

/** What went wrong, for a step's panel: one plain sentence and main's own words. */
export interface Explained {
  /** A sentence saying what happened, without the channel or the refusal code. */
  summary: string;
  /** Main's message (names the file and field, or why the step was refused). */
  detail: string;
  /** The refusal reason (`authentication`, `policy`, …) when it was a decision; else undefined. */
  reason?: string;
  /** The field main named (for input errors), e.g. `reason`. */
  field?: string;
}

const REFUSALS: Record<string, string> = {
  authentication: 'An integrity check failed.',
  approvals: 'This approval cannot be counted.',
  binding: 'This evidence was not made for this ceremony: REPORT_DATA does not bind its challenge and TEE key.',
  nonce: 'The challenge can no longer be used.',
  policy: "The key's release policy does not accept this.",
  state: 'This step is not possible in the ceremony\u2019s current state.',
  expired: "The ceremony's deadline has passed.",
};

/** Explains `e` (an Error from `call`, or anything thrown). */
export function explainError(e: unknown): Explained {
  const message = e instanceof Error ? e.message : String(e);
  const refused = /^(\S+): refused \((\w+)\): ([\s\S]*)$/.exec(message);
  if (refused) {
    const [, , reason, why] = refused as unknown as [string, string, string, string];
    if (reason === 'authentication' && /wrong passphrase/.test(why)) {
      return { summary: 'Wrong passphrase: nothing was unlocked and nothing changed. Check who is approving and type it again.', detail: why, reason };
    }
    if (reason === 'authentication' && /, not the \S+ you gave/.test(why)) {
      return { summary: "The thumbprint typed is not this vault's key: the vault was not opened.", detail: why, reason };
    }
    return { summary: REFUSALS[reason] ?? 'The vault refused this step.', detail: why, reason };
  }
  const input = /^(.+?): (.+?): ([\s\S]*)$/.exec(message);
  if (input) {
    const [, file, field, why] = input as unknown as [string, string, string, string];
    if (field === 'request' || field === 'response') return { summary: 'The console and the vault process disagree on this request (a bug in the console).', detail: why, field };
    if (field === 'handler') return { summary: 'The vault process failed unexpectedly.', detail: why, field };
    if (field === 'reason' && /passphrase/.test(why)) {
      return { summary: "That reason is a custodian's passphrase: it was not recorded, and the ceremony was not aborted.", detail: why, field };
    }
    const where = /^[a-z]+:[a-zA-Z]+$/.test(file) || file.startsWith('--') ? '' : ` in ${file}`;
    return { summary: `Not accepted: ${field}${where}.`, detail: why, field };
  }
  return { summary: 'Something went wrong.', detail: message };
}
