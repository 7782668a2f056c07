/**
 * Byte layout of an NVIDIA attestation report — an SPDM 1.1 GET_MEASUREMENTS request followed by the
 * MEASUREMENTS response, as NVML (GPUs) and NSCQ (LS10 NVSwitches) return it — for the inspector's
 * hex view. Offsets are computed from the bytes themselves; bad input never throws: the fields read
 * so far come back with an error naming the file and the field that could not be read.
 *
 * Sources: DMTF DSP0274 SPDM 1.1.x §10.11.1 (GET_MEASUREMENTS request), §10.11.2 (MEASUREMENTS
 * response), §10.11.2.1 (measurement block), §10.11.2.2 (DMTF measurement); NVIDIA's opaque-data TLV
 * types from nvtrust `guest_tools/gpu_verifiers/local_gpu_verifier` (`verifier/config.py`
 * OpaqueDataType) and NVIDIA attestation-sdk (`GpuOpaqueDataType`, `SwitchOpaqueDataType`), as the
 * core reads them (`wasm/src/nvidia/spdm.rs`, `wasm/src/nvidia/opaque.rs`). All integers little-endian.
 */
import type { IpcError, LayoutField } from '../ipc/contract.ts';
import { SPDM_REQUEST_LEN } from './classify.ts';
import { u16 } from './le.ts';

/** Raw ECDSA P-384 signature at the end of the response: r ‖ s, 48 bytes each, big-endian. */
export const SPDM_SIGNATURE_LEN = 96;

/** GPU (Hopper, Blackwell) or NVSwitch (LS10): their opaque-data type enums differ from type 22 on. */
export type NvidiaDeviceKind = 'gpu' | 'switch';

/** The layout and, when the bytes end early or disagree with themselves, the first problem found. */
export interface SpdmLayout {
  fields: LayoutField[];
  /** `null` when every structure was read; else the file, the field (core's spelling) and what is wrong. */
  error: IpcError | null;
}

const COMMON_TLV: Record<number, [name: string, meaning: string]> = {
  1: ['CERT_ISSUER_NAME', 'Issuer name of the device certificate.'],
  2: ['CERT_AUTHORITY_KEY_IDENTIFIER', 'Authority key identifier of the device certificate.'],
  3: ['DRIVER_VERSION', 'Driver version, ASCII (selects the driver RIM).'],
  4: ['GPU_INFO', 'GPU information word.'],
  5: ['SKU', 'SKU string.'],
  6: ['VBIOS_VERSION', 'VBIOS (switch: BIOS) version (selects the VBIOS RIM).'],
  7: ['MANUFACTURER_ID', 'Manufacturer id.'],
  8: ['TAMPER_DETECTION', 'Tamper detection status.'],
  9: ['SMC', 'SMC status.'],
  10: ['VPR', 'Video protected region status.'],
  11: ['NVDEC0_STATUS', 'NVDEC0 status (0x55 = disabled in CC mode, 0xAA = enabled).'],
  12: ['MSRSCNT', 'Measurement re-sample counts, one u32 per measurement block.'],
  13: ['CPRINFO', 'Compute protected region information.'],
  14: ['BOARD_ID', 'Board id.'],
  15: ['CHIP_SKU', 'Chip SKU (part of the VBIOS RIM id).'],
  16: ['CHIP_SKU_MOD', 'Chip SKU modifier.'],
  17: ['PROJECT', 'Board project number (part of the VBIOS RIM id).'],
  18: ['PROJECT_SKU', 'Board project SKU (part of the VBIOS RIM id).'],
  19: ['PROJECT_SKU_MOD', 'Board project SKU modifier.'],
  20: ['FWID', 'Firmware id; must equal the TcbInfo FWID of the device certificate.'],
  21: ['PROTECTED_PCIE_STATUS', 'Protected PCIe (PPCIe) mode status.'],
};
const GPU_TLV: Record<number, [string, string]> = {
  22: ['SWITCH_PDI', 'PDIs of the NVSwitches this GPU is linked to (PPCIe topology).'],
  23: ['FLOORSWEPT_PORTS', 'Floorswept NVLink ports.'],
  24: ['POSITION_ID', 'Position of the GPU in the node.'],
  25: ['LOCK_SWITCH_STATUS', 'Lock status of the linked switches.'],
  32: ['GPU_LINK_CONN', 'GPU NVLink connectivity.'],
  33: ['SYS_ENABLE_STATUS', 'System enable status.'],
  34: ['OPAQUE_DATA_VERSION', 'Version of this opaque-data format.'],
  35: ['CHIP_INFO', 'Chip information (Blackwell: part of the driver RIM id).'],
  36: ['FEATURE_FLAG', 'Feature flags (e.g. 2 = PPCIe).'],
};
const SWITCH_TLV: Record<number, [string, string]> = {
  22: ['DEVICE_PDI', 'Platform device identifier of this switch.'],
  23: ['DISABLED_PORTS', 'Disabled NVLink ports.'],
  24: ['SWITCH_POSITION_ID', 'Position of the switch in the node.'],
  25: ['SWITCH_LOCK_STATUS', 'Lock status of the switch.'],
  26: ['SWITCH_GPU_PDIS', 'PDIs of the GPUs linked to this switch (PPCIe topology).'],
  27: ['SWITCH_PORTS', 'Switch NVLink ports.'],
};

