//! SEV-SNP ATTESTATION_REPORT parsing (AMD SEV-SNP Firmware ABI Specification #56860, Table 23
//! "ATTESTATION_REPORT Structure"; versions 2, 3, 4 and 5). 1184 (0x4A0) bytes, little-endian.
//!
//! Parsing never fails on reserved bits: they are returned as warnings (firmware adds bits faster
//! than verifiers are released — go-sev-guest users hit "mbz range" errors on real reports).

use serde_json::{json, Map, Value};

use super::product::Product;
use super::tcb::tcb_claim;
use crate::error::InputError;

/// Size of a report in bytes.
pub const REPORT_LEN: usize = 0x4A0;
/// The signature covers bytes `0x000..SIGNED_LEN`.
pub const SIGNED_LEN: usize = 0x2A0;

/// SIGNING_KEY values of KEY_INFO bits 4:2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningKey {
    Vcek,
    Vlek,
    /// 7: the report is not signed.
    None,
    /// 2–6: reserved.
    Reserved(u8),
}

impl SigningKey {
    pub fn name(self) -> String {
        match self {
            SigningKey::Vcek => "VCEK".into(),
            SigningKey::Vlek => "VLEK".into(),
            SigningKey::None => "none".into(),
            SigningKey::Reserved(v) => format!("reserved({v})"),
        }
    }
}

/// A parsed report. Byte arrays are raw report bytes; `raw` keeps the exact 1184 bytes received.
#[derive(Debug, Clone)]
pub struct Report {
    pub raw: Vec<u8>,
    pub version: u32,
    pub guest_svn: u32,
    pub policy: u64,
    pub family_id: [u8; 16],
    pub image_id: [u8; 16],
    pub vmpl: u32,
    pub signature_algo: u32,
    pub current_tcb: [u8; 8],
    pub platform_info: u64,
    pub key_info: u32,
    pub report_data: [u8; 64],
    pub measurement: [u8; 48],
    pub host_data: [u8; 32],
    pub id_key_digest: [u8; 48],
    pub author_key_digest: [u8; 48],
    pub report_id: [u8; 32],
    pub report_id_ma: [u8; 32],
    pub reported_tcb: [u8; 8],
    /// (CPUID_FAM_ID, CPUID_MOD_ID, CPUID_STEP); v3+ only.
    pub cpuid: Option<(u8, u8, u8)>,
    pub chip_id: [u8; 64],
    pub committed_tcb: [u8; 8],
    /// (build, minor, major)
    pub current_version: (u8, u8, u8),
    pub committed_version: (u8, u8, u8),
    pub launch_tcb: [u8; 8],
    /// v5 only.
    pub launch_mit_vector: Option<u64>,
    pub current_mit_vector: Option<u64>,
    /// Signature R and S as big-endian 48-byte scalars (converted from the little-endian fields).
    pub sig_r: [u8; 48],
    pub sig_s: [u8; 48],
    /// Whether bytes 48..72 of both 72-byte R and S fields are zero. If not, R or S is at least
    /// 2^384 — above the P-384 group order — and the signature is invalid (never truncated to fit).
    pub sig_high_bytes_zero: bool,
    /// Reserved-bit and reserved-byte findings (never fatal).
    pub warnings: Vec<String>,
}

/// POLICY bits (ABI spec Table 9 "Guest Policy Structure").
pub mod policy_bits {
    pub const SMT: u64 = 1 << 16;
    pub const RESERVED_ONE: u64 = 1 << 17;
    pub const MIGRATE_MA: u64 = 1 << 18;
    pub const DEBUG: u64 = 1 << 19;
    pub const SINGLE_SOCKET: u64 = 1 << 20;
    pub const CXL_ALLOW: u64 = 1 << 21;
    pub const MEM_AES_256_XTS: u64 = 1 << 22;
    pub const RAPL_DIS: u64 = 1 << 23;
    pub const CIPHERTEXT_HIDING_DRAM: u64 = 1 << 24;
    pub const PAGE_SWAP_DISABLE: u64 = 1 << 25;
    pub const KNOWN_MASK: u64 = (1 << 26) - 1;
}

