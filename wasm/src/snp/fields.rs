//! The field map of an SEV-SNP ATTESTATION_REPORT (AMD SEV-SNP Firmware ABI #56860, Table 23), for
//! the Inspector: [`report_fields`] lays the report out at the offsets [`super::report::Report::parse`]
//! reads (the table below is checked against `Report::claims` by the tests here and in
//! test/unit/evidence-fields.test.ts), with POLICY, PLATFORM_INFO, KEY_INFO and each TCB_VERSION
//! broken into their named bits and components ([`super::tcb::Tcb::decode`] picks the layout).

use super::product::Product;
use super::report::{policy_bits, REPORT_LEN};
use super::tcb::Tcb;
use crate::fields::{bit, cut, hex_value, part, Description, Field, Part};

/// How a report field is decoded for display.
#[derive(Clone, Copy)]
enum Kind {
    /// u32 LE, decimal.
    U32,
    /// u8, decimal.
    U8,
    /// Byte string, lowercase hex (the claim form).
    Hex,
    Policy,
    PlatformInfo,
    KeyInfo,
    Tcb,
    /// build, minor, major → `major.minor.build`.
    Version,
    /// u64 LE, hex.
    U64,
    /// 72-byte little-endian ECDSA scalar, shown big-endian (48 bytes) as the claim is.
    Scalar,
    Reserved,
}