/**
 * NVIDIA's name and a one-line meaning of opaque-data TLV type `type` on a device of `kind`
 * (`undefined` when the type is not in NVIDIA's enum for that kind).
 */
export function opaqueTypeName(kind: NvidiaDeviceKind, type: number): [name: string, meaning: string] | undefined {
  return COMMON_TLV[type] ?? (kind === 'switch' ? SWITCH_TLV : GPU_TLV)[type];
}

type Row = [id: string, label: string, length: number, meaning: string];

const REQUEST: Row[] = [
  ['request_spdm_version', 'request SPDMVersion', 1, 'SPDM version of the request (0x11 = SPDM 1.1).'],
  ['request_code', 'request RequestResponseCode', 1, 'Request code (0xE0 = GET_MEASUREMENTS).'],
  ['request_param1', 'request Param1', 1, 'Request attributes: bit 0 set = a signature is requested.'],
  ['request_param2', 'request Param2', 1, 'Measurement operation: 0xFF = all measurement blocks.'],
  ['request_nonce', 'request Nonce', 32, "The verifier's 32-byte challenge; must equal the expected nonce."],
  ['request_slot_id', 'request SlotIDParam', 1, 'Certificate slot whose key is to sign.'],
];
const RESPONSE_HEADER: Row[] = [
  ['response_spdm_version', 'response SPDMVersion', 1, 'SPDM version of the response (0x11 = SPDM 1.1).'],
  ['response_code', 'response RequestResponseCode', 1, 'Response code (0x60 = MEASUREMENTS).'],
  ['response_param1', 'response Param1', 1, 'Total number of measurement indices when the request asked for it; else reserved.'],
  ['response_param2', 'response Param2', 1, 'Slot id of the certificate chain used to sign (bits 0-3).'],
  ['number_of_blocks', 'response NumberOfBlocks', 1, 'Number of measurement blocks in the record.'],
  ['measurement_record_length', 'response MeasurementRecordLength', 3, 'Length of the measurement record in bytes (24-bit).'],
];

/**
 * The fields of the NVIDIA report in `bytes` (binary, not hex text): request header and nonce;
 * response header; each measurement block's header and value (`measurement_<index>`, index as the
 * block states it, 1-based); responder nonce; opaque length and each opaque-data TLV
 * (`opaque_<name>`); the signature right after the opaque data (96 bytes); trailing bytes if any.
 *
 * @param file the file name, for the error
 * @param kind which opaque-data enum applies (default `gpu`)
 */
