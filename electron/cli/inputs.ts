/**
 * The inputs of `custodian verify`, checked against what they look like before the core sees them
 * (electron/evidence/describe.ts decides the wording, for the console too): a certificate or a text
 * file given as EVIDENCE, Intel collateral given to an SEV-SNP report, an AMD certificate given to
 * NVIDIA evidence are input errors (exit 2) saying so; after the appraisal, every input that was not
 * used gets a note ("note: --chain x.pem was not used: TDX quotes carry their PCK chain").
 */
import type { Appraisal, NamedBytes } from '../core/appraisal.ts';
import { InputError } from '../core/errors.ts';
import { describeFile, endorsementMisfit, evidencePlatform, notEvidenceReason, type Platform } from '../evidence/describe.ts';

/** The flag an input came with (`evidence` for the positional EVIDENCE). */
export type Role = 'evidence' | '--chain' | '--crl' | '--collateral' | '--rim' | '--ocsp' | '--more-evidence';

/** One input file of `verify`, with the flag it was given with. */
export interface RoleFile {
  role: Role;
  file: NamedBytes;
}

/**
 * Refuses inputs that certainly do not fit, with an InputError naming the file and the flag and saying
 * what the file is. Anything it cannot place is left for the core to parse. `type` is `--type`.
 */
export function checkInputs(files: readonly RoleFile[], type?: Platform): void {
  const evidence = files.find((f) => f.role === 'evidence')!;
  const d = describeFile(evidence.file.bytes);
  // "Did you swap?": another input (given as an endorsement) is itself evidence.
  const swapped = files.find((f) => f.role !== 'evidence' && f.role !== '--more-evidence' && evidencePlatform(describeFile(f.file.bytes).kind) && describeFile(f.file.bytes).kind !== 'azure-hcl-report');
  const why = notEvidenceReason(d, swapped?.role);
  if (why) throw new InputError(evidence.file.name, 'evidence', why);
  const platform = type ?? evidencePlatform(d.kind);
  if (!platform) return;
  const composite = files.some((f) => f.role === '--more-evidence');
  for (const f of files) {
    if (f.role === 'evidence' || f.role === '--more-evidence') continue;
    // Beside a CPU report with GPU evidence, NVIDIA endorsements are in place.
    const p = composite && (f.role === '--rim' || f.role === '--ocsp' || describeFile(f.file.bytes).vendor === 'NVIDIA') ? 'nvidia' : platform;
    const misfit = endorsementMisfit(describeFile(f.file.bytes), p);
    if (misfit) throw new InputError(f.file.name, f.role, misfit);
  }
}

/**
 * Notes for inputs the appraisal of platform `a.platform` does not use, one per input, e.g.
 * "--chain x.pem was not used: TDX quotes carry their PCK chain". `nonce`: whether --nonce was given.
 */
export function unusedNotes(a: Appraisal, files: readonly RoleFile[], nonce: boolean): string[] {
  const p = a.platform;
  const why = (role: Role | '--nonce', name: string, bytes?: Uint8Array): string | undefined => {
    const intel = p === 'tdx' || p === 'sgx';
    const d = bytes && describeFile(bytes);
    const x509 = d?.kind === 'certificate' || d?.kind === 'crl';
    // An Intel certificate beside a quote is read with the collateral (a TCB Signing chain): used.
    if (role === '--chain' && intel && d?.vendor === 'Intel') return undefined;
    const nvidiaInPlay = p === 'nvidia' || p === 'composite';
    if (role === '--chain' && intel) return `${name} was not used: ${p === 'tdx' ? 'TDX' : 'SGX'} quotes carry their PCK chain (issuer chains of the collateral go with --collateral)`;
    if (role === '--chain' && p === 'nvidia' && describeFile(files.find((f) => f.role === 'evidence')!.file.bytes).kind === 'nvidia-evidence') {
      return `${name} was not used: NVIDIA serialized evidence carries each device's certificate chain`;
    }
    if (role === '--collateral' && (p === 'nvidia' || p === 'sev-snp') && !x509 && !(p === 'sev-snp' && (d?.kind === 'vtpm-quote' || d?.kind === 'event-log'))) return `${name} was not used: collateral endorses TDX and SGX quotes only`;
    if ((role === '--rim' || role === '--ocsp') && !nvidiaInPlay) return `${name} was not used: ${role === '--rim' ? 'RIMs' : 'OCSP responses'} endorse NVIDIA evidence only (GPU evidence beside a CPU report goes with --more-evidence)`;
    if (role === '--nonce' && !nvidiaInPlay) return `--nonce was not used: it is the nonce NVIDIA evidence must answer (a CPU report's nonce is checked through a policy: report_data)`;
    return undefined;
  };
  const notes = files.filter((f) => f.role !== 'evidence').map((f) => why(f.role, `${f.role} ${f.file.name}`, f.file.bytes));
  if (nonce) notes.push(why('--nonce', '--nonce'));
  return notes.filter((n): n is string => n !== undefined);
}
