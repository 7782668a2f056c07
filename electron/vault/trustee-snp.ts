/**
 * The SEV-SNP attestation report as a Trustee guest carries it: the `sev` crate's serde form of
 * `AttestationReport` (guest-components `attester/src/snp/mod.rs` serializes sev 6.3's struct;
 * Trustee's `deps/verifier/src/snp/mod.rs` deserializes it with sev 7 and turns it back into the 1184
 * signed bytes with `AttestationReport::write_bytes`). This module is the one place that converts
 * between that JSON and the raw report, so the core keeps the one reading of the byte layout: the core
 * appraises the bytes this module rebuilds, and a byte rebuilt differently fails the core's signature
 * check (never passes).
 *
 * The mapping follows sev 6.3.1 `src/firmware/guest/types/snp.rs` (`from_bytes` / `write_bytes`):
 * integers little-endian; byte arrays as JSON arrays of numbers; `policy`, `plat_info` (u64) and
 * `key_info` (u32) as numbers; TCB versions as `{fmc, bootloader, tee, snp, microcode}` (legacy layout
 * `[bootloader, tee, 0,0,0,0, snp, microcode]` when `fmc` is null, Turin layout
 * `[fmc, bootloader, tee, snp, 0,0,0, microcode]` otherwise); `current`/`committed` as
 * `{major, minor, build}` stored as `[build, minor, major]`; `cpuid_*` (version ≥ 3) and `*_mit_vector`
 * (version ≥ 5) as numbers or null; `signature` as `{r: [72], s: [72]}` followed by 368 zero bytes.
 * Reserved areas are not in the JSON and are rebuilt as zero, exactly as `write_bytes` does: a report
 * whose reserved bytes were not zero cannot survive the JSON form (in Trustee either).
 *
 * JSON numbers above 2^53 cannot be read exactly by JavaScript and are refused (no real policy,
 * platform-info or mitigation-vector value comes near).
 *
 * The same table also rebuilds the report from go-sev-guest's `sevsnp.Report` protobuf fields
 * ({@link protoReportToBytes}, the inverse of go-sev-guest's `abi.ReportToProto`, as its
 * `abi.ReportToAbiBytes` does): one layout of the report, two field namings.
 */
import { InputError } from './errors.ts';

/** The size of an SEV-SNP attestation report in bytes (sev `ATT_REP_FW_LEN`). */
export const SNP_REPORT_LEN = 0x4a0;

type Kind = 'u8' | 'u32' | 'u64' | 'tcb' | 'version' | 'signature' | { bytes: number };
type Field = [name: string, offset: number, kind: Kind, from?: number];

/**
 * The serde members of sev's `AttestationReport` in declaration (= serialization) order, with the
 * offset each is written at. `from`: the report version that first has it (absent below: JSON null).
 */
const FIELDS: Field[] = [
  ['version', 0x00, 'u32'],
  ['guest_svn', 0x04, 'u32'],
  ['policy', 0x08, 'u64'],
  ['family_id', 0x10, { bytes: 16 }],
  ['image_id', 0x20, { bytes: 16 }],
  ['vmpl', 0x30, 'u32'],
  ['sig_algo', 0x34, 'u32'],
  ['current_tcb', 0x38, 'tcb'],
  ['plat_info', 0x40, 'u64'],
  ['key_info', 0x48, 'u32'],
  ['report_data', 0x50, { bytes: 64 }],
  ['measurement', 0x90, { bytes: 48 }],
  ['host_data', 0xc0, { bytes: 32 }],
  ['id_key_digest', 0xe0, { bytes: 48 }],
  ['author_key_digest', 0x110, { bytes: 48 }],
  ['report_id', 0x140, { bytes: 32 }],
  ['report_id_ma', 0x160, { bytes: 32 }],
  ['reported_tcb', 0x180, 'tcb'],
  ['cpuid_fam_id', 0x188, 'u8', 3],
  ['cpuid_mod_id', 0x189, 'u8', 3],
  ['cpuid_step', 0x18a, 'u8', 3],
  ['chip_id', 0x1a0, { bytes: 64 }],
  ['committed_tcb', 0x1e0, 'tcb'],
  ['current', 0x1e8, 'version'],
  ['committed', 0x1ec, 'version'],
  ['launch_tcb', 0x1f0, 'tcb'],
  ['launch_mit_vector', 0x1f8, 'u64', 5],
  ['current_mit_vector', 0x200, 'u64', 5],
  ['signature', 0x2a0, 'signature'],
];

