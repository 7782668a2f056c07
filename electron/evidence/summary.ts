/**
 * What an appraisal is about, in a few lines per platform — the CLI's header and claims and the
 * Inspector's summary cards read it from here, so both say the same thing in the same notation:
 * - SEV-SNP: product, signing key, MEASUREMENT, REPORT_DATA, HOST_DATA, CHIP_ID, POLICY bits, VMPL,
 *   GUEST_SVN, firmware, REPORTED/CURRENT/COMMITTED_TCB;
 * - TDX/SGX: TCB status with advisory ids and tcbDate, FMSPC, quote version, collateral expiry, then
 *   MR_TD, RTMR0–3, MR_SEAM (the TDX module), TEE_TCB_SVN, TD_ATTRIBUTES, XFAM… (SGX: MRENCLAVE…);
 * - NVIDIA: one entry per device: model, UEID, driver, VBIOS/switch BIOS, measurement result.
 * Pure functions of the core's claims (no Node or DOM APIs).
 */
import type { Appraisal } from '../core/appraisal.ts';

type Claims = Record<string, unknown>;

/** Label/value pairs: `head` says what the evidence is, `claims` the values a policy judges. */
export interface CpuSummary {
  head: [string, string][];
  claims: [string, string][];
}

/** A TCB_VERSION claim as `bl=… tee=… snp=… ucode=… (raw)` (with `fmc=` first on Turin). */
export function tcbText(v: unknown): string {
  if (!v || typeof v !== 'object') return String(v);
  const t = v as Claims;
  const fmc = t.fmc === undefined ? '' : `fmc=${t.fmc} `;
  return `${fmc}bl=${t.boot_loader} tee=${t.tee} snp=${t.snp} ucode=${t.microcode} (${t.raw})`;
}

/**
 * A little-endian 64-bit field given as its bytes in hex (as claims carry them) in the notation the
 * checks use for it: `0x` and the 16-digit value (TD_ATTRIBUTES 0x0000000010000000, XFAM …).
 */
export function le64(hex: unknown): string {
  if (typeof hex !== 'string' || !/^[0-9a-f]{16}$/i.test(hex)) return String(hex);
  return `0x${hex.match(/../g)!.reverse().join('')}`;
}

/** SEV-SNP report claims (AMD SEV-SNP ABI, ATTESTATION_REPORT). */
export function snpSummary(c: Claims): CpuSummary {
  const policy = (c.policy ?? {}) as Claims;
  return {
    head: [['Product:', String(c.product_detail ?? 'unknown')], ['Signing key:', String(c.signing_key)]],
    claims: [
      ['measurement', String(c.measurement)],
      ['report_data', String(c.report_data)],
      ['host_data', String(c.host_data)],
      ['chip_id', String(c.chip_id)],
      ['policy', `${policy.raw} (debug=${policy.debug}, migrate_ma=${policy.migrate_ma}, smt=${policy.smt})`],
      ['vmpl', `${c.vmpl}    guest_svn ${c.guest_svn}    firmware ${c.current_version}`],
      ['reported_tcb', tcbText(c.reported_tcb)],
      ['current_tcb', tcbText(c.current_tcb)],
      ['committed_tcb', tcbText(c.committed_tcb)],
    ],
  };
}

/** TDX/SGX quote claims (Intel DCAP quote, TCB Info appraisal). */
export function intelSummary(c: Claims): CpuSummary {
  const advisories = Array.isArray(c.advisory_ids) && c.advisory_ids.length > 0 ? (c.advisory_ids as string[]).join(', ') : 'none';
  const head: [string, string][] = [
    ['TCB status:', `${c.tcb_status ?? 'unknown'}    advisories: ${advisories}    tcbDate: ${c.tcb_date ?? '-'}`],
    ['Platform:', `FMSPC ${c.fmspc ?? '-'}    ${c.body_type} quote v${c.quote_version}    collateral expires ${c.collateral_expiry ?? '-'}`],
  ];
  const td = ['mr_td', 'rtmr0', 'rtmr1', 'rtmr2', 'rtmr3', 'mr_seam', 'tee_tcb_svn', 'tee_tcb_svn2', 'td_attributes', 'xfam', 'mr_config_id', 'mr_owner', 'report_data'];
  const sgx = ['mr_enclave', 'mr_signer', 'isv_prod_id', 'isv_svn', 'attributes', 'report_data'];
  // TD_ATTRIBUTES and XFAM as the checks write them (a 64-bit value), not as their bytes.
  const value = (k: string) => (k === 'td_attributes' || k === 'xfam' ? le64(c[k]) : String(c[k]));
  const names = (c.tee_type === 'SGX' ? sgx : td).filter((k) => c[k] !== undefined);
  return { head, claims: names.map((k) => [k, value(k)]) };
}

/** One NVIDIA device's claims (EAR submodule of NVIDIA's verifier): what the CLI's Devices block and the Inspector's card show. */
export function deviceSummary(d: Claims): [string, string][] {
  const fw = d['x-nvidia-gpu-vbios-version'] ?? d['x-nvidia-switch-bios-version'];
  return [
    ['model', String(d.hwmodel ?? 'model unknown')],
    ['ueid', String(d.ueid ?? '?')],
    ...(d['x-nvidia-gpu-driver-version'] === undefined ? [] : [['driver', String(d['x-nvidia-gpu-driver-version'])] as [string, string]]),
    ['firmware', String(fw ?? '?')],
    ['measres', String(d.measres)],
  ];
}

/** One card of the Inspector's summary: a submodule (`cpu0`, `gpu0`, `switch0`…) or the whole CPU appraisal. */
export interface SummaryCard {
  key: string;
  title: string;
  /** The submodule's EAR status (NVIDIA devices, composite parts); absent for a CPU-only appraisal. */
  status?: string;
  rows: [string, string][];
}

const cpuCard = (key: string, platform: unknown, c: Claims, status?: string): SummaryCard => {
  const s = platform === 'sev-snp' ? snpSummary(c) : intelSummary(c);
  const title = platform === 'sev-snp' ? 'SEV-SNP report' : c.tee_type === 'SGX' ? 'SGX quote' : 'TDX quote';
  return { key, title, ...(status === undefined ? {} : { status }), rows: [...s.head.map(([k, v]): [string, string] => [k.replace(/:$/, ''), v]), ...s.claims] };
};
const deviceCard = (key: string, d: Claims): SummaryCard => ({ key, title: `${key}: ${String(d.hwmodel ?? 'NVIDIA device')}`, status: String(d['ear.status']), rows: deviceSummary(d) });

/** The summary cards of `a`: one for a CPU report, one per NVIDIA device, one per submodule of composite evidence. */
export function summaryCards(a: Appraisal): SummaryCard[] {
  if (a.platform === 'nvidia') return Object.entries((a.claims.devices ?? {}) as Record<string, Claims>).map(([k, d]) => deviceCard(k, d));
  if (a.platform === 'composite') {
    return Object.entries((a.claims.submods ?? {}) as Record<string, Claims>).map(([k, s]) =>
      k === 'cpu0' ? cpuCard(k, s.platform, (s.claims ?? {}) as Claims, String(s['ear.status'])) : deviceCard(k, s),
    );
  }
  return [cpuCard(a.platform, a.platform, a.claims)];
}
