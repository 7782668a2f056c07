/**
 * Whether an appraisal may release a key under its release policy — the one rule, applied when the
 * evidence is taken and again, on the stored evidence, at the release itself:
 * - the evidence type is one the policy lists (`tee`);
 * - a TEST anchor only when the policy allows it (`allow_test_anchor`);
 * - REPORT_DATA binds the ceremony's nonce, the TEE public key and the guest's additional-evidence
 *   string, in Trustee's ≥ 0.14 form or (without additional evidence) the pre-0.14 form (binding.ts);
 * - the verdict is `affirming`, or `warning` with every warning's check id listed in the policy's
 *   `accept_warnings` (default: none, so affirming only); `contraindicated` never.
 * Endorsements that were simply not given (a missing VCEK, TCB Info, PCK chain) are bad input, not a
 * verdict: {@link missingInputs} names them so the step can say what to add.
 */
import type { Appraisal } from '../core/appraisal.ts';
import { expectedReportData, matchBinding, type BindingForm, type HashAlg, type TeePublicJwk } from './binding.ts';
import type { RefusalReason } from './errors.ts';
import type { ReleasePolicy } from './policy.ts';
import { cpuView } from './composite-view.ts';

/** One reason the appraisal cannot release the key. */
export interface Objection {
  reason: RefusalReason;
  message: string;
}

/** Failing checks that only say an endorsement was not supplied: id and sentence. */
export function missingInputs(a: Appraisal): { id: string; detail: string }[] {
  return a.checks.filter((c) => c.status === 'fail' && (/^no .* supplied/i.test(c.detail) || c.id === 'chain.pck.source')).map((c) => ({ id: c.id, detail: c.detail }));
}

/** Ids of the `warn` checks the policy tolerates (for the request and the receipt). */
export const toleratedWarnings = (a: Appraisal, policy: ReleasePolicy): string[] =>
  a.checks.filter((c) => c.status === 'warn' && tolerated(c.id, policy)).map((c) => c.id);

/** True when a `warn` of check `id` is tolerated: listed exactly, or as `gpu*.<rest>` for any GPU's check. */
export function tolerated(id: string, policy: ReleasePolicy): boolean {
  if (policy.accept_warnings.includes(id)) return true;
  const m = /^gpu\d+\.(.+)$/.exec(id);
  return m !== null && policy.accept_warnings.includes(`gpu*.${m[1]}`);
}

/** What REPORT_DATA must bind: the challenge's nonce and hash, the TEE key, and the guest's additional-evidence string (`""` when none). */
export interface BindingInput {
  nonce: string;
  hashAlg: HashAlg;
  tee: TeePublicJwk;
  additionalEvidence?: string;
}

/** The binding form the appraisal's REPORT_DATA claim matches (binding.ts `matchBinding`), or null. */
export function bindingFormOf(a: Appraisal, binding: BindingInput): BindingForm | null {
  const hex = String(cpuView(a).claims.report_data ?? '');
  if (!/^[0-9a-f]{128}$/.test(hex)) return null;
  return matchBinding(Buffer.from(hex, 'hex'), binding.nonce, binding.tee, binding.hashAlg, binding.additionalEvidence ?? '');
}

/**
 * Every objection to releasing under `policy` on appraisal `a` for the challenge `nonce`/`hashAlg`,
 * TEE key `tee` and additional evidence; empty when the release may go ahead.
 */
export function objections(a: Appraisal, policy: ReleasePolicy, binding: BindingInput): Objection[] {
  const out: Objection[] = [];
  // Composite evidence: the CPU side (submodule cpu0) carries the platform and REPORT_DATA.
  const cpu = cpuView(a);
  if (!(policy.tee as string[]).includes(cpu.platform)) out.push({ reason: 'policy', message: `the key accepts ${policy.tee.join(' or ')} evidence; this is ${cpu.platform} evidence` });
  if (bindingFormOf(a, binding) === null) {
    const additional = binding.additionalEvidence ?? '';
    const expected = expectedReportData(binding.nonce, binding.tee, binding.hashAlg, additional).toString('hex');
    const reportData = String(cpu.claims.report_data ?? '');
    out.push({
      reason: 'binding',
      message: `REPORT_DATA ${reportData.slice(0, 16)}… does not bind this ceremony's nonce, this TEE key and ${additional ? `this additional evidence (${additional.length} characters)` : 'no additional evidence'} in Trustee's form (${binding.hashAlg} of {additional-evidence, nonce, tee-pubkey}, expected ${expected.slice(0, 16)}…)${additional ? '' : ' nor in the pre-0.14 form {nonce, tee-pubkey}'}: evidence made for another nonce or another key (or other device evidence)`,
    });
  }
  if (a.trust_anchor.kind === 'test' && !policy.allow_test_anchor) {
    out.push({ reason: 'policy', message: `the evidence chains to a TEST anchor (${a.trust_anchor.name}) and the key's release policy does not allow TEST anchors` });
  }
  if (a.verdict === 'contraindicated') {
    const failed = a.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.detail}`);
    out.push({ reason: 'policy', message: `the appraisal is contraindicated (${failed.join('; ')})` });
  } else if (a.verdict === 'warning') {
    const untolerated = a.checks.filter((c) => c.status === 'warn' && !tolerated(c.id, policy)).map((c) => `${c.id}: ${c.detail}`);
    if (untolerated.length > 0) {
      out.push({ reason: 'policy', message: `the verdict is warning and the key's policy accepts only affirming evidence${policy.accept_warnings.length ? ` or the warnings ${policy.accept_warnings.join(', ')}` : ''}; not tolerated: ${untolerated.join('; ')}` });
    }
  }
  return out;
}