/// (id = claim name, label, offset, length, kind, meaning). Version-dependent rows are chosen in
/// [`rows`]. Offsets as `Report::parse` reads them.
type Row = (&'static str, &'static str, usize, usize, Kind, &'static str);

const HEAD: &[Row] = &[
    ("version", "VERSION", 0x00, 4, Kind::U32, "Report format version (2, 3 or 5)."),
    ("guest_svn", "GUEST_SVN", 0x04, 4, Kind::U32, "Security version number the guest owner gave the image."),
    ("policy", "POLICY", 0x08, 8, Kind::Policy, "Guest policy the guest was launched with: ABI minimum, SMT, migration agent, DEBUG …"),
    ("family_id", "FAMILY_ID", 0x10, 16, Kind::Hex, "Family id supplied by the guest owner at launch (ID block)."),
    ("image_id", "IMAGE_ID", 0x20, 16, Kind::Hex, "Image id supplied by the guest owner at launch (ID block)."),
    ("vmpl", "VMPL", 0x30, 4, Kind::U32, "Virtual machine privilege level that requested the report."),
    ("signature_algo", "SIGNATURE_ALGO", 0x34, 4, Kind::U32, "Signature algorithm (1 = ECDSA P-384 with SHA-384)."),
    ("current_tcb", "CURRENT_TCB", 0x38, 8, Kind::Tcb, "TCB version the platform is running now."),
    ("platform_info", "PLATFORM_INFO", 0x40, 8, Kind::PlatformInfo, "Platform state: SMT, TSME, ECC, RAPL, ciphertext hiding."),
    ("key_info", "KEY_INFO", 0x48, 4, Kind::KeyInfo, "Which key signed (VCEK, VLEK, none), whether the author key is used and the chip key masked."),
    ("reserved_0x4c", "reserved", 0x4C, 4, Kind::Reserved, "Reserved, must be zero."),
    ("report_data", "REPORT_DATA", 0x50, 64, Kind::Hex, "Guest-chosen data bound into the report, e.g. a key hash or nonce."),
    ("measurement", "MEASUREMENT", 0x90, 48, Kind::Hex, "Launch digest of the initial guest memory and VMSAs."),
    ("host_data", "HOST_DATA", 0xC0, 32, Kind::Hex, "Data the host supplied at launch."),
    ("id_key_digest", "ID_KEY_DIGEST", 0xE0, 48, Kind::Hex, "SHA-384 of the key that signed the ID block."),
    ("author_key_digest", "AUTHOR_KEY_DIGEST", 0x110, 48, Kind::Hex, "SHA-384 of the key that signed the ID key."),
    ("report_id", "REPORT_ID", 0x140, 32, Kind::Hex, "Report id of this guest."),
    ("report_id_ma", "REPORT_ID_MA", 0x160, 32, Kind::Hex, "Report id of the guest's migration agent (all ones if none)."),
    ("reported_tcb", "REPORTED_TCB", 0x180, 8, Kind::Tcb, "TCB version used to derive the VCEK that signed this report."),
];
const CPUID: &[Row] = &[
    ("cpuid_fam_id", "CPUID_FAM_ID", 0x188, 1, Kind::U8, "CPUID family of the chip (version 3 and later)."),
    ("cpuid_mod_id", "CPUID_MOD_ID", 0x189, 1, Kind::U8, "CPUID model of the chip (version 3 and later)."),
    ("cpuid_step", "CPUID_STEP", 0x18A, 1, Kind::U8, "CPUID stepping of the chip (version 3 and later)."),
    ("reserved_0x18b", "reserved", 0x18B, 0x15, Kind::Reserved, "Reserved, must be zero."),
];
const NO_CPUID: &[Row] = &[("reserved_0x188", "reserved", 0x188, 0x18, Kind::Reserved, "Reserved in version 2 (CPUID fields from version 3), must be zero.")];
const MIDDLE: &[Row] = &[
    ("chip_id", "CHIP_ID", 0x1A0, 64, Kind::Hex, "Unique chip identifier (zero when MASK_CHIP_ID is set)."),
    ("committed_tcb", "COMMITTED_TCB", 0x1E0, 8, Kind::Tcb, "TCB version the firmware has committed to (no rollback below it)."),
    ("current_version", "CURRENT_BUILD/MINOR/MAJOR", 0x1E8, 3, Kind::Version, "Firmware version running now (build, minor, major)."),
    ("reserved_0x1eb", "reserved", 0x1EB, 1, Kind::Reserved, "Reserved, must be zero."),
    ("committed_version", "COMMITTED_BUILD/MINOR/MAJOR", 0x1EC, 3, Kind::Version, "Firmware version committed (build, minor, major)."),
    ("reserved_0x1ef", "reserved", 0x1EF, 1, Kind::Reserved, "Reserved, must be zero."),
    ("launch_tcb", "LAUNCH_TCB", 0x1F0, 8, Kind::Tcb, "TCB version when the guest was launched or imported."),
];
const MIT: &[Row] = &[
    ("launch_mit_vector", "LAUNCH_MIT_VECTOR", 0x1F8, 8, Kind::U64, "Mitigation vector when the guest was launched (version 5)."),
    ("current_mit_vector", "CURRENT_MIT_VECTOR", 0x200, 8, Kind::U64, "Mitigation vector now (version 5)."),
    ("reserved_0x208", "reserved", 0x208, 0x98, Kind::Reserved, "Reserved, must be zero."),
];
const NO_MIT: &[Row] = &[("reserved_0x1f8", "reserved", 0x1F8, 0xA8, Kind::Reserved, "Reserved (mitigation vectors from version 5), must be zero.")];
const SIGNATURE: &[Row] = &[
    ("signature_r", "SIGNATURE.R", 0x2A0, 72, Kind::Scalar, "ECDSA P-384 signature R: 72 bytes little-endian, shown as the 48-byte big-endian scalar."),
    ("signature_s", "SIGNATURE.S", 0x2E8, 72, Kind::Scalar, "ECDSA P-384 signature S: 72 bytes little-endian, shown as the 48-byte big-endian scalar."),
    ("reserved_0x330", "reserved", 0x330, 0x170, Kind::Reserved, "Rest of the signature area, must be zero."),
];

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[o..o + 8]);
    u64::from_le_bytes(a)
}

/// The product whose TCB layout applies: CPUID (version 3+) when it names one, else Milan/Genoa's
/// layout (the same for both); `None` as the second value when it was assumed.
fn product_of(r: &[u8]) -> (Product, bool) {
    if r.len() > 0x189 && u32_at(r, 0) >= 3 {
        if let Some((p, _)) = Product::from_cpuid(r[0x188], r[0x189]) {
            return (p, true);
        }
    }
    (Product::Milan, false)
}

