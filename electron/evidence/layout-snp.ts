/**
 * Byte layout of the SEV-SNP ATTESTATION_REPORT (AMD SEV-SNP ABI specification, "ATTESTATION_REPORT
 * Structure"), for the inspector's hex view. Offsets and lengths in bytes; ids are the core's claim names.
 */
import type { LayoutField } from '../ipc/contract.ts';

type Row = [id: string, label: string, offset: number, length: number, meaning: string];

const ROWS: Row[] = [
  ['version', 'VERSION', 0x00, 4, 'Report format version (2, 3 or 5).'],
  ['guest_svn', 'GUEST_SVN', 0x04, 4, 'Security version number the guest owner gave the image.'],
  ['policy', 'POLICY', 0x08, 8, 'Guest policy bits: debug, migration agent, SMT, ABI minimum.'],
  ['family_id', 'FAMILY_ID', 0x10, 16, 'Family id supplied by the guest owner at launch (ID block).'],
  ['image_id', 'IMAGE_ID', 0x20, 16, 'Image id supplied by the guest owner at launch (ID block).'],
  ['vmpl', 'VMPL', 0x30, 4, 'Virtual machine privilege level that requested the report.'],
  ['signature_algo', 'SIGNATURE_ALGO', 0x34, 4, 'Signature algorithm (1 = ECDSA P-384 with SHA-384).'],
  ['current_tcb', 'CURRENT_TCB', 0x38, 8, 'TCB version the platform is running now.'],
  ['platform_info', 'PLATFORM_INFO', 0x40, 8, 'Platform state: SMT, TSME, ECC, RAPL, ciphertext hiding.'],
  ['key_info', 'KEY_INFO', 0x48, 4, 'Which key signed (VCEK, VLEK, none) and whether the author key is used.'],
  ['reserved_0x4c', 'reserved', 0x4c, 4, 'Reserved, must be zero.'],
  ['report_data', 'REPORT_DATA', 0x50, 64, 'Guest-chosen data bound into the report, e.g. a key hash or nonce.'],
  ['measurement', 'MEASUREMENT', 0x90, 48, 'Launch digest of the initial guest memory and VMSAs.'],
  ['host_data', 'HOST_DATA', 0xc0, 32, 'Data the host supplied at launch.'],
  ['id_key_digest', 'ID_KEY_DIGEST', 0xe0, 48, 'SHA-384 of the key that signed the ID block.'],
  ['author_key_digest', 'AUTHOR_KEY_DIGEST', 0x110, 48, 'SHA-384 of the key that signed the ID key.'],
  ['report_id', 'REPORT_ID', 0x140, 32, 'Report id of this guest.'],
  ['report_id_ma', 'REPORT_ID_MA', 0x160, 32, 'Report id of the guest\'s migration agent (all ones if none).'],
  ['reported_tcb', 'REPORTED_TCB', 0x180, 8, 'TCB version used to derive the VCEK that signed this report.'],
  ['cpuid_fam_id', 'CPUID_FAM_ID', 0x188, 1, 'CPUID family of the chip (version 3 and later).'],
  ['cpuid_mod_id', 'CPUID_MOD_ID', 0x189, 1, 'CPUID model of the chip (version 3 and later).'],
  ['cpuid_step', 'CPUID_STEP', 0x18a, 1, 'CPUID stepping of the chip (version 3 and later).'],
  ['reserved_0x18b', 'reserved', 0x18b, 0x15, 'Reserved, must be zero.'],
  ['chip_id', 'CHIP_ID', 0x1a0, 64, 'Unique chip identifier (zero when MASK_CHIP_ID is set).'],
  ['committed_tcb', 'COMMITTED_TCB', 0x1e0, 8, 'TCB version the firmware has committed to (no rollback below it).'],
  ['current_version', 'CURRENT_BUILD/MINOR/MAJOR', 0x1e8, 3, 'Firmware version running now (build, minor, major).'],
  ['reserved_0x1eb', 'reserved', 0x1eb, 1, 'Reserved, must be zero.'],
  ['committed_version', 'COMMITTED_BUILD/MINOR/MAJOR', 0x1ec, 3, 'Firmware version committed (build, minor, major).'],
  ['reserved_0x1ef', 'reserved', 0x1ef, 1, 'Reserved, must be zero.'],
  ['launch_tcb', 'LAUNCH_TCB', 0x1f0, 8, 'TCB version when the guest was launched or imported.'],
  ['reserved_0x1f8', 'reserved', 0x1f8, 0xa8, 'Reserved (mitigation vectors in version 5), otherwise zero.'],
  ['signature_r', 'SIGNATURE.R', 0x2a0, 72, 'ECDSA signature R, little-endian, zero-padded.'],
  ['signature_s', 'SIGNATURE.S', 0x2e8, 72, 'ECDSA signature S, little-endian, zero-padded.'],
  ['reserved_0x330', 'reserved', 0x330, 0x170, 'Rest of the signature area, zero.'],
];

/** The report's fields, plus the extended report's certificate table when bytes follow the report. */
export function snpLayout(byteLength: number): LayoutField[] {
  const fields = ROWS.map(([id, label, offset, length, meaning]) => ({ id, label, offset, length, meaning }));
  if (byteLength > 0x4a0) {
    fields.push({ id: 'certificate_table', label: 'certificate table', offset: 0x4a0, length: byteLength - 0x4a0, meaning: 'Extended report: the VCEK/ASK/ARK certificates the host attached.' });
  }
  return fields;
}
