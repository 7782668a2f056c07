//! Custodian as a Trustee KBS, checked by a Trustee guest built from Trustee's own code.
//!
//! This test acts as a guest-components guest. It generates its TEE key pairs with RustCrypto
//! (P-256, P-521, RSA-2048, as `kbs_protocol/src/keypair.rs` `TeeKeyPair::new_with_algorithm` does),
//! runs a full rehearsal ceremony through Custodian's CLI for each (vault init, key import, ceremony
//! open/challenge, `rehearse snp --tee-pubkey`, `ceremony evidence --attestation`, two approvals,
//! release), and then reads every message with Trustee's serde types from kbs-types 0.18.0:
//! the challenge as `Challenge`, the attestation as `Attestation`, the bundle as `Response`.
//! It decrypts the bundle exactly as the guest does and compares the plaintext with the imported key.
//!
//! Followed, at confidential-containers/guest-components 8246e5e0977f6322f0a1b0f77e0739cf1c3e1f74:
//! - `attestation-agent/kbs_protocol/src/keypair.rs` `decrypt_response` / `unwrap_cek`: AAD =
//!   `response.protected.generate_aad()` (the header re-serialized by kbs-types, not the text sent);
//!   ECDH-ES+A256KW needs `epk.crv` equal to the key's curve;
//! - `attestation-agent/deps/crypto/src/rust/ec.rs` `unwrap_key`: ECDH raw secret, Concat KDF
//!   (SHA-256, OtherInfo = len(alg)‖alg‖0u32‖0u32‖256u32) into an AES-256 KW key, AES-KW unwrap;
//! - `attestation-agent/deps/crypto/src/rust/rsa.rs` `decrypt`: RSA-OAEP with SHA-256;
//! - `attestation-agent/deps/crypto/src/rust/aes256gcm.rs` `decrypt_with_aad_detached_tag`;
//! - `attestation-agent/kbs_protocol/src/client/rcar_client.rs` `get_composite_evidence`: device
//!   runtime data = H(JCS(RuntimeData)), primary runtime data = H(JCS({"tee-pubkey", "nonce",
//!   "additional-evidence"})), JCS by serde_json_canonicalizer; `attester/src/snp/mod.rs`: the SNP
//!   evidence is sev's `AttestationReport` serde form; `attester/src/nvidia/nvat.rs`: the device
//!   nonce is the first 32 bytes of the device runtime data.
//! And at confidential-containers/trustee 78962cd416dcc8a32f9377e0066a28fe21420f69:
//! `kbs/src/jwe/mod.rs` (the header a KBS writes: alg, enc, epk{crv,kty,x,y}; no `aad` member).
//!
//! Needs node and the checkout's node_modules (tsx); the CLI runs from TypeScript source.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kbs_types::{Attestation, Challenge, HashAlgorithm, Response, RuntimeData, Tee, TeePubKey};
use serde_json::{json, Value};