/** sev `Generation::identify_cpu` / V2 chip-id rule: whether TCB versions use the Turin layout. */
function turinLayout(version: number, famId: number, modId: number, chipId: Uint8Array): boolean | null {
  if (version === 2) return chipId.subarray(8).every((b) => b === 0);
  if (famId === 0x19 && (modId <= 0x0f || (modId >= 0x10 && modId <= 0x1f) || (modId >= 0xa0 && modId <= 0xaf))) return false;
  if (famId === 0x1a && modId <= 0x11) return true;
  return null;
}

class Reader {
  constructor(
    readonly file: string,
    readonly base: string,
  ) {}
  err(path: string, detail: string): InputError {
    return new InputError(this.file, `${this.base}.${path}`, detail);
  }
  int(v: unknown, path: string, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw this.err(path, 'must be a non-negative integer');
    if (!Number.isSafeInteger(v)) throw this.err(path, 'is above 2^53 and cannot be read exactly: refused');
    if (v > max) throw this.err(path, `${v} does not fit (at most ${max})`);
    return v;
  }
  obj(v: unknown, path: string): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw this.err(path, 'must be an object');
    return v as Record<string, unknown>;
  }
  bytes(v: unknown, path: string, n: number): Uint8Array {
    if (!Array.isArray(v)) throw this.err(path, `must be an array of ${n} byte values`);
    if (v.length !== n) throw this.err(path, `has ${v.length} elements; ${n} expected`);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(v[i], `${path}[${i}]`, 255);
    return out;
  }
}

const U32 = 0xffffffff;

/**
 * Rebuilds the 1184-byte report from sev's JSON form `value` (the `attestation_report` member),
 * exactly as sev's `write_bytes` does. `file` and `path` (the JSON path of `value`, e.g.
 * `tee-evidence.primary_evidence.attestation_report`) name the place of any error.
 * @throws InputError naming the file and the JSON path of the first member that is missing, of the
 *   wrong type, out of range, or inconsistent with the report version.
 */
