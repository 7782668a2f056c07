/** The settings an appraisal runs with: reference time and policy, as typed, and their parsing. */

/** What the appraisal is run with. `policyText` is JSON ('' = the core's default policy). */
export interface Settings {
  referenceTime: string;
  policyText: string;
  /** The 32-byte nonce (64 hex digits) NVIDIA evidence must answer; '' or absent: none. Sets policy `nvidia.nonce` over the JSON's. */
  nonce?: string;
  /** The nonce (1–64 bytes of hex) an Azure vTPM quote's extraData must be; '' or absent: none. Sets policy `vtpm.nonce` over the JSON's. */
  vtpmNonce?: string;
}

/** Policy presets: name → JSON text. */
export const POLICY_PRESETS: Record<string, string> = {
  'Default policy': '',
  'Allow debug guests': JSON.stringify({ snp: { allow_debug: true }, tdx: { allow_debug: true } }, null, 2),
  'Strict revocation (SNP)': JSON.stringify({ snp: { strict_crl: true } }, null, 2),
  'Production (TDX: UpToDate only)': JSON.stringify({ tdx: { accepted_tcb_statuses: ['UpToDate'] } }, null, 2),
};

/** The name of the preset whose JSON is `policyText`, or undefined for a policy written by hand. */
export const presetName = (policyText: string): string | undefined => Object.entries(POLICY_PRESETS).find(([, text]) => text === policyText)?.[0];

/** Parses the settings for the contract; returns an error message instead when they are invalid. */
export function parseSettings(s: Settings): { referenceTime: string; policy: Record<string, unknown> | null } | string {
  const at = new Date(s.referenceTime);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(s.referenceTime.trim())) {
    return `reference time: "${s.referenceTime}" is not an RFC 3339 instant such as 2025-12-01T00:00:00Z`;
  }
  const nonce = (s.nonce ?? '').trim();
  if (nonce !== '' && !/^[0-9a-fA-F]{64}$/.test(nonce)) return `expected nonce: "${nonce}" is not 32 bytes of hex (64 hex digits)`;
  const vtpmNonce = (s.vtpmNonce ?? '').trim();
  if (vtpmNonce !== '' && !/^([0-9a-fA-F]{2}){1,64}$/.test(vtpmNonce)) return `expected vTPM nonce: "${vtpmNonce}" is not 1 to 64 bytes of hex`;
  const set = (policy: Record<string, unknown> | null, scope: string, value: string) =>
    value === '' ? policy : { ...policy, [scope]: { ...((policy?.[scope] as Record<string, unknown> | undefined) ?? {}), nonce: value.toLowerCase() } };
  const withNonce = (policy: Record<string, unknown> | null) => set(set(policy, 'nvidia', nonce), 'vtpm', vtpmNonce);
  const referenceTime = at.toISOString().replace('.000Z', 'Z');
  if (s.policyText.trim() === '') return { referenceTime, policy: withNonce(null) };
  try {
    const policy = JSON.parse(s.policyText) as unknown;
    if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) return 'policy: must be a JSON object';
    return { referenceTime, policy: withNonce(policy as Record<string, unknown>) };
  } catch (e) {
    return `policy: not JSON: ${(e as Error).message}`;
  }
}

/** Default settings: now, default policy. */
export function defaultSettings(): Settings {
  return { referenceTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), policyText: '' };
}