/// The checkout (two levels above this crate).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The guest's TEE key pair, as guest-components generates one.
enum GuestKey {
    P256(p256::SecretKey),
    P521(p521::SecretKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

impl GuestKey {
    /// `TeeKeyPair::export_pubkey`: kbs-types `TeePubKey` with alg, base64url coordinates / modulus.
    fn pubkey(&self) -> TeePubKey {
        use rsa::traits::PublicKeyParts;
        let b = |v: &[u8]| URL_SAFE_NO_PAD.encode(v);
        match self {
            GuestKey::P256(k) => {
                let p = p256::EncodedPoint::from(k.public_key());
                TeePubKey::EC { crv: "P-256".into(), alg: "ECDH-ES+A256KW".into(), x: b(p.x().unwrap()), y: b(p.y().unwrap()) }
            }
            GuestKey::P521(k) => {
                let p = p521::EncodedPoint::from(k.public_key());
                TeePubKey::EC { crv: "P-521".into(), alg: "ECDH-ES+A256KW".into(), x: b(p.x().unwrap()), y: b(p.y().unwrap()) }
            }
            GuestKey::Rsa(k) => TeePubKey::RSA { alg: "RSA-OAEP-256".into(), k_mod: b(&k.n().to_bytes_be()), k_exp: b(&k.e().to_bytes_be()) },
        }
    }

    /// `TeeKeyPair::decrypt_response`, step by step as guest-components does it.
    fn decrypt_response(&self, response: &Response) -> Result<Vec<u8>, String> {
        let h = &response.protected;
        let cek: Vec<u8> = match self {
            GuestKey::Rsa(k) => {
                if h.alg != "RSA-OAEP-256" {
                    return Err(format!("alg {} for an RSA key", h.alg));
                }
                k.decrypt(rsa::Oaep::new::<sha2::Sha256>(), &response.encrypted_key).map_err(|e| format!("RSA-OAEP: {e}"))?
            }
            _ => {
                if h.alg != "ECDH-ES+A256KW" {
                    return Err(format!("alg {} for an EC key", h.alg));
                }
                let epk = h.other_fields.get("epk").ok_or("no epk")?;
                let crv = epk["crv"].as_str().ok_or("epk.crv")?;
                let x = URL_SAFE_NO_PAD.decode(epk["x"].as_str().ok_or("epk.x")?).map_err(|e| e.to_string())?;
                let y = URL_SAFE_NO_PAD.decode(epk["y"].as_str().ok_or("epk.y")?).map_err(|e| e.to_string())?;
                let z = match self {
                    GuestKey::P256(k) => {
                        if crv != "P-256" {
                            return Err(format!("Unmatched curve: {crv}"));
                        }
                        let point = p256::EncodedPoint::from_affine_coordinates(x.as_slice().into(), y.as_slice().into(), false);
                        let public = Option::<p256::PublicKey>::from(p256::elliptic_curve::sec1::FromEncodedPoint::from_encoded_point(&point)).ok_or("invalid epk")?;
                        p256::ecdh::diffie_hellman(k.to_nonzero_scalar(), public.as_affine()).raw_secret_bytes().to_vec()
                    }
                    GuestKey::P521(k) => {
                        if crv != "P-521" {
                            return Err(format!("Unmatched curve: {crv}"));
                        }
                        if x.len() != 66 || y.len() != 66 {
                            return Err("P-521 epk coordinates must be 66 bytes".into());
                        }
                        let point = p521::EncodedPoint::from_affine_coordinates(x.as_slice().into(), y.as_slice().into(), false);
                        let public = Option::<p521::PublicKey>::from(p521::elliptic_curve::sec1::FromEncodedPoint::from_encoded_point(&point)).ok_or("invalid epk")?;
                        p521::ecdh::diffie_hellman(k.to_nonzero_scalar(), public.as_affine()).raw_secret_bytes().to_vec()
                    }
                    GuestKey::Rsa(_) => unreachable!(),
                };
                let alg = "ECDH-ES+A256KW";
                let mut other = Vec::new();
                other.extend_from_slice(&(alg.len() as u32).to_be_bytes());
                other.extend_from_slice(alg.as_bytes());
                other.extend_from_slice(&0u32.to_be_bytes());
                other.extend_from_slice(&0u32.to_be_bytes());
                other.extend_from_slice(&256u32.to_be_bytes());
                let mut kek = [0u8; 32];
                concat_kdf::derive_key_into::<sha2::Sha256>(&z, &other, &mut kek).map_err(|e| format!("concat KDF: {e:?}"))?;
                aes_kw::KekAes256::from(kek).unwrap_vec(&response.encrypted_key).map_err(|e| format!("AES-KW unwrap: {e:?}"))?
            }
        };
        let aad = h.generate_aad().map_err(|e| format!("generate_aad: {e:?}"))?;
        let cipher = Aes256Gcm::new_from_slice(&cek).map_err(|e| e.to_string())?;
        if response.iv.len() != 12 || response.tag.len() != 16 {
            return Err("iv/tag length".into());
        }
        let mut buf = response.ciphertext.clone();
        cipher
            .decrypt_in_place_detached(Nonce::from_slice(&response.iv), &aad, &mut buf, Tag::from_slice(&response.tag))
            .map_err(|_| "aes-256-gcm decrypt failed (decrypt KBS response body failed)".to_string())?;
        Ok(buf)
    }
}

/// Runs the Custodian CLI from source in the checkout; panics with its output when it fails.
fn custodian(env: &Env, args: &[&str]) -> String {
    let out = Command::new("node")
        .current_dir(root())
        .args(["--import", "tsx", "electron/cli/main.ts"])
        .args(args)
        .env("XDG_CONFIG_HOME", env.dir.join("config"))
        .env("CUSTODIAN_ESCROW_DIR", &env.escrow)
        .output()
        .expect("node on PATH");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "custodian {args:?} failed ({}):\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    stdout
}

struct Env {
    dir: PathBuf,
    escrow: PathBuf,
    vault: String,
    key_id: String,
    model_key: Vec<u8>,
}

/// One vault (2 of 2 custodians, default Argon2) with one imported AES-256 key whose
/// release policy allows TEST anchors: shared by the tests, which run their ceremonies one at a time.
fn env() -> &'static std::sync::Mutex<Env> {
    static ENV: OnceLock<std::sync::Mutex<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("custodian-interop-trustee-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let escrow = PathBuf::from(format!("/dev/shm/custodian-interop-trustee-{}", std::process::id()));
        let model_key: Vec<u8> = (0..32).map(|_| rand::random::<u8>()).collect();
        std::fs::write(dir.join("model.key"), &model_key).unwrap();
        for who in ["alice", "bob"] {
            std::fs::write(dir.join(format!("{who}.pass")), format!("interop passphrase of {who}, long enough\n")).unwrap();
        }
        let mut e = Env { vault: dir.join("vault.db").to_string_lossy().into_owned(), dir, escrow, key_id: String::new(), model_key };
        let p = |n: &str| e.dir.join(n).to_string_lossy().into_owned();
        let (alice, bob, key) = (format!("alice:{}", p("alice.pass")), format!("bob:{}", p("bob.pass")), p("model.key"));
        custodian(&e, &["--vault", &e.vault, "vault", "init", "--custodian", &alice, "--custodian", &bob, "--threshold", "2"]);
        let id = custodian(&e, &["--vault", &e.vault, "key", "import", "--name", "model", "--file", &key, "--allow-test-anchor", "--approvals", "2", "--custodian", "alice", "--passphrase-file", &p("alice.pass")]);
        e.key_id = id.trim().to_string();
        std::sync::Mutex::new(e)
    })
}

