//! AMD SEV-SNP: parse the report, verify it against the AMD chain, then appraise its claims.
//! Steps follow `../shared/reference/sev-snp.md` (a): structure, product, signer selection, root pin,
//! chain, report signature, bindings, revocation, policy.

pub mod appraise;
pub mod certtable;
pub mod chain;
pub mod crl;
pub mod evidence;
pub mod fields;
mod kds_certs;
pub mod policy;
pub mod product;
pub mod report;
pub mod roots;
pub mod sevsnp_proto;
pub mod tcb;
pub mod vek;

use p384::ecdsa::signature::Verifier;
use p384::pkcs8::DecodePublicKey;
use serde_json::{json, Map, Value};

use crate::appraisal::{rfc3339, verdict_of, Appraisal, Checklist, TrustAnchor};
use crate::x509::{Cert, Crl, Endorsement};
use certtable::EntryKind;
use chain::CertPool;
use evidence::SnpEvidence;
use policy::SnpPolicy;
use product::Product;
use report::{Report, SigningKey};
use vek::VekExtensions;

/// Everything the SEV-SNP verifier needs. `reference_time` is Unix seconds (UTC).
pub struct SnpInput {
    pub evidence: SnpEvidence,
    pub endorsements: Vec<Endorsement>,
    pub test_anchors: Vec<Cert>,
    pub policy: SnpPolicy,
    pub reference_time: i64,
    /// An Azure vTPM quote given with an HCL report ([`crate::vtpm`]), and the policy for it.
    pub vtpm: Option<crate::vtpm::VtpmQuote>,
    pub vtpm_policy: crate::vtpm::VtpmPolicy,
    /// A TPM event log to replay against the vTPM quote's PCRs ([`crate::vtpm_log`]).
    pub tpm_log: Option<crate::eventlog::EventLog>,
}

/// Merges certificate-table entries and endorsement files into certificates and CRLs. Table blobs
/// that do not parse are reported as failed checks (they came with the evidence).
fn gather(input: &SnpInput, list: &mut Checklist) -> (CertPool, Vec<Crl>) {
    let mut pool = CertPool { certs: Vec::new(), test_anchors: input.test_anchors.clone() };
    let mut crls = Vec::new();
    for (i, e) in input.evidence.table.iter().enumerate() {
        let source = format!("certificate table entry {i} ({})", e.kind.name());
        let parsed = match e.kind {
            EntryKind::Crl => Crl::from_der(e.data.clone(), &source).map(Endorsement::Crl),
            EntryKind::Other(_) => {
                list.warn("evidence.cert_table", format!("{source}: unknown GUID, ignored"));
                continue;
            }
            _ => Cert::from_der(e.data.clone(), &source).map(Endorsement::Cert),
        };
        match parsed {
            Ok(Endorsement::Cert(c)) => pool.certs.push(c),
            Ok(Endorsement::Crl(c)) => crls.push(c),
            Err(err) => list.fail("evidence.cert_table", format!("{source} does not parse: {}", err.message)),
        }
    }
    for e in &input.endorsements {
        match e {
            Endorsement::Cert(c) => pool.certs.push(c.clone()),
            Endorsement::Crl(c) => crls.push(c.clone()),
        }
    }
    // The same certificate may arrive twice (table and file, or bundle and single file).
    let mut seen = std::collections::HashSet::new();
    pool.certs.retain(|c| seen.insert(c.der_sha256()));
    (pool, crls)
}

/// Picks the VEK: among supplied certificates with the expected CN, prefer one whose hwID matches
/// CHIP_ID (several VCEKs may be supplied, e.g. a folder of them).
fn select_vek<'a>(pool: &'a CertPool, r: &Report, key: SigningKey) -> Option<&'a Cert> {
    let cn = chain::vek_common_name(key)?;
    let candidates = pool.veks(cn);
    let chip = &r.chip_id;
    candidates
        .iter()
        .find(|c| VekExtensions::read(c).hw_id.is_some_and(|h| chip.starts_with(&h)))
        .or(candidates.first())
        .copied()
}

