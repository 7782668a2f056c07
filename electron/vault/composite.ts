/**
 * Composite (CPU + GPU) ceremonies: a key whose release policy says `gpu: true` is released only to a
 * confidential VM (SEV-SNP or TDX) whose NVIDIA GPUs proved themselves in the same challenge, bound as
 * Trustee's composite attester binds them (guest-components HEAD `kbs_protocol/src/client/rcar_client.rs`
 * `get_composite_evidence`, `attester/src/nvidia/nvat.rs`):
 * - every GPU's SPDM request nonce is the device nonce, the first 32 bytes of
 *   H(JCS({nonce, tee-pubkey})) — passed to the core as policy `nvidia.nonce` (`cpu_binding: "trustee"`), so each device's
 *   `gpuN.nonce` check (and `binding.gpu_nonce`) fails for evidence made for another challenge;
 * - the GPU evidence travels in the guest's additional-evidence string
 *   `{"nvidia": {"device_evidence_list": [{arch, uuid, evidence, certificate}, …]}}`, which the CPU's
 *   REPORT_DATA hashes (binding.ts, checked by acceptance.ts). The GPU evidence the core appraises is
 *   taken **from that string** and from nowhere else, so what is appraised is what the CPU TEE bound.
 * RIMs and OCSP responses are endorsements like the CPU's (recognised by content). The appraisal is
 * the core's composite appraisal, one submodule per device (`cpu0`, `gpu0`, …); the release policy
 * decides per device: each must be `affirming`, or `warning` with every one of its warnings tolerated
 * by `accept_warnings` (an exact check id such as `gpu1.chain.revocation`, or `gpu*.<check>` for every
 * GPU); `gpus: N` requires at least N GPUs (default 1). Refusals name the device.
 */
import type { Appraisal, NamedBytes, VerifyRequest } from '../core/appraisal.ts';
import { classify } from '../evidence/classify.ts';
import { InputError } from './errors.ts';
import { tolerated, type Objection } from './acceptance.ts';
import type { ReleasePolicy } from './policy.ts';

export { cpuView, devicesOf, type DeviceReview } from './composite-view.ts';

/** The name under which the GPU evidence taken from the additional evidence is given to the core. */
export const GPU_EVIDENCE_NAME = 'additional-evidence#nvidia.device_evidence_list';

/** One entry of the guest's `device_evidence_list` (guest-components `NvDeviceReportAndCert`). */
interface DeviceEntry {
  arch?: unknown;
  uuid?: unknown;
  evidence?: unknown;
  certificate?: unknown;
}

/**
 * The NVIDIA devices of an additional-evidence string: `{"nvidia": {"device_evidence_list": [...]}}`
 * (other TEEs' additional evidence is ignored). Returns the list as NVIDIA serialized evidence (a JSON
 * array, what the core reads) and each entry's `uuid`; `null` when the string holds no NVIDIA evidence.
 * InputError naming `additional-evidence` and the field when it is not that shape.
 */