/// What one ceremony produced, as files, for a guest with `key`.
struct Released {
    challenge: Vec<u8>,
    attestation: Vec<u8>,
    report: Vec<u8>,
    bundle: Vec<u8>,
}

/// A full rehearsal ceremony releasing the vault's key to the guest key `key` (the guest's public
/// key goes to `rehearse snp --tee-pubkey`; the vault takes the guest's Attestation file).
fn ceremony(key: &GuestKey, label: &str) -> Released {
    let e = env().lock().unwrap_or_else(|p| p.into_inner());
    let d = e.dir.join(label);
    std::fs::create_dir_all(&d).unwrap();
    let p = |n: &str| d.join(n).to_string_lossy().into_owned();
    let v = ["--vault", e.vault.as_str()];
    let run = |args: &[&str]| custodian(&e, &[&v[..], args].concat());
    let cid = run(&["ceremony", "open", "--key", &e.key_id]).trim().to_string();
    run(&["ceremony", "challenge", &cid, "--out", &p("challenge.json")]);
    std::fs::write(p("tee-pubkey.jwk"), serde_json::to_string(&key.pubkey()).unwrap()).unwrap();
    custodian(&e, &["rehearse", "snp", "--challenge", &p("challenge.json"), "--tee-pubkey", &p("tee-pubkey.jwk"), "--out", &p("guest")]);
    let g = |n: &str| d.join("guest").join(n).to_string_lossy().into_owned();
    run(&["ceremony", "evidence", &cid, "--attestation", &g("attestation.json"), "--crl", &g("crl.der"), "--test-anchor", &g("test-anchor.pem")]);
    let shown: Value = serde_json::from_str(&run(&["ceremony", "show", &cid, "--json"])).unwrap();
    let request = shown["data"]["request_sha256"].as_str().unwrap().to_string();
    for who in ["alice", "bob"] {
        let pass = e.dir.join(format!("{who}.pass")).to_string_lossy().into_owned();
        run(&["ceremony", "approve", &cid, "--custodian", who, "--passphrase-file", &pass, "--request-hash", &request]);
    }
    run(&["ceremony", "release", &cid, "--out", &p("bundle.json"), "--receipt", &p("receipt.jws")]);
    let read = |path: String| std::fs::read(path).unwrap();
    Released { challenge: read(p("challenge.json")), attestation: read(g("attestation.json")), report: read(g("report.bin")), bundle: read(p("bundle.json")) }
}

