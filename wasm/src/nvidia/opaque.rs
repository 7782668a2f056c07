//! OpaqueData of the MEASUREMENTS response: TLVs `type u16 LE | length u16 LE | value`.
//!
//! Type numbers follow NVIDIA's enums (nvtrust `verifier/config.py` `OpaqueDataType` = attestation-sdk
//! `GpuOpaqueDataType` 1..=36 for GPUs, `SwitchOpaqueDataType` 1..=27 for LS10 NVSwitches); the two
//! differ from type 6 on (switch BIOS version is ASCII) and at 22..27. Like the C++ SDK, unknown types
//! and bytes left over after the last TLV are not silently dropped: they are collected in
//! [`Opaque::unknown`] / [`Opaque::leftover`] for the appraisal to report.

use serde_json::{json, Map, Value};

use super::DeviceKind;

/// One TLV as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    pub kind: u16,
    pub offset: usize,
    pub value: Vec<u8>,
}

/// Decoded opaque data.
#[derive(Debug, Clone, Default)]
pub struct Opaque {
    pub tlvs: Vec<Tlv>,
    /// Types outside the device's enum (C++ SDK: parse error).
    pub unknown: Vec<u16>,
    /// Types that appear more than once.
    pub duplicated: Vec<u16>,
    /// Bytes after the last whole TLV (a TLV header or value cut short).
    pub leftover: usize,
}

/// NVIDIA's name of a TLV type for a device kind (`None`: not in the enum).
pub fn type_name(kind: DeviceKind, t: u16) -> Option<&'static str> {
    let common = match t {
        1 => "CERT_ISSUER_NAME",
        2 => "CERT_AUTHORITY_KEY_IDENTIFIER",
        3 => "DRIVER_VERSION",
        4 => "GPU_INFO",
        5 => "SKU",
        6 => "VBIOS_VERSION",
        7 => "MANUFACTURER_ID",
        8 => "TAMPER_DETECTION",
        9 => "SMC",
        10 => "VPR",
        11 => "NVDEC0_STATUS",
        12 => "MSRSCNT",
        13 => "CPRINFO",
        14 => "BOARD_ID",
        15 => "CHIP_SKU",
        16 => "CHIP_SKU_MOD",
        17 => "PROJECT",
        18 => "PROJECT_SKU",
        19 => "PROJECT_SKU_MOD",
        20 => "FWID",
        21 => "PROTECTED_PCIE_STATUS",
        _ => "",
    };
    let specific = match (kind, t) {
        (DeviceKind::Switch, 22) => "DEVICE_PDI",
        (DeviceKind::Switch, 23) => "DISABLED_PORTS",
        (DeviceKind::Switch, 24) => "SWITCH_POSITION_ID",
        (DeviceKind::Switch, 25) => "SWITCH_LOCK_STATUS",
        (DeviceKind::Switch, 26) => "SWITCH_GPU_PDIS",
        (DeviceKind::Switch, 27) => "SWITCH_PORTS",
        (DeviceKind::Gpu, 22) => "SWITCH_PDI",
        (DeviceKind::Gpu, 23) => "FLOORSWEPT_PORTS",
        (DeviceKind::Gpu, 24) => "POSITION_ID",
        (DeviceKind::Gpu, 25) => "LOCK_SWITCH_STATUS",
        (DeviceKind::Gpu, 32) => "GPU_LINK_CONN",
        (DeviceKind::Gpu, 33) => "SYS_ENABLE_STATUS",
        (DeviceKind::Gpu, 34) => "OPAQUE_DATA_VERSION",
        (DeviceKind::Gpu, 35) => "CHIP_INFO",
        (DeviceKind::Gpu, 36) => "FEATURE_FLAG",
        _ => "",
    };
    let name = if common.is_empty() { specific } else { common };
    (!name.is_empty()).then_some(name)
}

/// Splits OpaqueData into TLVs. `base` is the offset of OpaqueData in the report (for messages).
pub fn parse(data: &[u8], base: usize, kind: DeviceKind) -> Opaque {
    let mut o = Opaque::default();
    let mut pos = 0;
    while pos + 4 <= data.len() {
        let t = u16::from_le_bytes([data[pos], data[pos + 1]]);
        let len = u16::from_le_bytes([data[pos + 2], data[pos + 3]]) as usize;
        let Some(value) = data.get(pos + 4..pos + 4 + len) else { break };
        if type_name(kind, t).is_none() {
            o.unknown.push(t);
        }
        if o.tlvs.iter().any(|x| x.kind == t) && !o.duplicated.contains(&t) {
            o.duplicated.push(t);
        }
        o.tlvs.push(Tlv { kind: t, offset: base + pos, value: value.to_vec() });
        pos += 4 + len;
    }
    o.leftover = data.len() - pos;
    o
}

/// ASCII up to the first NUL (NVIDIA pads with NULs).
fn ascii(v: &[u8]) -> String {
    let end = v.iter().position(|b| *b == 0).unwrap_or(v.len());
    String::from_utf8_lossy(&v[..end]).trim().to_string()
}