fn tcb_parts(raw: [u8; 8], product: Product) -> Vec<Part> {
    let t = Tcb::decode(raw, product);
    match t.fmc {
        Some(f) => vec![
            part("FMC", "byte 0", f),
            part("BOOT_LOADER", "byte 1", t.boot_loader),
            part("TEE", "byte 2", t.tee),
            part("SNP", "byte 3", t.snp),
            part("MICROCODE", "byte 7", t.microcode),
        ],
        None => vec![
            part("BOOT_LOADER", "byte 0", t.boot_loader),
            part("TEE", "byte 1", t.tee),
            part("SNP", "byte 6", t.snp),
            part("MICROCODE", "byte 7", t.microcode),
        ],
    }
}

fn policy_parts(p: u64) -> Vec<Part> {
    vec![
        part("ABI_MINOR", "bits 7:0", p & 0xff),
        part("ABI_MAJOR", "bits 15:8", (p >> 8) & 0xff),
        bit("SMT", p, 16),
        part("RESERVED (must be 1)", "bit 17", (p >> 17) & 1),
        bit("MIGRATE_MA", p, 18),
        bit("DEBUG", p, 19),
        bit("SINGLE_SOCKET", p, 20),
        bit("CXL_ALLOW", p, 21),
        bit("MEM_AES_256_XTS", p, 22),
        bit("RAPL_DIS", p, 23),
        bit("CIPHERTEXT_HIDING_DRAM", p, 24),
        bit("PAGE_SWAP_DISABLE", p, 25),
        part("reserved", "bits 63:26", format!("0x{:x}", p & !policy_bits::KNOWN_MASK)),
    ]
}

fn platform_info_parts(v: u64) -> Vec<Part> {
    vec![
        bit("SMT_EN", v, 0),
        bit("TSME_EN", v, 1),
        bit("ECC_EN", v, 2),
        bit("RAPL_DIS", v, 3),
        bit("CIPHERTEXT_HIDING_DRAM_EN", v, 4),
        bit("ALIAS_CHECK_COMPLETE", v, 5),
        part("reserved", "bit 6", (v >> 6) & 1),
        bit("TIO_EN", v, 7),
        part("reserved", "bits 63:8", format!("0x{:x}", v >> 8)),
    ]
}

fn key_info_parts(v: u32) -> Vec<Part> {
    let signing = match (v >> 2) & 7 {
        0 => "0 (VCEK)".to_string(),
        1 => "1 (VLEK)".to_string(),
        7 => "7 (none)".to_string(),
        n => format!("{n} (reserved)"),
    };
    vec![
        bit("AUTHOR_KEY_EN", v as u64, 0),
        bit("MASK_CHIP_KEY", v as u64, 1),
        part("SIGNING_KEY", "bits 4:2", signing),
        part("reserved", "bits 31:5", format!("0x{:x}", v >> 5)),
    ]
}

fn field_of(row: &Row, r: &[u8], base: usize, product: (Product, bool)) -> Field {
    let (id, label, off, len, kind, meaning) = *row;
    let b = &r[off..off + len];
    let f = Field::new(id, label, base + off, len, meaning);
    match kind {
        Kind::U32 => f.value(u32_at(b, 0).to_string()),
        Kind::U8 => f.value(b[0].to_string()),
        Kind::Hex => f.value(hex::encode(b)),
        Kind::U64 => f.value(format!("0x{:x}", u64_at(b, 0))),
        Kind::Policy => {
            let p = u64_at(b, 0);
            f.value(format!("0x{p:x}")).parts(policy_parts(p))
        }
        Kind::PlatformInfo => {
            let p = u64_at(b, 0);
            f.value(format!("0x{p:x}")).parts(platform_info_parts(p))
        }
        Kind::KeyInfo => {
            let k = u32_at(b, 0);
            f.value(format!("0x{k:x}")).parts(key_info_parts(k))
        }
        Kind::Tcb => {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(b);
            let t = Tcb::decode(raw, product.0);
            let layout = if product.1 { format!("{} layout", product.0.name()) } else { "Milan/Genoa layout (no CPUID in the report)".into() };
            let f = Field { meaning: format!("{meaning} {layout}."), ..f };
            f.value(format!("0x{:016x} ({})", u64::from_le_bytes(raw), t.describe())).parts(tcb_parts(raw, product.0))
        }
        Kind::Version => f.value(format!("{}.{}.{}", b[2], b[1], b[0])).parts(vec![
            part("BUILD", "byte 0", b[0]),
            part("MINOR", "byte 1", b[1]),
            part("MAJOR", "byte 2", b[2]),
        ]),
        Kind::Scalar => {
            let mut be = b[..48].to_vec();
            be.reverse();
            f.value(hex::encode(be))
        }
        Kind::Reserved => {
            let zero = b.iter().all(|x| *x == 0);
            f.value(if zero { "zero".to_string() } else { format!("NOT zero: {}", hex_value(b)) })
        }
    }
}

