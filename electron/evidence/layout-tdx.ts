/**
 * Byte layout of Intel DCAP quotes (v3, v4, v5; TD 1.0, TD 1.5 and SGX bodies), per Intel's
 * "TDX DCAP Quoting Library API" quote format, for the inspector's hex view. Offsets in bytes.
 */
import type { LayoutField } from '../ipc/contract.ts';
import { u16, u32 } from './le.ts';

type Row = [id: string, label: string, length: number, meaning: string];

const HEADER: Row[] = [
  ['quote_version', 'Version', 2, 'Quote format version (3, 4 or 5).'],
  ['attestation_key_type', 'Attestation Key Type', 2, 'Type of the attestation key (2 = ECDSA P-256).'],
  ['tee_type', 'TEE Type', 4, 'Which TEE produced the report: 0x00 SGX, 0x81 TDX.'],
  ['qe_svn_pce_svn', 'QE SVN / PCE SVN', 4, 'Security versions of the quoting enclave and PCE (reserved in v4+).'],
  ['qe_vendor_id', 'QE Vendor ID', 16, 'Vendor of the quoting enclave (Intel: 939a7233…).'],
  ['user_data', 'User Data', 20, 'Quoting-enclave data; the first 16 bytes are the platform id.'],
];

const TD10: Row[] = [
  ['tee_tcb_svn', 'TEE_TCB_SVN', 16, 'Security versions of the TDX module and its components.'],
  ['mr_seam', 'MRSEAM', 48, 'Measurement of the TDX module.'],
  ['mr_signer_seam', 'MRSIGNERSEAM', 48, 'Signer of the TDX module (zero for Intel\'s).'],
  ['seam_attributes', 'SEAMATTRIBUTES', 8, 'Attributes of the TDX module (zero).'],
  ['td_attributes', 'TDATTRIBUTES', 8, 'TD attributes: DEBUG, SEPT_VE_DISABLE, PKS, KL …'],
  ['xfam', 'XFAM', 8, 'Extended features the TD may use.'],
  ['mr_td', 'MRTD', 48, 'Measurement of the initial TD contents (firmware).'],
  ['mr_config_id', 'MRCONFIGID', 48, 'Software-defined id of the TD configuration.'],
  ['mr_owner', 'MROWNER', 48, 'Software-defined id of the TD owner.'],
  ['mr_owner_config', 'MROWNERCONFIG', 48, 'Software-defined owner configuration.'],
  ['rtmr0', 'RTMR0', 48, 'Runtime measurement register 0: firmware configuration.'],
  ['rtmr1', 'RTMR1', 48, 'Runtime measurement register 1: OS loader and kernel.'],
  ['rtmr2', 'RTMR2', 48, 'Runtime measurement register 2: OS command line and initrd.'],
  ['rtmr3', 'RTMR3', 48, 'Runtime measurement register 3: application-defined.'],
  ['report_data', 'REPORTDATA', 64, 'TD-chosen data bound into the quote, e.g. a key hash or nonce.'],
];

const TD15_EXTRA: Row[] = [
  ['tee_tcb_svn2', 'TEE_TCB_SVN2', 16, 'Security versions of the TDX module after a TD-preserving update.'],
  ['mr_service_td', 'MRSERVICETD', 48, 'Measurement of bound service TDs (zero when none).'],
];

const SGX: Row[] = [
  ['cpu_svn', 'CPUSVN', 16, 'Security version of the CPU.'],
  ['misc_select', 'MISCSELECT', 4, 'Extended SSA frame features.'],
  ['reserved_sgx_1', 'reserved', 28, 'Reserved.'],
  ['attributes', 'ATTRIBUTES', 16, 'Enclave attributes (DEBUG, MODE64BIT, …).'],
  ['mr_enclave', 'MRENCLAVE', 32, 'Measurement of the enclave.'],
  ['reserved_sgx_2', 'reserved', 32, 'Reserved.'],
  ['mr_signer', 'MRSIGNER', 32, 'Hash of the enclave signer\'s key.'],
  ['reserved_sgx_3', 'reserved', 96, 'Reserved.'],
  ['isv_prod_id', 'ISVPRODID', 2, 'Product id of the enclave.'],
  ['isv_svn', 'ISVSVN', 2, 'Security version of the enclave.'],
  ['reserved_sgx_4', 'reserved', 60, 'Reserved.'],
  ['report_data', 'REPORTDATA', 64, 'Enclave-chosen data bound into the quote.'],
];

/** Lays `rows` out from `start`; returns the fields and the offset after them. */
function place(rows: Row[], start: number): [LayoutField[], number] {
  let offset = start;
  const fields = rows.map(([id, label, length, meaning]) => {
    const f = { id, label, offset, length, meaning };
    offset += length;
    return f;
  });
  return [fields, offset];
}


/**
 * The fields of a DCAP quote in `bytes` (header, report body, signature data). Fields that would run
 * past the end are dropped, so a truncated quote still shows what it has.
 */
export function dcapLayout(bytes: Uint8Array): LayoutField[] {
  const version = u16(bytes, 0);
  const isTdx = u32(bytes, 4) === 0x81;
  const [header, afterHeader] = place(HEADER, 0);
  const fields = [...header];
  let body = afterHeader;
  let bodyRows = isTdx ? TD10 : SGX;
  if (version === 5) {
    const bodyType = u16(bytes, afterHeader);
    fields.push(
      { id: 'body_type', label: 'Body Type', offset: afterHeader, length: 2, meaning: 'Report body type: 1 SGX, 2 TD 1.0, 3 TD 1.5.' },
      { id: 'body_size', label: 'Body Size', offset: afterHeader + 2, length: 4, meaning: 'Length of the report body in bytes.' },
    );
    body = afterHeader + 6;
    if (bodyType === 3) bodyRows = [...TD10, ...TD15_EXTRA];
    else if (bodyType === 1) bodyRows = SGX;
  }
  const [bodyFields, afterBody] = place(bodyRows, body);
  fields.push(...bodyFields);
  fields.push({ id: 'signature_data_len', label: 'Signature Data Length', offset: afterBody, length: 4, meaning: 'Length of the signature data that follows, in bytes.' });
  const sigLen = afterBody + 4 <= bytes.length ? u32(bytes, afterBody) : 0;
  if (sigLen > 0) {
    fields.push({ id: 'signature_data', label: 'Signature Data', offset: afterBody + 4, length: Math.min(sigLen, bytes.length - afterBody - 4), meaning: 'Quote signature, attestation key, QE report and its certification data (PCK chain).' });
  }
  const end = afterBody + 4 + sigLen;
  if (end < bytes.length) fields.push({ id: 'trailing_bytes', label: 'trailing bytes', offset: end, length: bytes.length - end, meaning: 'Bytes after the quote; not covered by any signature.' });
  return fields.filter((f) => f.offset + f.length <= bytes.length && f.length > 0);
}