impl Opaque {
    /// The value of the first TLV of type `t`.
    pub fn get(&self, t: u16) -> Option<&[u8]> {
        self.tlvs.iter().find(|x| x.kind == t).map(|x| x.value.as_slice())
    }
    /// The value of type `t` as ASCII up to the first NUL.
    pub fn text(&self, t: u16) -> Option<String> {
        self.get(t).map(ascii)
    }
    /// DRIVER_VERSION (type 3), e.g. `545.00`.
    pub fn driver_version(&self) -> Option<String> {
        self.text(3)
    }
    /// Firmware version text: GPU VBIOS (type 6, 8 bytes b0..b7 shown as `b3.b2.b1.b0.b4`, upper-case
    /// hex as the C++ SDK prints it, e.g. `96.00.5E.00.01`); switch BIOS (type 6, ASCII).
    pub fn firmware_version(&self, kind: DeviceKind) -> Option<String> {
        let v = self.get(6)?;
        match kind {
            DeviceKind::Switch => Some(ascii(v)),
            DeviceKind::Gpu if v.len() >= 5 => Some(format!("{:02X}.{:02X}.{:02X}.{:02X}.{:02X}", v[3], v[2], v[1], v[0], v[4])),
            DeviceKind::Gpu => None,
        }
    }
    /// NVDEC0_STATUS (type 11): 0xAA enabled, 0x55 disabled.
    pub fn nvdec0_status(&self) -> Option<u8> {
        self.get(11).and_then(|v| v.first().copied())
    }
    /// FWID (type 20, 48 bytes), compared with the leaf certificate's.
    pub fn fwid(&self) -> Option<&[u8]> {
        self.get(20)
    }
    /// OPAQUE_DATA_VERSION (type 34, u16 LE; GPUs only).
    pub fn opaque_data_version(&self) -> Option<u16> {
        self.get(34).filter(|v| v.len() >= 2).map(|v| u16::from_le_bytes([v[0], v[1]]))
    }
    /// FEATURE_FLAG (type 36): 0 SPT, 1 MPT, 2 PPCIE (only meaningful when opaque data version >= 1).
    pub fn feature_flag(&self) -> Option<u32> {
        self.get(36).map(|v| v.iter().take(4).enumerate().fold(0u32, |acc, (i, b)| acc | (*b as u32) << (8 * i)))
    }
    /// GPU: the SWITCH_PDI entries (type 22, 8 bytes each); switch: none.
    pub fn gpu_switch_pdis(&self) -> Vec<[u8; 8]> {
        self.get(22).map(chunks8).unwrap_or_default()
    }
    /// Switch: DEVICE_PDI (type 22, 8 bytes).
    pub fn device_pdi(&self) -> Option<[u8; 8]> {
        self.get(22).and_then(|v| v.try_into().ok())
    }
    /// Switch: the GPU PDIs of SWITCH_GPU_PDIS (type 26): the first 8 × 8 bytes (one-byte port ids follow).
    pub fn switch_gpu_pdis(&self) -> Vec<[u8; 8]> {
        self.get(26).map(|v| chunks8(&v[..v.len().min(64)])).unwrap_or_default()
    }

    /// Every decoded field under a snake_case name (byte fields as lowercase hex), in TLV order.
    pub fn claims(&self, kind: DeviceKind) -> Map<String, Value> {
        let mut m = Map::new();
        for t in &self.tlvs {
            let Some(name) = type_name(kind, t.kind) else { continue };
            let key = name.to_ascii_lowercase();
            let v = &t.value;
            let value = match (kind, t.kind) {
                (_, 3) | (_, 15..=19) | (DeviceKind::Gpu, 35) => json!(ascii(v)),
                (_, 6) => json!(self.firmware_version(kind)),
                (_, 12) => json!(v.chunks(4).map(|c| c.iter().rev().fold(0u32, |a, b| a << 8 | *b as u32)).collect::<Vec<_>>()),
                (DeviceKind::Gpu, 22) | (DeviceKind::Switch, 26) => json!(chunks8(v).iter().map(hex::encode).collect::<Vec<_>>()),
                (DeviceKind::Gpu, 34) => json!(self.opaque_data_version()),
                (DeviceKind::Gpu, 36) => json!(self.feature_flag()),
                _ => json!(hex::encode(v)),
            };
            m.insert(key, value);
        }
        m
    }
}

fn chunks8(v: &[u8]) -> Vec<[u8; 8]> {
    v.chunks_exact(8).map(|c| c.try_into().unwrap_or([0; 8])).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One opaque-data TLV: type u16 LE, length u16 LE, value.
    pub(crate) fn tlv(t: u16, v: &[u8]) -> Vec<u8> {
        let mut b = t.to_le_bytes().to_vec();
        b.extend((v.len() as u16).to_le_bytes());
        b.extend(v);
        b
    }

    #[test]
    fn decodes_versions_and_reports_unknown_types_and_leftovers() {
        let mut d = tlv(3, b"545.00\0\0");
        d.extend(tlv(6, &[0x00, 0x5e, 0x00, 0x96, 0x01, 0, 0, 0]));
        d.extend(tlv(99, &[1]));
        d.extend([0x03, 0x00, 0x10]); // a cut TLV header
        let o = parse(&d, 100, DeviceKind::Gpu);
        assert_eq!(o.driver_version().as_deref(), Some("545.00"));
        assert_eq!(o.firmware_version(DeviceKind::Gpu).as_deref(), Some("96.00.5E.00.01"));
        assert_eq!(o.unknown, vec![99]);
        assert_eq!(o.leftover, 3);
        assert_eq!(o.tlvs[1].offset, 100 + 12);
    }

    #[test]
    fn switch_types_differ_from_gpu_types() {
        assert_eq!(type_name(DeviceKind::Switch, 26), Some("SWITCH_GPU_PDIS"));
        assert_eq!(type_name(DeviceKind::Gpu, 26), None);
        assert_eq!(type_name(DeviceKind::Switch, 35), None);
        let o = parse(&tlv(6, b"96.10.55.00.01\0"), 0, DeviceKind::Switch);
        assert_eq!(o.firmware_version(DeviceKind::Switch).as_deref(), Some("96.10.55.00.01"));
    }
}