export function nvidiaDevicesOf(additionalEvidence: string): { evidence: NamedBytes; uuids: string[] } | null {
  if (additionalEvidence === '') return null;
  let doc: unknown;
  try {
    doc = JSON.parse(additionalEvidence);
  } catch {
    throw new InputError('additional-evidence', 'additional-evidence', 'is not JSON (a Trustee guest sends serde_json of {tee: evidence})');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError('additional-evidence', 'additional-evidence', 'must be a JSON object {tee: evidence}');
  const nvidia = (doc as Record<string, unknown>).nvidia;
  if (nvidia === undefined) return null;
  const list = (nvidia as { device_evidence_list?: unknown } | null)?.device_evidence_list;
  if (!Array.isArray(list) || list.length === 0) throw new InputError('additional-evidence', 'nvidia.device_evidence_list', 'missing or empty: NVIDIA evidence is a non-empty list of {arch, uuid, evidence, certificate}');
  const entries = list as DeviceEntry[];
  for (const [i, e] of entries.entries()) {
    for (const f of ['arch', 'evidence', 'certificate'] as const) {
      if (typeof e?.[f] !== 'string') throw new InputError('additional-evidence', `nvidia.device_evidence_list[${i}].${f}`, 'missing or not a string');
    }
  }
  return {
    evidence: { name: GPU_EVIDENCE_NAME, bytes: Buffer.from(JSON.stringify(entries)) },
    uuids: entries.map((e) => (typeof e.uuid === 'string' ? e.uuid : 'unknown')),
  };
}

/**
 * The core request of a ceremony's evidence under `policy`: endorsements sorted by content (NVIDIA
 * RIMs → `rims`, OCSP responses → `ocsp`, the rest → the CPU's `endorsements`); for a `gpu` key with
 * NVIDIA additional evidence, the GPUs' evidence from that string and the appraisal policy's
 * `nvidia.nonce` set to `deviceNonceHex` with `nvidia.cpu_binding: "trustee"` (whatever the key's
 * policy said: freshness and the binding convention are the ceremony's).
 */
export function compositeRequest(
  input: { evidence: NamedBytes; endorsements: NamedBytes[]; testAnchors: NamedBytes[]; additionalEvidence?: string },
  policy: ReleasePolicy, deviceNonceHex: string, at: Date,
): VerifyRequest {
  const base: VerifyRequest = { evidence: input.evidence, endorsements: input.endorsements, testAnchors: input.testAnchors, policy: policy.appraisal_policy, referenceTime: at };
  if (!policy.gpu) return base;
  const devices = nvidiaDevicesOf(input.additionalEvidence ?? '');
  if (!devices) return { ...base, endorsements: input.endorsements.filter((f) => !isNvidiaEndorsement(f)) };
  const nvidia = { ...((policy.appraisal_policy.nvidia ?? {}) as Record<string, unknown>), nonce: deviceNonceHex, cpu_binding: 'trustee' };
  return {
    ...base,
    endorsements: input.endorsements.filter((f) => !isNvidiaEndorsement(f)),
    rims: input.endorsements.filter((f) => classify(f.bytes) === 'nvidia-rim'),
    ocsp: input.endorsements.filter((f) => classify(f.bytes) === 'ocsp-response'),
    moreEvidence: [devices.evidence],
    policy: { ...policy.appraisal_policy, nvidia },
  };
}

const isNvidiaEndorsement = (f: NamedBytes) => ['nvidia-rim', 'ocsp-response'].includes(classify(f.bytes));

/** Why one device's checks fail, in words a custodian reads (one phrase per failing check). */
function reasons(a: Appraisal, id: string, device: Record<string, unknown>): string[] {
  const out: string[] = [];
  const checks = a.checks.filter((c) => c.id.startsWith(`${id}.`));
  const fails = checks.filter((c) => c.status === 'fail');
  const local = (c: { id: string }) => c.id.slice(id.length + 1);
  if (fails.some((c) => local(c) === 'nonce')) out.push('its request nonce is not this ceremony\'s device nonce: the GPU answered another challenge');
  if (fails.some((c) => local(c) === 'measurements')) {
    const records = (device['x-nvidia-mismatch-measurement-records'] ?? []) as { index: number; source: string }[];
    out.push(records.length > 0 ? `RIM mismatch at measurement index ${records.map((r) => `${r.index} (${r.source} RIM)`).join(', ')}` : `measurements: ${fails.find((c) => local(c) === 'measurements')!.detail}`);
  }
  for (const c of fails.filter((c) => /^rim\.[a-z]+\.available$/.test(local(c)))) out.push(`${local(c).split('.')[1]} RIM missing (${c.detail})`);
  const chain = fails.filter((c) => local(c).startsWith('chain.'));
  if (chain.length > 0) out.push(`device certificate chain broken (${chain.map((c) => `${local(c)}: ${c.detail}`).join('; ')})`);
  const said = (c: { id: string }) => local(c) === 'nonce' || local(c) === 'measurements' || /^rim\.[a-z]+\.available$/.test(local(c)) || local(c).startsWith('chain.');
  for (const c of fails.filter((c) => !said(c))) out.push(`${local(c)}: ${c.detail}`);
  return out;
}

/**
 * The objections a `gpu` key has to a composite appraisal beyond the generic rule (acceptance.ts):
 * GPU evidence present, at least `policy.gpus` (default 1) GPUs, no TEST anchor on the device or RIM
 * side unless allowed, and every device accepted on its own (failures, and warnings not tolerated by
 * {@link tolerated}), each named. Empty for keys without `gpu`.
 */
export function deviceObjections(a: Appraisal, policy: ReleasePolicy, uuids: string[] = []): Objection[] {
  if (!policy.gpu) return [];
  const required = policy.gpus ?? 1;
  if (a.platform !== 'composite') {
    return [{ reason: 'policy', message: `the key requires NVIDIA GPU evidence (${required} GPU${required === 1 ? '' : 's'} at least) bound in the additional evidence, and this evidence has none` }];
  }
  const out: Objection[] = [];
  const submods = a.claims.submods as Record<string, Record<string, unknown>>;
  const gpus = Object.keys(submods).filter((k) => /^gpu\d+$/.test(k));
  if (gpus.length < required) {
    const missing = Array.from({ length: required - gpus.length }, (_, i) => `gpu${gpus.length + i}`);
    out.push({ reason: 'policy', message: `${missing.join(', ')} missing: the key's policy requires ${required} GPUs and the evidence holds ${gpus.length}${gpus.length ? ` (${gpus.join(', ')})` : ''}` });
  }
  const nv = a.claims.nvidia as { trust_anchor?: { kind: string; name: string }; rim_trust_anchor?: string } | undefined;
  if (!policy.allow_test_anchor && (nv?.trust_anchor?.kind === 'test' || String(nv?.rim_trust_anchor ?? '').startsWith('TEST'))) {
    out.push({ reason: 'policy', message: `the GPU evidence chains to a TEST anchor (${nv?.trust_anchor?.kind === 'test' ? nv.trust_anchor.name : nv?.rim_trust_anchor}) and the key's release policy does not allow TEST anchors` });
  }
  for (const id of Object.keys(submods).filter((k) => k !== 'cpu0')) {
    const d = submods[id]!;
    const why = reasons(a, id, d);
    const warns = a.checks.filter((c) => c.id.startsWith(`${id}.`) && c.status === 'warn' && !tolerated(c.id, policy));
    for (const c of warns) why.push(`${c.id.slice(id.length + 1)} warns and the policy does not tolerate it (accept_warnings "${c.id}" or "${c.id.replace(/^gpu\d+\./, 'gpu*.')}"): ${c.detail}`);
    if (why.length > 0) {
      const g = /^gpu(\d+)$/.exec(id);
      const uuid = g ? uuids[Number(g[1])] : undefined;
      out.push({ reason: 'policy', message: `${id}${uuid ? ` (${uuid})` : ''}: ${why.join('; ')} (device verdict ${String(d['ear.status'])})` });
    }
  }
  return out;
}

/**
 * The order in which a refusal is explained: a binding failure first (nothing else matters then), then
 * each device's own objection (naming it), then the rest of the generic rule.
 */
export function firstObjection(generic: Objection[], devices: Objection[]): Objection | undefined {
  return [...generic.filter((o) => o.reason === 'binding'), ...devices, ...generic.filter((o) => o.reason !== 'binding')][0];
}