/// Decides the product line: CPUID (v3+), else `policy.product`, else the VEK's productName.
fn decide_product(r: &Report, policy: &SnpPolicy, vek: Option<&VekExtensions>, list: &mut Checklist) -> Option<(Product, String)> {
    let from_vek = vek.and_then(|v| v.product_name.as_deref()).map(|n| (Product::from_product_name(n), n.to_string()));
    let from_policy = policy.product.as_deref().and_then(Product::parse);
    let chosen = if let Some((p, model)) = r.cpuid_product() {
        let (f, m, s) = r.cpuid.unwrap_or_default();
        Some((p, format!("{model} (CPUID family 0x{f:02X} model 0x{m:02X} stepping {s})")))
    } else if let Some(p) = from_policy {
        Some((p, format!("{} (from policy snp.product)", p.name())))
    } else if let Some((Some(p), name)) = &from_vek {
        Some((*p, format!("{} (from the VEK productName \"{name}\")", p.name())))
    } else {
        None
    };
    match (&chosen, &from_vek) {
        (None, _) => {
            let why = match r.cpuid {
                Some((f, m, _)) => format!("CPUID family 0x{f:02X} model 0x{m:02X} is not a known SEV-SNP product"),
                None => "a version 2 report carries no CPUID".to_string(),
            };
            list.fail("product", format!("product line unknown: {why}, no VEK productName names one, and the policy sets no snp.product"));
        }
        (Some((p, how)), Some((Some(vp), name))) if vp != p => {
            list.fail("product", format!("the report is {how} but the VEK productName is \"{name}\""));
        }
        (Some((_, how)), _) => list.pass("product", format!("product line {how}")),
    }
    chosen
}

fn verify_report_signature(r: &Report, vek: &Cert, list: &mut Checklist) -> bool {
    if r.signature_algo != 1 {
        list.fail("report.signature", format!("SIGNATURE_ALGO is {}, only 1 (ECDSA P-384 with SHA-384) is defined", r.signature_algo));
        return false;
    }
    let spki = match der::Encode::to_der(vek.spki()) {
        Ok(d) => d,
        Err(e) => {
            list.fail("report.signature", format!("VEK public key does not encode: {e}"));
            return false;
        }
    };
    let key = match p384::ecdsa::VerifyingKey::from_public_key_der(&spki) {
        Ok(k) => k,
        Err(e) => {
            list.fail("report.signature", format!("VEK ({}) has no ECDSA P-384 public key: {e}", vek.source));
            return false;
        }
    };
    if !r.sig_high_bytes_zero {
        list.fail("report.signature", "signature R or S has non-zero bytes 48..71 (0x2D0..0x2E7 / 0x318..0x32F): the value exceeds the P-384 group order, so the signature is invalid");
        return false;
    }
    let sig = match p384::ecdsa::Signature::from_scalars(r.sig_r, r.sig_s) {
        Ok(s) => s,
        Err(_) => {
            list.fail("report.signature", "signature R or S is zero or not below the P-384 group order");
            return false;
        }
    };
    let ok = key.verify(r.signed_region(), &sig).is_ok();
    list.expect(
        "report.signature",
        ok,
        format!("ECDSA P-384/SHA-384 signature over report bytes 0x000..0x29F verifies with the VEK ({})", vek.source),
        format!("ECDSA P-384/SHA-384 signature over report bytes 0x000..0x29F does NOT verify with the VEK ({}): the report was altered or signed by another key", vek.source),
    );
    ok
}