fn arr<const N: usize>(b: &[u8], off: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&b[off..off + N]);
    out
}
fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(arr(b, off))
}
fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(arr(b, off))
}
fn le_scalar(b: &[u8], off: usize) -> ([u8; 48], bool) {
    // 72-byte little-endian field; P-384 uses the low 48 bytes, the rest must be zero.
    let mut be: [u8; 48] = arr(b, off);
    be.reverse();
    let high_zero = b[off + 48..off + 72].iter().all(|x| *x == 0);
    (be, high_zero)
}

impl Report {
    /// Parses exactly the first 1184 bytes of `bytes` (extra bytes are the caller's business, e.g. a
    /// certificate table). Errors: shorter than 1184 bytes, or VERSION < 2.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Report, InputError> {
        if bytes.len() < REPORT_LEN {
            return Err(InputError::new(
                file,
                "ATTESTATION_REPORT",
                format!("truncated: {} bytes, an SEV-SNP report is {} (0x4A0) bytes", bytes.len(), REPORT_LEN),
            ));
        }
        let b = &bytes[..REPORT_LEN];
        let version = u32_at(b, 0x00);
        if version < 2 {
            return Err(InputError::new(file, "VERSION", format!("report version {version} is not supported (2–5)")));
        }
        let mut warnings = Vec::new();
        if version > 5 {
            warnings.push(format!("VERSION {version} is newer than 5; parsed with the version 5 layout"));
        }
        let cpuid = (version >= 3).then(|| (b[0x188], b[0x189], b[0x18A]));
        let mit = version >= 5;
        let (sig_r, r_ok) = le_scalar(b, 0x2A0);
        let (sig_s, s_ok) = le_scalar(b, 0x2E8);
        let r = Report {
            raw: b.to_vec(),
            version,
            guest_svn: u32_at(b, 0x04),
            policy: u64_at(b, 0x08),
            family_id: arr(b, 0x10),
            image_id: arr(b, 0x20),
            vmpl: u32_at(b, 0x30),
            signature_algo: u32_at(b, 0x34),
            current_tcb: arr(b, 0x38),
            platform_info: u64_at(b, 0x40),
            key_info: u32_at(b, 0x48),
            report_data: arr(b, 0x50),
            measurement: arr(b, 0x90),
            host_data: arr(b, 0xC0),
            id_key_digest: arr(b, 0xE0),
            author_key_digest: arr(b, 0x110),
            report_id: arr(b, 0x140),
            report_id_ma: arr(b, 0x160),
            reported_tcb: arr(b, 0x180),
            cpuid,
            chip_id: arr(b, 0x1A0),
            committed_tcb: arr(b, 0x1E0),
            current_version: (b[0x1E8], b[0x1E9], b[0x1EA]),
            committed_version: (b[0x1EC], b[0x1ED], b[0x1EE]),
            launch_tcb: arr(b, 0x1F0),
            launch_mit_vector: mit.then(|| u64_at(b, 0x1F8)),
            current_mit_vector: mit.then(|| u64_at(b, 0x200)),
            sig_r,
            sig_s,
            sig_high_bytes_zero: r_ok && s_ok,
            warnings: Vec::new(),
        };
        warnings.extend(r.reserved_findings());
        Ok(Report { warnings, ..r })
    }

    /// SIGNING_KEY from KEY_INFO bits 4:2.
    pub fn signing_key(&self) -> SigningKey {
        match (self.key_info >> 2) & 7 {
            0 => SigningKey::Vcek,
            1 => SigningKey::Vlek,
            7 => SigningKey::None,
            v => SigningKey::Reserved(v as u8),
        }
    }
    pub fn author_key_en(&self) -> bool {
        self.key_info & 1 == 1
    }
    pub fn mask_chip_key(&self) -> bool {
        self.key_info & 2 == 2
    }
    pub fn signed_region(&self) -> &[u8] {
        &self.raw[..SIGNED_LEN]
    }
    /// Product from CPUID (v3+), with a model description.
    pub fn cpuid_product(&self) -> Option<(Product, &'static str)> {
        self.cpuid.and_then(|(f, m, _)| Product::from_cpuid(f, m))
    }

    /// Reserved bits/bytes that are set, one sentence each.
    fn reserved_findings(&self) -> Vec<String> {
        let b = &self.raw;
        let mut out = Vec::new();
        if self.policy & policy_bits::RESERVED_ONE == 0 {
            out.push("POLICY bit 17 is 0 but must be 1".into());
        }
        if self.policy & !policy_bits::KNOWN_MASK != 0 {
            out.push(format!("POLICY reserved bits 63:26 are set (0x{:x})", self.policy & !policy_bits::KNOWN_MASK));
        }
        if self.platform_info & !0xBF != 0 {
            out.push(format!(
                "PLATFORM_INFO has bits set that are reserved in ABI 1.57 (0x{:x}; bit 6 is set on real Turin parts)",
                self.platform_info & !0xBF
            ));
        }
        if self.key_info >> 5 != 0 {
            out.push(format!("KEY_INFO reserved bits 31:5 are set (0x{:x})", self.key_info >> 5));
        }
        let reserved_start = if self.version >= 3 { 0x18B } else { 0x188 };
        let mut ranges: Vec<(usize, usize)> = vec![(0x4C, 0x50), (reserved_start, 0x1A0), (0x1EB, 0x1EC), (0x1EF, 0x1F0)];
        if self.version < 5 {
            ranges.push((0x1F8, 0x208));
        }
        ranges.push((0x208, 0x2A0));
        ranges.push((0x330, REPORT_LEN));
        for (s, e) in ranges {
            if b[s..e].iter().any(|x| *x != 0) {
                out.push(format!("reserved bytes 0x{s:03X}..0x{:03X} are not zero", e - 1));
            }
        }
        out
    }

    /// Decoded claims under the ABI field names in snake_case. `product` picks the TCB layout.
    pub fn claims(&self, product: Option<Product>) -> Map<String, Value> {
        let p = product.unwrap_or(Product::Milan);
        let policy = self.policy;
        let bit = |m: u64| policy & m != 0;
        let mut c = Map::new();
        let mut put = |k: &str, v: Value| {
            c.insert(k.to_string(), v);
        };
        put("version", json!(self.version));
        put("guest_svn", json!(self.guest_svn));
        put(
            "policy",
            json!({
                "raw": format!("0x{policy:x}"),
                "abi_minor": policy & 0xff, "abi_major": (policy >> 8) & 0xff,
                "smt": bit(policy_bits::SMT), "migrate_ma": bit(policy_bits::MIGRATE_MA),
                "debug": bit(policy_bits::DEBUG), "single_socket": bit(policy_bits::SINGLE_SOCKET),
                "cxl_allow": bit(policy_bits::CXL_ALLOW), "mem_aes_256_xts": bit(policy_bits::MEM_AES_256_XTS),
                "rapl_dis": bit(policy_bits::RAPL_DIS), "ciphertext_hiding_dram": bit(policy_bits::CIPHERTEXT_HIDING_DRAM),
                "page_swap_disable": bit(policy_bits::PAGE_SWAP_DISABLE),
            }),
        );
        put("family_id", json!(hex::encode(self.family_id)));
        put("image_id", json!(hex::encode(self.image_id)));
        put("vmpl", json!(self.vmpl));
        put("signature_algo", json!(self.signature_algo));
        put("current_tcb", tcb_claim(self.current_tcb, p));
        let pi = self.platform_info;
        put(
            "platform_info",
            json!({
                "raw": format!("0x{pi:x}"),
                "smt_en": pi & 1 != 0, "tsme_en": pi & 2 != 0, "ecc_en": pi & 4 != 0, "rapl_dis": pi & 8 != 0,
                "ciphertext_hiding_dram_en": pi & 16 != 0, "alias_check_complete": pi & 32 != 0, "tio_en": pi & 128 != 0,
            }),
        );
        put(
            "key_info",
            json!({
                "raw": format!("0x{:x}", self.key_info), "author_key_en": self.author_key_en(),
                "mask_chip_key": self.mask_chip_key(), "signing_key": self.signing_key().name(),
            }),
        );
        put("report_data", json!(hex::encode(self.report_data)));
        put("measurement", json!(hex::encode(self.measurement)));
        put("host_data", json!(hex::encode(self.host_data)));
        put("id_key_digest", json!(hex::encode(self.id_key_digest)));
        put("author_key_digest", json!(hex::encode(self.author_key_digest)));
        put("report_id", json!(hex::encode(self.report_id)));
        put("report_id_ma", json!(hex::encode(self.report_id_ma)));
        put("reported_tcb", tcb_claim(self.reported_tcb, p));
        if let Some((f, m, s)) = self.cpuid {
            put("cpuid_fam_id", json!(f));
            put("cpuid_mod_id", json!(m));
            put("cpuid_step", json!(s));
        }
        put("chip_id", json!(hex::encode(self.chip_id)));
        put("committed_tcb", tcb_claim(self.committed_tcb, p));
        let ver = |(b, mi, ma): (u8, u8, u8)| format!("{ma}.{mi}.{b}");
        put("current_version", json!(ver(self.current_version)));
        put("committed_version", json!(ver(self.committed_version)));
        put("launch_tcb", tcb_claim(self.launch_tcb, p));
        if let (Some(l), Some(cur)) = (self.launch_mit_vector, self.current_mit_vector) {
            put("launch_mit_vector", json!(format!("0x{l:x}")));
            put("current_mit_vector", json!(format!("0x{cur:x}")));
        }
        put("signature_r", json!(hex::encode(self.sig_r)));
        put("signature_s", json!(hex::encode(self.sig_s)));
        c
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal well-formed v3 Milan report body (unsigned) for structural tests.
    pub fn blank_v3() -> Vec<u8> {
        let mut b = vec![0u8; REPORT_LEN];
        b[0] = 3;
        b[0x08..0x10].copy_from_slice(&0x30000u64.to_le_bytes());
        b[0x34] = 1;
        b[0x188] = 0x19;
        b[0x189] = 0x01;
        b
    }

    #[test]
    fn truncated_report_names_the_size() {
        let err = Report::parse(&blank_v3()[..1183], "r.bin").unwrap_err();
        assert!(err.message.contains("1183"), "{err}");
        assert_eq!(err.field, "ATTESTATION_REPORT");
    }

    #[test]
    fn version_1_is_rejected_and_6_is_a_warning() {
        let mut b = blank_v3();
        b[0] = 1;
        assert_eq!(Report::parse(&b, "r").unwrap_err().field, "VERSION");
        b[0] = 6;
        let r = Report::parse(&b, "r").unwrap();
        assert!(r.warnings.iter().any(|w| w.contains("VERSION 6")));
    }

    #[test]
    fn reserved_bits_are_warnings_not_errors() {
        let mut b = blank_v3();
        b[0x40] = 0x67; // real Turin PLATFORM_INFO with reserved bit 6
        b[0x0F] = 0x80; // POLICY bit 63
        b[0x400] = 1; // beyond R||S
        let r = Report::parse(&b, "r").unwrap();
        assert_eq!(r.warnings.len(), 3, "{:?}", r.warnings);
        assert!(r.warnings.iter().any(|w| w.contains("PLATFORM_INFO")));
        assert!(r.warnings.iter().any(|w| w.contains("0x330..0x49F")));
    }

    #[test]
    fn signing_key_field() {
        let mut b = blank_v3();
        b[0x48] = 1 << 2;
        assert_eq!(Report::parse(&b, "r").unwrap().signing_key(), SigningKey::Vlek);
        b[0x48] = 7 << 2;
        assert_eq!(Report::parse(&b, "r").unwrap().signing_key(), SigningKey::None);
        b[0x48] = 3 << 2;
        assert_eq!(Report::parse(&b, "r").unwrap().signing_key(), SigningKey::Reserved(3));
    }

    #[test]
    fn signature_scalars_are_read_little_endian() {
        let mut b = blank_v3();
        b[0x2A0] = 0xAA; // least significant byte of R
        b[0x2E8 + 47] = 0xBB; // most significant byte of S
        let r = Report::parse(&b, "r").unwrap();
        assert_eq!(r.sig_r[47], 0xAA);
        assert_eq!(r.sig_s[0], 0xBB);
        assert!(r.sig_high_bytes_zero);
        b[0x2E8 + 48] = 1; // S >= 2^384: never silently truncated
        assert!(!Report::parse(&b, "r").unwrap().sig_high_bytes_zero);
    }
}
