/**
 * Errors of the vault services. {@link Refused} is a decision (CLI exit 1); bad input reuses the core's
 * {@link InputError} (CLI exit 2). Messages never contain key material or passphrases.
 */
export { InputError } from '../core/errors.ts';

/** Why a step was refused; the CLI prints it and the audit log records it. */
export type RefusalReason =
  | 'authentication' // wrong passphrase, tampered share / wrapped key / escrow (AES-GCM tag), wrong check value
  | 'approvals' // not enough approvals, same custodian twice, not a participant
  | 'binding' // REPORT_DATA does not bind this ceremony's nonce and TEE key
  | 'nonce' // expired or already used challenge
  | 'policy' // contraindicated appraisal, evidence type or trust anchor not allowed
  | 'state' // the step is not allowed in the ceremony's current state (incl. a second ceremony on one key)
  | 'expired'; // the ceremony's deadline passed

/** A step was refused (CLI exit code 1). */
export class Refused extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'Refused';
  }
}
