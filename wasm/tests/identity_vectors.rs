//! Pairing identities ([`custodian_core::identity`]) of the real vectors in ../shared/vectors (read at
//! run time, skipped visibly when absent): each evidence wants what its own endorsements offer, and
//! the negative look-alikes (a tampered RIM, a truncated device chain) offer the same key with another
//! digest, so pairing has to choose between them and can never take them for the same item.
mod common;
use custodian_core::identity::{identify, Identity};
use std::path::{Path, PathBuf};

fn root() -> Option<PathBuf> {
    common::shared_vectors("snp", "pairing identity tests").map(|p| p.parent().unwrap().to_path_buf())
}

fn id(root: &Path, rel: &str) -> Identity {
    identify(&std::fs::read(root.join(rel)).unwrap(), rel).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The offers of `endorsement` that meet a want of `evidence` (key, digest).
fn met(evidence: &Identity, endorsement: &Identity) -> Vec<(String, String)> {
    endorsement
        .offers
        .iter()
        .filter(|o| evidence.wants.iter().any(|w| w.keys.contains(&o.key)))
        .map(|o| (o.key.clone(), o.digest.clone()))
        .collect()
}

#[test]
fn each_evidence_wants_what_its_own_endorsements_offer() {
    let Some(r) = root() else { return };
    for (evidence, endorsements) in [
        ("snp/milan/routex-v3/report.bin", &["snp/milan/routex-v3/vcek.der", "snp/crl/milan_vcek_crl.der", "snp/roots/milan/ask.pem"][..]),
        ("snp/turin/routex-v5/report.bin", &["snp/turin/routex-v5/vcek.der"]),
        ("snp/vlek/milan-aws-v3/report.bin", &["snp/vlek/milan-aws-v3/vlek.der", "snp/roots/milan/asvk.der"]),
        ("snp/genoa/azure-v3/hcl_report.bin", &["snp/genoa/azure-v3/vcek.pem"]),
        ("tdx/quotes/tdx_v4_00806f05_azure_vtpm.bin", &["tdx/collateral/assembled_2025-06_00806F050000.json", "tdx/quotes/azure_hcl_report_for_tdx_v4_00806f05.bin"]),
        ("tdx/sgx/quotes/sgx_v3_00606a_automata_mock.bin", &["tdx/sgx/collateral/raw/automata_2025-08_tcbinfo_sgx_00606A000000.json", "tdx/sgx/collateral/raw/automata_2025-08_qe_identity_sgx_qe.json"]),
        ("nvidia/switch-ls10/ls10-96.10.55.00.01/report.hex", &["nvidia/switch-ls10/ls10-96.10.55.00.01/rim-NV_SWITCH_BIOS_5612_0002_890_9610550001.xml", "nvidia/switch-ls10/ls10-96.10.55.00.01/cert-chain.pem"]),
        ("nvidia/gpu-hopper/h100-570.124.03/report.hex", &["nvidia/gpu-hopper/h100-570.124.03/cert-chain.pem", "nvidia/rims/vbios/1010_0205_862_96005E0004_PROD.swidtag"]),
    ] {
        let e = id(&r, evidence);
        for f in endorsements {
            assert!(!met(&e, &id(&r, f)).is_empty(), "{evidence} wants nothing {f} offers: wants {:?}, offers {:?}", e.wants, id(&r, f).offers);
        }
    }
}

#[test]
fn endorsements_of_other_chips_platforms_and_devices_are_not_wanted() {
    let Some(r) = root() else { return };
    for (evidence, other) in [
        // Another chip's VCEK, another product's CRL, a VCEK whose hwID is a test pattern.
        ("snp/milan/routex-v3/report.bin", "snp/milan/gsg-v2-debug/vcek.der"),
        ("snp/milan/routex-v3/report.bin", "snp/crl/genoa_vcek_crl.der"),
        ("snp/milan/routex-v3/report.bin", "snp/negative/vcek_badsig_hwid_raw.der"),
        // Collateral of another FMSPC; an SGX QE Identity for a TD quote.
        ("tdx/quotes/tdx_v4_b0c06f_dcapqvl.bin", "tdx/collateral/raw/automata_2025-06_tcbinfo_tdx_90C06F000000.json"),
        ("tdx/quotes/tdx_v4_b0c06f_dcapqvl.bin", "tdx/sgx/collateral/raw/automata_2025-08_qe_identity_sgx_qe.json"),
        // Another device's chain (FWID differs), a RIM of another version, a CC event log whose replay is not this quote's RTMR0.
        ("nvidia/gpu-hopper/h100-570.124.03/report.hex", "nvidia/gpu-hopper/h100-580.159.03/cert-chain.pem"),
        ("nvidia/gpu-hopper/h100-570.124.03/report.hex", "nvidia/rims/vbios/1010_0200_882_96005E0001_PROD.swidtag"),
        ("tdx/quotes/tdx_v4_50806f_trustee_debug.bin", "formats/trustee/tdx-ccel/CCEL_data"),
    ] {
        assert!(met(&id(&r, evidence), &id(&r, other)).is_empty(), "{evidence} must not want {other}");
    }
}

#[test]
fn negative_look_alikes_offer_the_same_key_with_another_digest() {
    let Some(r) = root() else { return };
    let ls10 = "nvidia/switch-ls10/ls10-96.10.55.00.01";
    let h100 = "nvidia/gpu-hopper/h100-545.00-nonce4cff";
    for (evidence, genuine, negative) in [
        (format!("{ls10}/report.hex"), format!("{ls10}/rim-NV_SWITCH_BIOS_5612_0002_890_9610550001.xml"), format!("{ls10}/rim-NV_SWITCH_BIOS_5612_0002_890_9610550001-TAMPERED-sig.xml")),
        (format!("{h100}/report.hex"), format!("{h100}/cert-chain.pem"), format!("{h100}/negative-cert-chain-missing-brom.pem")),
    ] {
        let e = id(&r, &evidence);
        let (g, n) = (met(&e, &id(&r, &genuine)), met(&e, &id(&r, &negative)));
        assert_eq!(g.iter().map(|x| &x.0).collect::<Vec<_>>(), n.iter().map(|x| &x.0).collect::<Vec<_>>(), "{negative} offers what {genuine} does");
        assert!(g.iter().zip(&n).all(|(a, b)| a.1 != b.1), "{negative} is another item than {genuine}");
    }
    // One certificate in DER and in PEM is one item.
    assert_eq!(id(&r, "snp/genoa/azure-v3/vcek.der").offers, id(&r, "snp/genoa/azure-v3/vcek.pem").offers);
}

#[test]
fn files_that_are_not_endorsements_are_errors_or_offer_nothing() {
    let Some(r) = root() else { return };
    assert!(identify(&std::fs::read(r.join("snp/manifest.json")).unwrap(), "manifest.json").is_err());
    assert!(id(&r, "snp/roots/milan/ark.pem").offers.is_empty(), "an ARK is pinned, never paired");
}