fn check_bindings(r: &Report, key: SigningKey, ext: &VekExtensions, product: Product, list: &mut Checklist) {
    let reported = tcb::Tcb::decode(r.reported_tcb, product);
    match ext.tcb(product) {
        Err(missing) => list.fail("binding.reported_tcb", format!("VEK lacks TCB extensions {}", missing.join(", "))),
        Ok(cert_tcb) => {
            list.expect(
                "binding.reported_tcb",
                cert_tcb == reported,
                format!("REPORTED_TCB {} equals the VEK's TCB extensions", reported.describe()),
                format!("REPORTED_TCB {} differs from the VEK's TCB {}: the VEK was not derived for this TCB", reported.describe(), cert_tcb.describe()),
            );
            let current = tcb::Tcb::decode(r.current_tcb, product);
            list.expect(
                "binding.vek_tcb_current",
                cert_tcb.le(&current),
                format!("VEK TCB {} <= CURRENT_TCB {}", cert_tcb.describe(), current.describe()),
                format!("VEK TCB {} is above CURRENT_TCB {}", cert_tcb.describe(), current.describe()),
            );
        }
    }
    if key != SigningKey::Vcek {
        list.skip("binding.chip_id", "not applicable: a VLEK is not bound to one chip");
        return;
    }
    let Some(hw) = &ext.hw_id else {
        list.fail("binding.chip_id", "the VCEK has no hwID extension (1.3.6.1.4.1.3704.1.4)");
        return;
    };
    if r.chip_id.iter().all(|b| *b == 0) {
        list.skip("binding.chip_id", "CHIP_ID is all zero (MASK_CHIP_ID set by the host): nothing to compare with the VCEK hwID");
        return;
    }
    // Turin: an 8-byte hwID equals CHIP_ID[0:8] and CHIP_ID[8:64] is zero.
    let ok = match hw.len() {
        64 => hw[..] == r.chip_id[..],
        8 => hw[..] == r.chip_id[..8] && r.chip_id[8..].iter().all(|b| *b == 0),
        _ => false,
    };
    list.expect(
        "binding.chip_id",
        ok,
        format!("CHIP_ID equals the VCEK hwID ({} bytes)", hw.len()),
        format!("CHIP_ID {} does not match the VCEK hwID {}: the VCEK belongs to another chip", hex::encode(r.chip_id), hex::encode(hw)),
    );
}

fn check_vek_extensions(key: SigningKey, ext: &VekExtensions, list: &mut Checklist) {
    let mut problems = ext.problems.clone();
    match key {
        SigningKey::Vcek if ext.hw_id.is_none() => problems.push("a VCEK must carry hwID".into()),
        SigningKey::Vcek if ext.csp_id.is_some() => problems.push("a VCEK must not carry cspId".into()),
        SigningKey::Vlek if ext.csp_id.is_none() => problems.push("a VLEK must carry cspId".into()),
        SigningKey::Vlek if ext.hw_id.is_some() => problems.push("a VLEK must not carry hwID".into()),
        _ => {}
    }
    list.expect(
        "chain.vek.extensions",
        problems.is_empty(),
        format!(
            "AMD extensions present: productName {:?}, structVersion {:?}{}",
            ext.product_name.as_deref().unwrap_or("-"),
            ext.struct_version.unwrap_or(0),
            ext.csp_id.as_ref().map(|c| format!(", cspId \"{c}\"")).unwrap_or_default()
        ),
        problems.join("; "),
    );
}

fn vek_claims(vek: &Cert, ext: &VekExtensions, product: Option<Product>) -> Value {
    let (nb, na) = vek.validity();
    json!({
        "source": vek.source, "subject": vek.subject(), "issuer": vek.issuer(), "serial": format!("0x{}", vek.serial_hex()),
        "not_before": rfc3339(nb), "not_after": rfc3339(na), "sha256": hex::encode(vek.der_sha256()),
        "spki_sha256": hex::encode(vek.spki_sha256()), "product_name": ext.product_name, "struct_version": ext.struct_version,
        "hw_id": ext.hw_id.as_ref().map(hex::encode), "csp_id": ext.csp_id,
        "tcb": product.and_then(|p| ext.tcb(p).ok()),
    })
}

/// The KDS URL an operator would fetch this VCEK from on a connected machine (AMD #57230 §4.1).
fn kds_vcek_url(r: &Report, product: Product) -> String {
    let t = tcb::Tcb::decode(r.reported_tcb, product);
    let (id, fmc) = match product {
        Product::Turin => (hex::encode(&r.chip_id[..8]), format!("fmcSPL={}&", t.fmc.unwrap_or(0))),
        _ => (hex::encode(r.chip_id), String::new()),
    };
    format!(
        "https://kdsintf.amd.com/vcek/v1/{}/{id}?{fmc}blSPL={}&teeSPL={}&snpSPL={}&ucodeSPL={}",
        product.name(),
        t.boot_loader,
        t.tee,
        t.snp,
        t.microcode
    )
}