export function spdmLayout(bytes: Uint8Array, file: string, kind: NvidiaDeviceKind = 'gpu'): SpdmLayout {
  const fields: LayoutField[] = [];
  const used = new Map<string, number>();
  let pos = 0;
  const push = (id: string, label: string, offset: number, length: number, meaning: string) => {
    const n = (used.get(id) ?? 0) + 1;
    used.set(id, n);
    if (length > 0) fields.push({ id: n === 1 ? id : `${id}_${n}`, label: n === 1 ? label : `${label} (#${n})`, offset, length, meaning });
  };
  const fail = (field: string, message: string): SpdmLayout => ({ fields, error: { file, field, message } });
  const short = (field: string, need: number) => fail(field, `truncated: needs ${need} bytes at offset ${pos}, but the report is ${bytes.length} bytes long`);
  const rows = (list: Row[], prefix: string): [field: string, need: number] | null => {
    for (const [id, label, length, meaning] of list) {
      if (pos + length > bytes.length) return [`${prefix}.${label.split(' ')[1]}`, length];
      push(id, label, pos, length, meaning);
      pos += length;
    }
    return null;
  };

  const cutRequest = rows(REQUEST, 'request');
  if (cutRequest) return short(...cutRequest);
  if (bytes[0] !== 0x11 || bytes[1] !== 0xe0) return fail('request', `not an SPDM 1.1 GET_MEASUREMENTS request: version 0x${hex2(bytes[0]!)}, code 0x${hex2(bytes[1]!)} (expected 0x11, 0xe0)`);
  const cutResponse = rows(RESPONSE_HEADER, 'response');
  if (cutResponse) return short(...cutResponse);
  const at = SPDM_REQUEST_LEN;
  if (bytes[at] !== 0x11 || bytes[at + 1] !== 0x60) return fail('response', `not an SPDM 1.1 MEASUREMENTS response at offset ${at}: version 0x${hex2(bytes[at]!)}, code 0x${hex2(bytes[at + 1]!)} (expected 0x11, 0x60)`);
  const blockCount = bytes[at + 4]!;
  const recordLength = bytes[at + 5]! | (bytes[at + 6]! << 8) | (bytes[at + 7]! << 16);
  const recordEnd = pos + recordLength;
  if (recordEnd > bytes.length) return short('response.MeasurementRecord', recordLength);

  for (let n = 1; n <= blockCount; n++) {
    const field = `MeasurementRecord block ${n} (offset ${pos})`;
    if (pos + 4 > recordEnd) return fail(`${field}.MeasurementSize`, `block header needs 4 bytes, ${recordEnd - pos} left in the record`);
    const index = bytes[pos]!;
    const size = u16(bytes, pos + 2);
    if (pos + 4 + size > recordEnd) return fail(`${field}.Measurement`, `MeasurementSize ${size} runs past the record's end (${recordEnd - pos - 4} bytes left)`);
    if (bytes[pos + 1] !== 0x01 || size < 3 || u16(bytes, pos + 5) + 3 !== size) {
      push(`block_${index}`, `block ${index}`, pos, 4 + size, 'Measurement block not in DMTF form (the core reports why).');
      pos += 4 + size;
      continue;
    }
    push(`block_${index}_header`, `block ${index} header`, pos, 7, 'Index, MeasurementSpecification (0x01 DMTF), MeasurementSize, DMTF value type and value size.');
    push(`measurement_${index}`, `measurement ${index}`, pos + 7, size - 3, `Measurement value of block ${index} (SHA-384 digest); compared with the RIM's golden value(s) at RIM index ${index - 1}.`);
    pos += 4 + size;
  }
  if (pos !== recordEnd) {
    push('record_leftover', 'record leftover', pos, recordEnd - pos, `Bytes the ${blockCount} blocks do not account for (MeasurementRecordLength disagrees).`);
    pos = recordEnd;
  }
  if (pos + 32 > bytes.length) return short('response.Nonce', 32);
  push('responder_nonce', 'response Nonce', pos, 32, "The responder's 32-byte random nonce.");
  pos += 32;
  if (pos + 2 > bytes.length) return short('response.OpaqueLength', 2);
  const opaqueLength = u16(bytes, pos);
  push('opaque_length', 'response OpaqueLength', pos, 2, 'Length of the opaque data in bytes.');
  pos += 2;
  if (pos + opaqueLength > bytes.length) return short('response.OpaqueData', opaqueLength);
  const opaqueEnd = pos + opaqueLength;
  while (pos + 4 <= opaqueEnd) {
    const type = u16(bytes, pos);
    const length = u16(bytes, pos + 2);
    if (pos + 4 + length > opaqueEnd) break;
    const [name, meaning] = opaqueTypeName(kind, type) ?? [`UNKNOWN_${type}`, `Opaque-data type ${type}, not in NVIDIA's enum for this device.`];
    push(`opaque_${name.toLowerCase()}`, `opaque ${name} (type ${type})`, pos, 4 + length, `${meaning} TLV: type u16, length u16 (${length}), value.`);
    pos += 4 + length;
  }
  if (pos < opaqueEnd) {
    push('opaque_leftover', 'opaque leftover', pos, opaqueEnd - pos, 'Bytes after the last whole TLV (a header or value cut short).');
    pos = opaqueEnd;
  }
  if (pos + SPDM_SIGNATURE_LEN > bytes.length) return short('response.Signature', SPDM_SIGNATURE_LEN);
  push('signature', 'response Signature', pos, SPDM_SIGNATURE_LEN, 'ECDSA P-384 signature r ‖ s (48 bytes each, big-endian) over SHA-384 of every byte before it, by the device certificate (leaf).');
  pos += SPDM_SIGNATURE_LEN;
  if (pos < bytes.length) {
    push('trailing_bytes', 'trailing bytes', pos, bytes.length - pos, "Bytes after the signature: NVIDIA's verifiers take the last 96 bytes as the signature, so they read a different one.");
  }
  return { fields, error: null };
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