fn jcs<T: serde::Serialize>(v: &T) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(v).unwrap()
}

fn pad64(d: Vec<u8>) -> Vec<u8> {
    let mut out = d;
    out.resize(64, 0);
    out
}

/// Everything a Trustee guest does with a Custodian release, for one key type.
fn guest_round_trip(key: GuestKey, label: &str) {
    let r = ceremony(&key, label);

    // Failure: the challenge file is not a Trustee Challenge → the guest cannot read it.
    let challenge: Challenge = serde_json::from_slice(&r.challenge).expect("kbs_types::Challenge parses the challenge file");
    let alg: HashAlgorithm = challenge.extra_params["selected-hash-algorithm"].as_str().unwrap_or("sha384").parse().unwrap();

    // Failure: the attestation the rehearsal writes is not what a guest posts.
    let att: Attestation = serde_json::from_slice(&r.attestation).expect("kbs_types::Attestation parses attestation.json");
    assert_eq!(att.runtime_data.nonce, challenge.nonce, "the attestation answers the challenge");
    assert_eq!(serde_json::to_value(&att.runtime_data.tee_pubkey).unwrap(), serde_json::to_value(key.pubkey()).unwrap());
    // SNP evidence in sev's serde form: sev (the crate the guest's attester uses) rebuilds the signed bytes.
    let report: sev::firmware::guest::AttestationReport = serde_json::from_value(att.tee_evidence.primary_evidence["attestation_report"].clone()).expect("sev parses attestation_report");
    let mut bytes = Vec::new();
    report.write_bytes(&mut bytes).unwrap();
    assert_eq!(bytes, r.report, "sev's write_bytes of the JSON report is the signed report");
    assert_eq!(serde_json::to_value(sev::firmware::guest::AttestationReport::from_bytes(&r.report).unwrap()).unwrap(), att.tee_evidence.primary_evidence["attestation_report"], "the JSON is sev's own serialization of the report");
    let certs: Vec<sev::firmware::host::CertTableEntry> = serde_json::from_value(att.tee_evidence.primary_evidence["cert_chain"].clone()).expect("sev parses cert_chain");
    assert_eq!(certs.len(), 3);

    // Threat: a REPORT_DATA that Trustee's rule does not give → a current guest is refused.
    let primary = json!({"tee-pubkey": att.runtime_data.tee_pubkey, "nonce": att.runtime_data.nonce, "additional-evidence": att.tee_evidence.additional_evidence});
    assert_eq!(&bytes[0x50..0x90], pad64(alg.digest(&jcs(&primary))).as_slice(), "REPORT_DATA is Trustee's ≥ 0.14 binding");

    // Threat: the AAD kbs-types rebuilds differs from the one the bundle was sealed with → the guest cannot decrypt.
    let sent: Value = serde_json::from_slice(&r.bundle).unwrap();
    let keys: Vec<&String> = sent.as_object().unwrap().keys().collect();
    for k in &keys {
        assert!(["protected", "encrypted_key", "iv", "ciphertext", "tag"].contains(&k.as_str()), "unexpected Response member {k}");
    }
    let response: Response = serde_json::from_slice(&r.bundle).expect("kbs_types::Response parses the bundle");
    assert_eq!(String::from_utf8(response.protected.generate_aad().unwrap()).unwrap(), sent["protected"].as_str().unwrap(), "generate_aad() reproduces the protected header byte for byte");
    assert_eq!(response.protected.enc, "A256GCM");

    // The point: the guest holds the key that was imported.
    let plaintext = key.decrypt_response(&response).expect("the guest decrypts the bundle");
    let e = env().lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(plaintext, e.model_key, "the released plaintext is the imported model key");
    drop(e);

    // Threat: any other key of the guest's kind decrypts it.
    let other = match key {
        GuestKey::P256(_) => GuestKey::P256(p256::SecretKey::random(&mut rand::thread_rng())),
        GuestKey::P521(_) => GuestKey::P521(p521::SecretKey::random(&mut rand::thread_rng())),
        GuestKey::Rsa(_) => GuestKey::Rsa(Box::new(rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap())),
    };
    assert!(other.decrypt_response(&response).is_err(), "another TEE key cannot decrypt");
}