/// Verifies and appraises SEV-SNP evidence. Pure: the same input always gives the same appraisal.
pub fn verify(input: &SnpInput) -> Appraisal {
    let r = &input.evidence.report;
    let t = input.reference_time;
    let mut list = Checklist::default();
    list.pass("evidence.parse", format!("parsed a version {} SEV-SNP report ({})", r.version, input.evidence.form));
    if r.warnings.is_empty() {
        list.pass("evidence.reserved", "all reserved and must-be-zero bits are zero");
    } else {
        list.warn("evidence.reserved", format!("set reserved bits (accepted, reported): {}", r.warnings.join("; ")));
    }
    let (pool, crls) = gather(input, &mut list);
    let key = r.signing_key();
    let mut claims = Map::new();
    let mut anchor = TrustAnchor { kind: "none".into(), name: "none".into(), spki_sha256: String::new() };

    let vek = match key {
        SigningKey::Vcek | SigningKey::Vlek => {
            list.pass("evidence.signing_key", format!("SIGNING_KEY is {} (KEY_INFO 0x{:x})", key.name(), r.key_info));
            let found = select_vek(&pool, r, key);
            match (found, pool.any_vek()) {
                (Some(v), _) => list.pass("chain.vek.present", format!("{} supplied ({})", key.name(), v.source)),
                (None, Some(other)) => list.fail(
                    "chain.vek.present",
                    format!("the report is signed by a {} but the supplied key is a {} ({})", key.name(), other.subject_cn().unwrap_or_default(), other.source),
                ),
                (None, None) => list.fail(
                    "chain.vek.present",
                    format!("no {} was supplied (pass it with --chain, or an extended report with its certificate table): the report signature cannot be checked", key.name()),
                ),
            }
            found
        }
        SigningKey::None => {
            list.fail("evidence.signing_key", "SIGNING_KEY is 7: the report is not signed and proves nothing");
            None
        }
        SigningKey::Reserved(v) => {
            list.fail("evidence.signing_key", format!("SIGNING_KEY {v} is reserved"));
            None
        }
    };
    let ext = vek.map(VekExtensions::read);
    let product = decide_product(r, &input.policy, ext.as_ref(), &mut list).map(|(p, how)| {
        claims.insert("product".into(), json!(p.name()));
        claims.insert("product_detail".into(), json!(how));
        p
    });

    match (vek, &ext, product) {
        (Some(vek), Some(ext), Some(product)) => {
            check_vek_extensions(key, ext, &mut list);
            let outcome = chain::verify(&pool, vek, key, product, t, &mut list);
            anchor = outcome.anchor;
            if let (Some(ark), Some(int)) = (&outcome.ark, &outcome.intermediate) {
                crl::check(&crls, ark, int, t, input.policy.strict_crl, &mut list);
            }
            verify_report_signature(r, vek, &mut list);
            check_bindings(r, key, ext, product, &mut list);
            claims.insert("vek".into(), vek_claims(vek, ext, Some(product)));
        }
        _ => {
            let why = if vek.is_none() { "no VEK" } else { "the product line is unknown" };
            for id in ["chain", "report.signature", "binding.reported_tcb", "binding.chip_id"] {
                list.fail(id, format!("not verified: {why}"));
            }
        }
    }
    if let Some(hcl) = &input.evidence.hcl {
        crate::azure_hcl::check_binding(&r.report_data, hcl, &mut list);
        crate::azure_hcl::insert_claims(hcl, &mut claims);
    }
    crate::vtpm::check(input.vtpm.as_ref(), input.evidence.hcl.as_ref(), input.tpm_log.as_ref(), &input.vtpm_policy, &mut list, &mut claims);
    appraise::appraise(r, product.unwrap_or(Product::Milan), &input.policy, &mut list);

    let mut all = r.claims(product);
    all.append(&mut claims);
    all.insert("signing_key".into(), json!(key.name()));
    all.insert("evidence_form".into(), json!(input.evidence.form));
    if let Some(p) = product {
        if key == SigningKey::Vcek && r.chip_id.iter().any(|b| *b != 0) {
            all.insert("kds_vcek_url".into(), json!(kds_vcek_url(r, p)));
        }
    }
    let checks = list.into_checks();
    Appraisal {
        platform: "sev-snp".into(),
        verdict: verdict_of(&checks),
        reference_time: rfc3339(t),
        trust_anchor: anchor,
        checks,
        claims: all,
    }
}