export function sevReportToBytes(value: unknown, file: string, path: string): Buffer {
  const r = new Reader(file, path);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(file, path, 'must be an object (sev AttestationReport)');
  const o = value as Record<string, unknown>;
  const version = r.int(o.version, 'version', U32);
  if (version < 2) throw r.err('version', `${version}: SEV-SNP reports start at version 2`);
  const present = (name: string, from = 0) => {
    const v = o[name];
    if (version < from) {
      if (v !== null && v !== undefined) throw r.err(name, `must be null in a version ${version} report (the field exists from version ${from})`);
      return undefined;
    }
    if (v === undefined || v === null) throw r.err(name, 'missing');
    return v;
  };
  const out = Buffer.alloc(SNP_REPORT_LEN);
  const chipId = r.bytes(present('chip_id'), 'chip_id', 64);
  let turin: boolean | null = null;
  for (const [name, off, kind, from] of FIELDS) {
    const v = present(name, from);
    if (v === undefined) continue;
    if (kind === 'u8') out.writeUInt8(r.int(v, name, 0xff), off);
    else if (kind === 'u32') out.writeUInt32LE(r.int(v, name, U32), off);
    else if (kind === 'u64') out.writeBigUInt64LE(BigInt(r.int(v, name, Number.MAX_SAFE_INTEGER)), off);
    else if (kind === 'version') {
      const m = r.obj(v, name);
      out.set([r.int(m.build, `${name}.build`, 0xff), r.int(m.minor, `${name}.minor`, 0xff), r.int(m.major, `${name}.major`, 0xff)], off);
    } else if (kind === 'signature') {
      const m = r.obj(v, name);
      out.set(r.bytes(m.r, `${name}.r`, 72), off);
      out.set(r.bytes(m.s, `${name}.s`, 72), off + 72);
    } else if (kind === 'tcb') {
      const m = r.obj(v, name);
      const fmc = m.fmc === null || m.fmc === undefined ? null : r.int(m.fmc, `${name}.fmc`, 0xff);
      turin ??= turinLayout(version, Number(o.cpuid_fam_id ?? 0), Number(o.cpuid_mod_id ?? 0), chipId);
      if (turin === null) throw r.err('cpuid_fam_id', `family ${String(o.cpuid_fam_id)} model ${String(o.cpuid_mod_id)} is not a known SEV-SNP processor (sev cannot lay out its TCB either)`);
      if (turin !== (fmc !== null)) throw r.err(`${name}.fmc`, turin ? 'is null, but this processor (Turin) has an FMC SVN' : 'is set, but this processor has no FMC SVN (legacy TCB layout)');
      const [bl, tee, snp, uc] = (['bootloader', 'tee', 'snp', 'microcode'] as const).map((k) => r.int(m[k], `${name}.${k}`, 0xff)) as [number, number, number, number];
      out.set(turin ? [fmc!, bl, tee, snp, 0, 0, 0, uc] : [bl, tee, 0, 0, 0, 0, snp, uc], off);
    } else out.set(r.bytes(v, name, kind.bytes), off);
  }
  return out;
}

/**
 * The sev serde JSON form of a raw report (the inverse of {@link sevReportToBytes}), as a guest-components
 * guest would put it in `attestation_report`; members in sev's declaration order.
 * @throws InputError(file, 'report', …) when `bytes` is not 1184 bytes, its version is below 2, or
 *   its processor is not one sev knows (it could not be serialized by a guest either).
 */
export function sevReportFromBytes(bytes: Uint8Array, file = 'report'): Record<string, unknown> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length !== SNP_REPORT_LEN) throw new InputError(file, 'report', `${b.length} bytes; an SEV-SNP report has ${SNP_REPORT_LEN}`);
  const version = b.readUInt32LE(0);
  if (version < 2) throw new InputError(file, 'report.version', `${version}: SEV-SNP reports start at version 2`);
  const turin = turinLayout(version, b[0x188]!, b[0x189]!, b.subarray(0x1a0, 0x1e0));
  if (turin === null) throw new InputError(file, 'report.cpuid_fam_id', `family ${b[0x188]} model ${b[0x189]} is not a known SEV-SNP processor`);
  const out: Record<string, unknown> = {};
  for (const [name, off, kind, from] of FIELDS) {
    if (from !== undefined && version < from) {
      out[name] = null;
      continue;
    }
    if (kind === 'u8') out[name] = b[off];
    else if (kind === 'u32') out[name] = b.readUInt32LE(off);
    else if (kind === 'u64') {
      const v = b.readBigUInt64LE(off);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError(file, `report.${name}`, 'is above 2^53: not representable exactly in JSON here');
      out[name] = Number(v);
    } else if (kind === 'version') out[name] = { major: b[off + 2], minor: b[off + 1], build: b[off] };
    else if (kind === 'signature') out[name] = { r: [...b.subarray(off, off + 72)], s: [...b.subarray(off + 72, off + 144)] };
    else if (kind === 'tcb') {
      const t = b.subarray(off, off + 8);
      out[name] = turin ? { fmc: t[0], bootloader: t[1], tee: t[2], snp: t[3], microcode: t[7] } : { fmc: null, bootloader: t[0], tee: t[1], snp: t[6], microcode: t[7] };
    } else out[name] = [...b.subarray(off, off + kind.bytes)];
  }
  return out;
}