/// The rows of a report of `version` (2 has no CPUID fields, 5 adds the mitigation vectors).
fn rows(version: u32) -> Vec<&'static Row> {
    let mut out: Vec<&Row> = HEAD.iter().collect();
    out.extend(if version >= 3 { CPUID } else { NO_CPUID });
    out.extend(MIDDLE);
    out.extend(if version >= 5 { MIT } else { NO_MIT });
    out.extend(SIGNATURE);
    out
}

/// The fields of the report in `r` (its first 1184 bytes; fewer when truncated), at `base` in the
/// described bytes. Rows past the end of `r` are left out; the note names the first of them.
pub fn report_fields(r: &[u8], base: usize, file: &str) -> (Vec<Field>, String) {
    let version = if r.len() >= 4 { u32_at(r, 0) } else { 0 };
    let product = product_of(r);
    let mut out = Vec::new();
    let mut note = String::new();
    for row in rows(version) {
        if row.2 + row.3 > r.len() {
            if note.is_empty() {
                note = cut(file, row.1, row.3, base + row.2, base + r.len());
            }
            continue;
        }
        out.push(field_of(row, r, base, product));
    }
    (out, note)
}

/// Describes a binary SEV-SNP report, with the extended report's certificate table (or zero padding)
/// after it when bytes follow.
pub fn describe(bytes: &[u8], file: &str) -> Description {
    let r = &bytes[..bytes.len().min(REPORT_LEN)];
    let (mut fields, note) = report_fields(r, 0, file);
    if bytes.len() > REPORT_LEN {
        let rest = &bytes[REPORT_LEN..];
        let f = Field::new("certificate_table", "certificate table", REPORT_LEN, rest.len(), "Extended report: the VCEK/ASK/ARK certificates the host attached (GHCB #56421 §4.1.8.1).");
        fields.push(if rest.iter().all(|b| *b == 0) {
            Field { id: "padding".into(), label: "padding".into(), meaning: "Zero bytes after the report.".into(), ..f }.value("zero")
        } else {
            match super::certtable::parse(rest, file) {
                Ok(entries) => f.value(format!("{} entries: {}", entries.len(), entries.iter().map(|e| e.kind.name()).collect::<Vec<_>>().join(", "))),
                Err(e) => f.value(format!("not readable: {}: {}", e.field, e.message)),
            }
        });
    }
    Description { format: "sev-snp-report".into(), length: bytes.len(), fields, note }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::tests::{assert_well_formed, find};
    use crate::snp::report::{tests::blank_v3, Report};

    /// Every field whose claim is a hex byte string holds exactly those bytes; every other claim of
    /// `Report::claims` with a field has the same decoded value (the one reading of the layout).
    #[test]
    fn the_map_agrees_with_the_parser_for_every_version() {
        for version in [2u8, 3, 5] {
            let mut b = blank_v3();
            b[0] = version;
            b[0x50..0x90].copy_from_slice(&[0x5A; 64]);
            b[0x90..0xC0].copy_from_slice(&[0xA5; 48]);
            b[0x1A0] = 0xC1;
            b[0x38] = 4;
            b[0x3E] = 24;
            let d = describe(&b, "r.bin");
            assert!(d.note.is_empty(), "{}", d.note);
            assert_well_formed(&d);
            assert_eq!(d.fields.iter().map(|f| f.length).sum::<usize>(), REPORT_LEN, "v{version}: the fields tile the report");
            let claims = Report::parse(&b, "r.bin").unwrap().claims(None);
            let mut matched = 0;
            for f in &d.fields {
                let Some(c) = claims.get(&f.id) else { continue };
                if let Some(h) = c.as_str().filter(|h| h.len() == 2 * f.length && h.bytes().all(|x| x.is_ascii_hexdigit())) {
                    assert_eq!(hex::encode(&b[f.offset..f.offset + f.length]), h, "v{version} {}", f.id);
                    matched += 1;
                }
                if let Some(raw) = c.get("raw").and_then(|r| r.as_str()) {
                    let shown = f.value.as_deref().unwrap();
                    assert_eq!(u64::from_str_radix(&raw[2..], 16).unwrap(), u64::from_str_radix(shown.split(' ').next().unwrap().trim_start_matches("0x"), 16).unwrap(), "{}", f.id);
                }
            }
            assert!(matched >= 10, "v{version}: {matched} byte-string fields matched");
            assert_eq!(find(&d, "cpuid_fam_id").is_some(), version >= 3);
            assert_eq!(find(&d, "launch_mit_vector").is_some(), version >= 5);
        }
    }

    #[test]
    fn bit_fields_and_tcbs_carry_their_named_parts() {
        let mut b = blank_v3();
        b[0x08..0x10].copy_from_slice(&(0x30000u64 | policy_bits::DEBUG).to_le_bytes());
        b[0x48] = 1 << 2; // VLEK
        b[0x180..0x188].copy_from_slice(&0xdb18000000000004u64.to_le_bytes());
        let d = describe(&b, "r.bin");
        let parts = |id: &str| find(&d, id).unwrap().parts.iter().map(|p| (p.name.clone(), p.value.clone())).collect::<Vec<_>>();
        assert!(parts("policy").contains(&("DEBUG".into(), "1".into())));
        assert!(parts("policy").contains(&("SMT".into(), "1".into())));
        assert!(parts("key_info").contains(&("SIGNING_KEY".into(), "1 (VLEK)".into())));
        assert_eq!(parts("reported_tcb"), vec![("BOOT_LOADER".into(), "4".into()), ("TEE".into(), "0".into()), ("SNP".into(), "24".into()), ("MICROCODE".into(), "219".into())]);
        // Turin (family 0x1A, model 0x02): FMC first, SNP in byte 3.
        b[0x188] = 0x1A;
        b[0x189] = 0x02;
        b[0x180..0x188].copy_from_slice(&0x4700000002000100u64.to_le_bytes());
        let d = describe(&b, "r.bin");
        let t = find(&d, "reported_tcb").unwrap();
        assert_eq!(t.parts[0].name, "FMC");
        assert_eq!(t.parts.iter().find(|p| p.name == "SNP").unwrap().value, "2");
        assert!(t.meaning.contains("Turin layout"), "{}", t.meaning);
    }

    /// Threat: a cut-off report crashing or misleading the Inspector. The fields that fit are shown,
    /// the note names the first one that does not, and nothing panics for any prefix.
    #[test]
    fn a_truncated_report_gives_the_fields_that_fit() {
        let b = blank_v3();
        let d = describe(&b[..0x95], "cut.bin");
        assert_well_formed(&d);
        assert!(find(&d, "report_data").is_some());
        assert!(find(&d, "measurement").is_none());
        assert!(d.note.starts_with("cut.bin: MEASUREMENT: needs 48 bytes at offset 144"), "{}", d.note);
        for n in 0..b.len() {
            assert_well_formed(&describe(&b[..n], "cut.bin"));
        }
    }

    #[test]
    fn extended_report_bytes_are_the_certificate_table() {
        let mut b = blank_v3();
        b.extend([0u8; 24]);
        let d = describe(&b, "r.bin");
        assert_eq!(d.fields.last().unwrap().id, "padding");
        b.truncate(REPORT_LEN);
        b.extend([0xAB; 32]);
        let d = describe(&b, "r.bin");
        let t = d.fields.last().unwrap();
        assert_eq!((t.id.as_str(), t.offset, t.length), ("certificate_table", REPORT_LEN, 32));
        assert!(t.value.as_deref().unwrap().starts_with("not readable"));
    }
}