#[test]
fn p256_guest_gets_the_key_unmodified() {
    guest_round_trip(GuestKey::P256(p256::SecretKey::random(&mut rand::thread_rng())), "p256");
}

#[test]
fn p521_guest_gets_the_key_unmodified() {
    guest_round_trip(GuestKey::P521(p521::SecretKey::random(&mut rand::thread_rng())), "p521");
}

#[test]
fn rsa_guest_gets_the_key_unmodified() {
    guest_round_trip(GuestKey::Rsa(Box::new(rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap())), "rsa");
}

/// Threat: Custodian's binding differs from Trustee's runtime-data rule for a guest with GPUs (non-empty
/// additional evidence) or without (empty) → such a guest is refused, or evidence for other devices accepted.
/// binding.ts is run through node and compared with the rule computed here with kbs-types and
/// serde_json_canonicalizer, as guest-components computes it.
#[test]
fn binding_equals_trustee_runtime_data_rule() {
    let key = GuestKey::P256(p256::SecretKey::random(&mut rand::thread_rng()));
    let tee_pubkey = key.pubkey();
    let nonce = "y4XU0rQzG2Qz1Yx7m2b5o2Vb0h9P3s8wQm3F2l6T1aM=".to_string();
    // What `get_additional_evidence` returns with one NVIDIA attester: serde_json of HashMap<Tee, Value>.
    let mut devices = HashMap::new();
    devices.insert(Tee::Nvidia, json!({"device_evidence_list": [{"arch": "HOPPER", "uuid": "GPU-0f1e", "evidence": "AAEC", "certificate": "LS0t"}]}));
    let gpu = serde_json::to_string(&devices).unwrap();
    assert!(gpu.starts_with("{\"nvidia\":"));
    let dir = std::env::temp_dir().join(format!("custodian-interop-binding-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let jwk = dir.join("tee.jwk");
    std::fs::write(&jwk, serde_json::to_string(&tee_pubkey).unwrap()).unwrap();
    for (alg_name, alg) in [("sha256", HashAlgorithm::Sha256), ("sha384", HashAlgorithm::Sha384), ("sha512", HashAlgorithm::Sha512)] {
        for additional in ["".to_string(), gpu.clone()] {
            let ae = dir.join("ae.txt");
            std::fs::write(&ae, &additional).unwrap();
            let out = Command::new("node")
                .current_dir(root())
                .args(["--import", "tsx", "interop/trustee/binding.mts", &nonce, jwk.to_str().unwrap(), alg_name, ae.to_str().unwrap()])
                .output()
                .expect("node on PATH");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let ours: Value = serde_json::from_slice(&out.stdout).unwrap();
            // rcar_client.rs get_composite_evidence, verbatim in effect:
            let runtime_data = RuntimeData { nonce: nonce.clone(), tee_pubkey: tee_pubkey.clone() };
            let device_hash = alg.digest(&jcs(&runtime_data));
            let primary = json!({"tee-pubkey": runtime_data.tee_pubkey, "nonce": runtime_data.nonce, "additional-evidence": additional});
            let report_data = pad64(alg.digest(&jcs(&primary)));
            let mut device_nonce = device_hash.clone();
            device_nonce.resize(device_nonce.len().max(32), 0);
            let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
            assert_eq!(ours["report_data"], hex(&report_data), "{alg_name}, additional evidence {:?}", additional.len());
            assert_eq!(ours["device_nonce"], hex(&device_nonce[..32]), "{alg_name}: NVIDIA device nonce");
            // The pre-0.14 rule (hash of RuntimeData itself) is a different value.
            assert_eq!(ours["legacy"], hex(&pad64(device_hash)));
            assert_ne!(ours["legacy"], ours["report_data"]);
        }
    }
}