/**
 * go-sev-guest's `sevsnp.Report` field for each member of {@link FIELDS} whose protobuf field has
 * another name or shape (proto/sevsnp.proto; go-sev-guest abi.ReportToAbiBytes): TCB versions are the
 * raw little-endian uint64; `current`/`committed` are three uint32 fields; family/model/stepping come
 * from `cpuid1eax_fms` (version ≥ 3); the signature is the whole 512-byte area.
 */
const PROTO_NAMES: Record<string, string> = { sig_algo: 'signature_algo', plat_info: 'platform_info', key_info: 'signer_info' };

/** go-sev-guest `abi.FmsFromCpuid1Eax`: family (extended + base, mod 256), model, stepping of CPUID(1).EAX. */
function fmsFromCpuid1Eax(eax: number): [number, number, number] {
  const family = (((eax >>> 20) & 0xff) + ((eax >>> 8) & 0xf)) & 0xff;
  const model = (((eax >>> 16) & 0xf) << 4) | ((eax >>> 4) & 0xf);
  return [family, model, eax & 0xf];
}

/**
 * Rebuilds the 1184-byte report from go-sev-guest's `sevsnp.Report` fields as the core decodes them
 * (`report` of {@link import('../core/core.ts').SevsnpAttestation}: uint32 as numbers, uint64 as decimal
 * strings, bytes as hex), exactly as go-sev-guest's `abi.ReportToAbiBytes` does: reserved areas zero,
 * `launch_mit_vector`/`current_mit_vector` written whatever the version. `file` and `path` (e.g.
 * `report`) name the place of any error. The core's signature check then proves the protobuf kept
 * every signed byte.
 * @throws InputError naming the file and `path.field` for a field of the wrong size or range.
 */
export function protoReportToBytes(fields: Record<string, unknown>, file: string, path: string): Buffer {
  const err = (name: string, detail: string) => new InputError(file, `${path}.${name}`, detail);
  const num = (name: string, max: number): number => {
    const v = fields[name] ?? 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw err(name, 'must be a non-negative integer');
    if (v > max) throw err(name, `${v} does not fit (at most ${max})`);
    return v;
  };
  const u64 = (name: string): bigint => {
    const v = fields[name] ?? '0';
    if (typeof v !== 'string' || !/^\d{1,20}$/.test(v) || BigInt(v) > 0xffffffffffffffffn) throw err(name, 'must be a uint64 (decimal string)');
    return BigInt(v);
  };
  const bytes = (name: string, n: number): Buffer => {
    const v = fields[name] ?? '';
    if (typeof v !== 'string' || !/^([0-9a-f]{2})*$/.test(v)) throw err(name, 'must be hex bytes');
    if (v.length / 2 !== n) throw err(name, `has ${v.length / 2} bytes; ${n} expected${v.length ? '' : ' (absent from the protobuf)'}`);
    return Buffer.from(v, 'hex');
  };
  const out = Buffer.alloc(SNP_REPORT_LEN);
  const version = num('version', U32);
  const fms = version >= 3 ? fmsFromCpuid1Eax(num('cpuid1eax_fms', U32)) : null;
  for (const [name, off, kind] of FIELDS) {
    const pname = PROTO_NAMES[name] ?? name;
    if (kind === 'u8') {
      if (fms) out.writeUInt8(fms[['cpuid_fam_id', 'cpuid_mod_id', 'cpuid_step'].indexOf(name)]!, off);
    } else if (kind === 'u32') out.writeUInt32LE(num(pname, U32), off);
    else if (kind === 'u64' || kind === 'tcb') out.writeBigUInt64LE(u64(pname), off);
    else if (kind === 'version') out.set([num(`${name}_build`, 0xff), num(`${name}_minor`, 0xff), num(`${name}_major`, 0xff)], off);
    else if (kind === 'signature') out.set(bytes('signature', SNP_REPORT_LEN - off), off);
    else out.set(bytes(pname, kind.bytes), off);
  }
  return out;
}
