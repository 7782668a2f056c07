//! Azure vTPM quotes: the `tpm_quote` of Trustee's `az-snp-vtpm` / `az-tdx-vtpm` evidence
//! (guest-components attester `az_snp_vtpm`/`az_tdx_vtpm`, crate az-cvm-vtpm `vtpm::Quote`):
//! `{"signature": hex, "message": hex, "pcrs": [hex, …]}` where
//! - `message` is the TPMS_ATTEST the vTPM signed (TPM 2.0 Library Part 2 §10.12.12), of type
//!   TPM_ST_ATTEST_QUOTE with a TPMS_QUOTE_INFO (§10.12.1: TPML_PCR_SELECTION + TPM2B_DIGEST);
//! - `signature` is the bare RSASSA-PKCS1-v1_5 signature (the TPMT_SIGNATURE's `sig` buffer, as
//!   many bytes as the key's modulus) over `message` with SHA-256, by the vTPM attestation key, whose
//!   public part is the JWK `kid: "HCLAkPub"` in the HCL runtime data;
//! - `pcrs` are the SHA-256 PCR values of the quoted selection, in selection order (az-cvm-vtpm
//!   quotes PCRs 0–23 of the SHA-256 bank, so `pcrs[i]` is PCR i).
//!
//! The chain of trust: the hardware report (SNP report or TD quote) binds the HCL runtime data
//! (`binding.hcl_runtime_data`), the runtime data carries the AK, the AK signs the quote, and the
//! quote's PCR digest covers the PCR values. Checks (Trustee verifier `az_snp_vtpm`/`az_tdx_vtpm`
//! steps 1–3, each reported): `vtpm.quote.signature`, `vtpm.quote.pcr_digest`, `vtpm.quote.nonce`.
//! The attested PCRs become the claims `tpm.pcr00`…`tpm.pcr23` (Trustee's claim names).

use base64::Engine;
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::appraisal::Checklist;
use crate::azure_hcl::HclRuntime;
use crate::cursor::Cursor;
use crate::error::InputError;
use crate::eventlog::EventLog;
use crate::policy_util::check_hex;

/// TPM_GENERATED_VALUE: every TPMS_ATTEST a TPM signs starts with it (Part 2 §6.2).
pub const TPM_GENERATED: u32 = 0xff54_4347;
/// TPM_ST_ATTEST_QUOTE (Part 2 §6.9).
pub const ST_ATTEST_QUOTE: u16 = 0x8018;
/// TPM_ALG_SHA256 (TCG Algorithm Registry).
pub const ALG_SHA256: u16 = 0x000b;
/// The JWK `kid` of the vTPM attestation key in the HCL runtime data.
pub const AK_KID: &str = "HCLAkPub";
/// Largest TPM2B_DATA / TPM2B_DIGEST (sizeof(TPMU_HA): SHA-512) and TPM2B_NAME (hash alg + digest).
const MAX_DIGEST: usize = 64;
const MAX_NAME: usize = 2 + MAX_DIGEST;
/// Most PCR banks a TPML_PCR_SELECTION may list (HASH_COUNT in practice is ≤ 5; bounded generously).
const MAX_BANKS: u32 = 16;

/// One TPMS_PCR_SELECTION: a bank and its bitmap (PCR i selected when bit i%8 of byte i/8 is set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcrSelection {
    pub hash: u16,
    pub select: Vec<u8>,
}

impl PcrSelection {
    /// The selected PCR indices, ascending.
    pub fn indices(&self) -> Vec<usize> {
        (0..self.select.len() * 8).filter(|i| self.select[i / 8] & (1 << (i % 8)) != 0).collect()
    }
}

/// A TPMS_ATTEST of type quote (Part 2 §10.12.12), every field as signed.
#[derive(Debug, Clone)]
pub struct Attest {
    /// TPM2B_NAME of the signing key.
    pub qualified_signer: Vec<u8>,
    /// TPM2B_DATA: the caller's qualifying data (the nonce).
    pub extra_data: Vec<u8>,
    /// TPMS_CLOCK_INFO: clock (ms), resetCount, restartCount, safe.
    pub clock: u64,
    pub reset_count: u32,
    pub restart_count: u32,
    pub safe: u8,
    pub firmware_version: u64,
    /// TPMS_QUOTE_INFO.pcrSelect.
    pub selections: Vec<PcrSelection>,
    /// TPMS_QUOTE_INFO.pcrDigest: the hash of the selected PCR values, concatenated in selection order.
    pub pcr_digest: Vec<u8>,
}

/// A vTPM quote as Trustee's evidence carries it, decoded.
#[derive(Debug, Clone)]
pub struct VtpmQuote {
    /// File (and member) it came from, for messages.
    pub file: String,
    pub signature: Vec<u8>,
    /// The TPMS_ATTEST bytes exactly as signed.
    pub message: Vec<u8>,
    pub attest: Attest,
    pub pcrs: Vec<Vec<u8>>,
}

/// The `"vtpm"` object of a Custodian policy. Unknown keys are rejected.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VtpmPolicy {
    /// The nonce the vTPM quote must carry as extraData (hex, 1–64 bytes; Trustee passes its
    /// expected report data, e.g. 6368616c6c656e6765 = "challenge" in its tests).
    pub nonce: Option<String>,
    /// Digests required of named TPM event log events (e.g. the kernel command line in PCR 8 or the
    /// boot loader in PCR 4): each names the events it is about and the SHA-256 one of them must
    /// carry; the log must be given beside the quote and replay to its PCRs ([`crate::vtpm_log`]).
    pub event_digests: Option<Vec<PcrEventDigest>>,
}

/// One required event digest of `vtpm.event_digests`. Events are selected by every selector given
/// (at least one): the PCR they extend (0–23), their TCG type name (e.g. `EV_IPL`,
/// `EV_EFI_BOOT_SERVICES_APPLICATION`) and a substring of their decoded description; one selected
/// event must carry `sha256` (32-byte hex), and its PCR's replay must equal the quoted PCR.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PcrEventDigest {
    pub pcr: Option<u8>,
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    pub description: Option<String>,
    pub sha256: String,
}

impl VtpmPolicy {
    /// Checks `nonce` is hex of 1–64 bytes; the error names the option.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(n) = &self.nonce {
            let len = n.len() / 2;
            if n.is_empty() || len > MAX_DIGEST {
                return Err(format!("policy vtpm.nonce: {} hex digits; a TPM2B_DATA nonce is 1–64 bytes", n.len()));
            }
            check_hex("vtpm", "nonce", &self.nonce, len)?;
        }
        for (i, d) in self.event_digests.iter().flatten().enumerate() {
            crate::policy_util::hex_option("vtpm", &format!("event_digests[{i}].sha256"), &d.sha256, 32)?;
            if d.pcr.is_none() && d.event_type.is_none() && d.description.is_none() {
                return Err(format!("policy vtpm.event_digests[{i}]: name the events with at least one of pcr, type, description"));
            }
            if let Some(p) = d.pcr.filter(|p| *p > 23) {
                return Err(format!("policy vtpm.event_digests[{i}].pcr: {p} is not 0–23"));
            }
        }
        Ok(())
    }

    fn nonce_bytes(&self) -> Option<Vec<u8>> {
        self.nonce.as_deref().and_then(|n| hex::decode(n.trim()).ok())
    }
}

/// True when `bytes` is a Trustee `tpm_quote` JSON object (members `signature`, `message`, `pcrs`).
pub fn looks_like_quote(bytes: &[u8]) -> bool {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return false;
    }
    match serde_json::from_slice::<Map<String, Value>>(bytes) {
        Ok(m) => ["signature", "message", "pcrs"].iter().all(|k| m.contains_key(*k)),
        Err(_) => false,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuoteJson {
    signature: String,
    message: String,
    pcrs: Vec<String>,
}

fn hex_member(text: &str, file: &str, field: &str) -> Result<Vec<u8>, InputError> {
    hex::decode(text.trim()).map_err(|e| InputError::new(file, field, format!("not hex: {e}")))
}

/// Reads a Trustee `tpm_quote` JSON (`file` names it in errors): hex members decoded and the
/// TPMS_ATTEST parsed ([`parse_attest`]). Errors name the member (`tpm_quote.pcrs[3]`, or the
/// TPMS_ATTEST field) and never panic.
pub fn parse(bytes: &[u8], file: &str) -> Result<VtpmQuote, InputError> {
    let j: QuoteJson = serde_json::from_slice(bytes).map_err(|e| InputError::new(file, "tpm_quote", format!("not a vTPM quote {{signature, message, pcrs}}: {e}")))?;
    let signature = hex_member(&j.signature, file, "tpm_quote.signature")?;
    let message = hex_member(&j.message, file, "tpm_quote.message")?;
    if j.pcrs.len() > 64 {
        return Err(InputError::new(file, "tpm_quote.pcrs", format!("{} values; a PCR bank has at most 64 (24 in practice)", j.pcrs.len())));
    }
    let pcrs = j.pcrs.iter().enumerate().map(|(i, p)| hex_member(p, file, &format!("tpm_quote.pcrs[{i}]"))).collect::<Result<Vec<_>, _>>()?;
    let attest = parse_attest(&message, file)?;
    Ok(VtpmQuote { file: file.to_string(), signature, message, attest, pcrs })
}

fn tpm2b<'a>(c: &mut Cursor<'a>, field: &str, max: usize) -> Result<&'a [u8], InputError> {
    let size = c.u16_be(&format!("{field}.size"))? as usize;
    if size > max {
        return Err(InputError::new(c.file, field, format!("size {size} at offset {} exceeds the largest allowed ({max})", c.pos - 2)));
    }
    c.take(size, field)
}

/// Parses a TPMS_ATTEST of type quote (big-endian, Part 2 §10.12.12 / §10.12.1 / §10.12.2):
/// magic, type, qualifiedSigner (TPM2B_NAME), extraData (TPM2B_DATA), clockInfo (TPMS_CLOCK_INFO),
/// firmwareVersion, then TPMS_QUOTE_INFO (TPML_PCR_SELECTION, TPM2B_DIGEST). Errors name the
/// field (`TPMS_ATTEST.extraData`…) for a cut-off, oversized or trailing structure, a wrong magic or
/// a type other than quote.
pub fn parse_attest(b: &[u8], file: &str) -> Result<Attest, InputError> {
    let mut c = Cursor::new(b, file, "TPMS_ATTEST (tpm_quote.message)");
    let magic = c.u32_be("TPMS_ATTEST.magic")?;
    if magic != TPM_GENERATED {
        return Err(InputError::new(file, "TPMS_ATTEST.magic", format!("0x{magic:08x}, not TPM_GENERATED_VALUE 0xff544347: this is not a structure a TPM signed")));
    }
    let kind = c.u16_be("TPMS_ATTEST.type")?;
    if kind != ST_ATTEST_QUOTE {
        return Err(InputError::new(file, "TPMS_ATTEST.type", format!("0x{kind:04x}, not TPM_ST_ATTEST_QUOTE 0x8018: not a PCR quote")));
    }
    let qualified_signer = tpm2b(&mut c, "TPMS_ATTEST.qualifiedSigner", MAX_NAME)?.to_vec();
    let extra_data = tpm2b(&mut c, "TPMS_ATTEST.extraData", MAX_DIGEST)?.to_vec();
    let clock = c.u64_be("TPMS_ATTEST.clockInfo.clock")?;
    let reset_count = c.u32_be("TPMS_ATTEST.clockInfo.resetCount")?;
    let restart_count = c.u32_be("TPMS_ATTEST.clockInfo.restartCount")?;
    let safe = c.u8("TPMS_ATTEST.clockInfo.safe")?;
    let firmware_version = c.u64_be("TPMS_ATTEST.firmwareVersion")?;
    let count = c.u32_be("TPMS_QUOTE_INFO.pcrSelect.count")?;
    if count > MAX_BANKS {
        return Err(InputError::new(file, "TPMS_QUOTE_INFO.pcrSelect.count", format!("{count} PCR banks; at most {MAX_BANKS} are read")));
    }
    let mut selections = Vec::new();
    for i in 0..count {
        let hash = c.u16_be(&format!("TPMS_QUOTE_INFO.pcrSelect[{i}].hash"))?;
        let n = c.u8(&format!("TPMS_QUOTE_INFO.pcrSelect[{i}].sizeofSelect"))? as usize;
        let select = c.take(n, &format!("TPMS_QUOTE_INFO.pcrSelect[{i}].pcrSelect"))?.to_vec();
        selections.push(PcrSelection { hash, select });
    }
    let pcr_digest = tpm2b(&mut c, "TPMS_QUOTE_INFO.pcrDigest", MAX_DIGEST)?.to_vec();
    if c.remaining() != 0 {
        return Err(InputError::new(file, "TPMS_ATTEST", format!("{} bytes after pcrDigest (offset {}): not one TPMS_ATTEST", c.remaining(), c.pos)));
    }
    Ok(Attest { qualified_signer, extra_data, clock, reset_count, restart_count, safe, firmware_version, selections, pcr_digest })
}

/// The vTPM AK from the HCL runtime data: the JWK with `kid` "HCLAkPub" (RSA `n`, `e` base64url).
/// Errors are sentences for the check's detail.
pub fn attestation_key(hcl: &HclRuntime) -> Result<RsaPublicKey, String> {
    let doc: Value = serde_json::from_slice(&hcl.runtime_data).map_err(|e| format!("the HCL runtime data is not JSON ({e}), so it carries no HCLAkPub"))?;
    let keys = doc.get("keys").and_then(Value::as_array).ok_or("the HCL runtime data has no \"keys\" array")?;
    let jwk = keys.iter().find(|k| k.get("kid").and_then(Value::as_str) == Some(AK_KID)).ok_or("the HCL runtime data has no key with kid \"HCLAkPub\"")?;
    if jwk.get("kty").and_then(Value::as_str) != Some("RSA") {
        return Err("HCLAkPub is not an RSA key (kty)".into());
    }
    let num = |m: &str| -> Result<BigUint, String> {
        let text = jwk.get(m).and_then(Value::as_str).ok_or(format!("HCLAkPub has no \"{m}\""))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|e| format!("HCLAkPub \"{m}\" is not base64url: {e}"))?;
        Ok(BigUint::from_bytes_be(&bytes))
    };
    RsaPublicKey::new(num("n")?, num("e")?).map_err(|e| format!("HCLAkPub is not a usable RSA public key: {e}"))
}

/// SHA-256 PCR indices the quote selects, in the order their values are hashed; `Err` says why the
/// selection cannot be matched with a SHA-256 `pcrs` list (another bank, or no PCR).
fn sha256_indices(a: &Attest) -> Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for s in &a.selections {
        let idx = s.indices();
        if idx.is_empty() {
            continue;
        }
        if s.hash != ALG_SHA256 {
            return Err(format!("the quote selects PCRs of hash algorithm 0x{:04x}; the pcrs list holds SHA-256 values only", s.hash));
        }
        out.extend(idx);
    }
    if out.is_empty() {
        return Err("the quote selects no PCR".into());
    }
    Ok(out)
}

/// Describes a PCR index list compactly, e.g. "0-23" or "0-7, 14".
fn ranges(idx: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && idx[j + 1] == idx[j] + 1 {
            j += 1;
        }
        parts.push(if i == j { idx[i].to_string() } else { format!("{}-{}", idx[i], idx[j]) });
        i = j + 1;
    }
    parts.join(", ")
}

fn check_signature(q: &VtpmQuote, hcl: &HclRuntime, list: &mut Checklist) {
    let id = "vtpm.quote.signature";
    let key = match attestation_key(hcl) {
        Ok(k) => k,
        Err(why) => return list.fail(id, format!("not verified: {why}")),
    };
    let k = rsa::traits::PublicKeyParts::size(&key);
    if q.signature.len() != k {
        return list.fail(id, format!("tpm_quote.signature is {} bytes; an RSASSA signature by the {}-bit HCLAkPub is {k} (the bare signature, not a TPMT_SIGNATURE)", q.signature.len(), k * 8));
    }
    let ok = key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(&q.message), &q.signature).is_ok();
    list.expect(
        id,
        ok,
        format!("RSASSA-PKCS1-v1_5/SHA-256 signature over the TPMS_ATTEST ({} bytes) verifies with HCLAkPub ({}-bit RSA) from the HCL runtime data, which binding.hcl_runtime_data ties to the hardware report", q.message.len(), k * 8),
        "RSASSA-PKCS1-v1_5/SHA-256 signature over the TPMS_ATTEST does NOT verify with HCLAkPub from the HCL runtime data: the quote was altered or signed by another key (not this VM's vTPM)",
    );
}

fn check_pcr_digest(q: &VtpmQuote, list: &mut Checklist) -> Option<Vec<usize>> {
    let id = "vtpm.quote.pcr_digest";
    let idx = match sha256_indices(&q.attest) {
        Ok(i) => i,
        Err(why) => {
            list.fail(id, why);
            return None;
        }
    };
    if q.pcrs.len() != idx.len() {
        list.fail(id, format!("the quote selects {} SHA-256 PCRs ({}) but the pcrs list has {} values", idx.len(), ranges(&idx), q.pcrs.len()));
        return None;
    }
    if let Some(i) = q.pcrs.iter().position(|p| p.len() != 32) {
        list.fail(id, format!("pcrs[{i}] is {} bytes, a SHA-256 PCR is 32", q.pcrs[i].len()));
        return None;
    }
    let mut h = Sha256::new();
    for p in &q.pcrs {
        h.update(p);
    }
    let digest = h.finalize();
    let ok = digest[..] == q.attest.pcr_digest[..];
    list.expect(
        id,
        ok,
        format!("SHA-256 of the {} PCR values (PCRs {} of the SHA-256 bank) equals the quote's pcrDigest {}", idx.len(), ranges(&idx), hex::encode(&q.attest.pcr_digest)),
        format!("SHA-256 of the pcrs list ({}) differs from the quote's pcrDigest {}: the PCR values are not the ones the vTPM quoted", hex::encode(digest), hex::encode(&q.attest.pcr_digest)),
    );
    ok.then_some(idx)
}

fn check_nonce(q: &VtpmQuote, policy: &VtpmPolicy, list: &mut Checklist) {
    let id = "vtpm.quote.nonce";
    let got = &q.attest.extra_data;
    match policy.nonce_bytes() {
        None => list.skip(id, format!("no expected nonce was given (policy vtpm.nonce / --vtpm-nonce): the quote's extraData {} is not checked against a challenge, so the quote's freshness is not established", hex::encode(got))),
        Some(want) => list.expect(
            id,
            *got == want,
            format!("the quote's extraData equals the expected nonce {}", hex::encode(&want)),
            format!("the quote's extraData {} differs from the expected nonce {}: the quote answers another challenge (replay?)", hex::encode(got), hex::encode(&want)),
        ),
    }
}

/// Runs the vTPM checks for evidence whose HCL runtime data is `hcl` and inserts the claims
/// `tpm` (`pcr00`…: the PCRs the quote attests, only when the digest matches) and `tpm_quote`.
/// Without a quote, one skipped check `vtpm.quote` says the PCRs are not attested; with a quote but
/// no HCL report every check fails (no AK to verify it with). A TPM event log (`log`) is replayed
/// against the attested PCRs ([`crate::vtpm_log::check`]).
pub fn check(quote: Option<&VtpmQuote>, hcl: Option<&HclRuntime>, log: Option<&EventLog>, policy: &VtpmPolicy, list: &mut Checklist, claims: &mut Map<String, Value>) {
    let Some(q) = quote else {
        if hcl.is_some() {
            list.skip("vtpm.quote", "no vTPM quote was given (Trustee's tpm_quote): the vTPM PCRs are not attested; the verdict rests on the hardware report and its binding of the HCL runtime data");
        }
        if let Some(log) = log {
            crate::vtpm_log::check(log, Err("no vTPM quote (Trustee's tpm_quote) attests the PCRs it would replay to"), list, claims);
        }
        crate::vtpm_log::check_policy(log, policy.event_digests.as_deref().unwrap_or_default(), None, list);
        return;
    };
    match hcl {
        Some(h) => check_signature(q, h, list),
        None => list.fail("vtpm.quote.signature", format!("not verified: {} is a vTPM quote, but the evidence has no Azure HCL report whose runtime data carries the AK (HCLAkPub)", q.file)),
    }
    let attested = check_pcr_digest(q, list);
    check_nonce(q, policy, list);
    let a = &q.attest;
    let selection: Vec<String> = a.selections.iter().map(|s| format!("0x{:04x}:{}", s.hash, ranges(&s.indices()))).collect();
    claims.insert(
        "tpm_quote".into(),
        json!({
            "source": q.file, "extra_data": hex::encode(&a.extra_data), "qualified_signer": hex::encode(&a.qualified_signer),
            "clock": a.clock, "reset_count": a.reset_count, "restart_count": a.restart_count, "safe": a.safe,
            "firmware_version": format!("0x{:016x}", a.firmware_version), "pcr_select": selection, "pcr_digest": hex::encode(&a.pcr_digest),
        }),
    );
    let attested: Option<Vec<(usize, Vec<u8>)>> = attested.map(|idx| idx.into_iter().zip(q.pcrs.iter().cloned()).collect());
    if let Some(pcrs) = &attested {
        let tpm: Map<String, Value> = pcrs.iter().map(|(i, p)| (format!("pcr{i:02}"), json!(hex::encode(p)))).collect();
        claims.insert("tpm".into(), Value::Object(tpm));
    }
    if let Some(log) = log {
        crate::vtpm_log::check(log, attested.as_deref().ok_or("the quote's PCR values are not attested (vtpm.quote.pcr_digest failed)"), list, claims);
    }
    crate::vtpm_log::check_policy(log, policy.event_digests.as_deref().unwrap_or_default(), attested.as_deref(), list);
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A TPMS_ATTEST of type quote over `pcrs` (all selected, SHA-256 bank) with `nonce` as extraData.
    pub fn attest(nonce: &[u8], pcrs: &[[u8; 32]]) -> Vec<u8> {
        let mut b = TPM_GENERATED.to_be_bytes().to_vec();
        b.extend(ST_ATTEST_QUOTE.to_be_bytes());
        b.extend(34u16.to_be_bytes());
        b.extend(ALG_SHA256.to_be_bytes());
        b.extend([0x5a; 32]);
        b.extend((nonce.len() as u16).to_be_bytes());
        b.extend(nonce);
        b.extend(123_456u64.to_be_bytes());
        b.extend([0, 0, 0, 2, 0, 0, 0, 0, 1]);
        b.extend(0x2020_0312_0012_0003u64.to_be_bytes());
        b.extend(1u32.to_be_bytes());
        b.extend(ALG_SHA256.to_be_bytes());
        let mut select = [0u8; 3];
        for i in 0..pcrs.len() {
            select[i / 8] |= 1 << (i % 8);
        }
        b.push(3);
        b.extend(select);
        let mut h = Sha256::new();
        pcrs.iter().for_each(|p| h.update(p));
        b.extend(32u16.to_be_bytes());
        b.extend(h.finalize());
        b
    }

    #[test]
    fn reads_every_field_of_a_quote() {
        let pcrs: Vec<[u8; 32]> = (0..24u8).map(|i| [i; 32]).collect();
        let a = parse_attest(&attest(b"challenge", &pcrs), "q.json").unwrap();
        assert_eq!(a.extra_data, b"challenge");
        assert_eq!((a.clock, a.reset_count, a.restart_count, a.safe), (123_456, 2, 0, 1));
        assert_eq!(a.selections, vec![PcrSelection { hash: ALG_SHA256, select: vec![0xff; 3] }]);
        assert_eq!(a.selections[0].indices(), (0..24).collect::<Vec<_>>());
        assert_eq!(ranges(&[0, 1, 2, 5, 7, 8]), "0-2, 5, 7-8");
    }

    #[test]
    fn a_truncated_or_garbled_message_names_the_field_and_never_panics() {
        // Threat: a hostile tpm_quote.message crashes the reader or is half-read.
        let good = attest(b"challenge", &[[1; 32]; 24]);
        for n in 0..good.len() {
            let e = parse_attest(&good[..n], "q.json").unwrap_err();
            assert!(e.field.starts_with("TPMS_") && e.message.contains("cut off"), "{n}: {e}");
        }
        let e = parse_attest(&good[..12], "q.json").unwrap_err();
        assert_eq!(e.field, "TPMS_ATTEST.qualifiedSigner", "{e}");
        let mut long = good.clone();
        long.push(0);
        assert!(parse_attest(&long, "q.json").unwrap_err().message.contains("1 bytes after pcrDigest"));
        let mut bad = good.clone();
        bad[0] ^= 1;
        assert_eq!(parse_attest(&bad, "q.json").unwrap_err().field, "TPMS_ATTEST.magic");
        let mut certify = good.clone();
        certify[5] = 0x17; // TPM_ST_ATTEST_CERTIFY
        assert_eq!(parse_attest(&certify, "q.json").unwrap_err().field, "TPMS_ATTEST.type");
        let mut huge = good.clone();
        huge[6..8].copy_from_slice(&0xffffu16.to_be_bytes());
        assert!(parse_attest(&huge, "q.json").unwrap_err().message.contains("exceeds"));
        // Every single-byte value at every offset: an error or a structure, never a panic.
        for at in 0..good.len() {
            for v in [0u8, 1, 0x7f, 0xff] {
                let mut m = good.clone();
                m[at] = v;
                let _ = parse_attest(&m, "q.json");
            }
        }
    }

    #[test]
    fn json_members_are_checked() {
        let msg = hex::encode(attest(b"n", &[[0; 32]; 24]));
        let e = parse(format!(r#"{{"signature":"zz","message":"{msg}","pcrs":[]}}"#).as_bytes(), "q.json").unwrap_err();
        assert_eq!(e.field, "tpm_quote.signature");
        let e = parse(format!(r#"{{"signature":"00","message":"{msg}","pcrs":["00","x"]}}"#).as_bytes(), "q.json").unwrap_err();
        assert_eq!(e.field, "tpm_quote.pcrs[1]");
        let e = parse(br#"{"signature":"00","message":"ff544347","pcrs":[]}"#, "q.json").unwrap_err();
        assert_eq!(e.field, "TPMS_ATTEST.type");
        assert!(looks_like_quote(br#" {"signature":"","message":"","pcrs":[]}"#));
        assert!(!looks_like_quote(br#"{"tcbInfo":{}}"#) && !looks_like_quote(b"\x30\x82"));
    }

    fn quote(nonce: &[u8], pcrs: &[[u8; 32]]) -> VtpmQuote {
        let message = attest(nonce, pcrs);
        VtpmQuote { file: "q.json".into(), signature: vec![0; 256], attest: parse_attest(&message, "q.json").unwrap(), message, pcrs: pcrs.iter().map(|p| p.to_vec()).collect() }
    }

    fn run(q: Option<&VtpmQuote>, hcl: Option<&HclRuntime>, p: &VtpmPolicy) -> (Vec<(String, crate::appraisal::Status)>, Map<String, Value>) {
        let mut list = Checklist::default();
        let mut claims = Map::new();
        check(q, hcl, None, p, &mut list, &mut claims);
        (list.into_checks().into_iter().map(|c| (c.id, c.status)).collect(), claims)
    }

    #[test]
    fn pcr_digest_and_nonce() {
        use crate::appraisal::Status::*;
        let pcrs: Vec<[u8; 32]> = (0..24u8).map(|i| [i; 32]).collect();
        let q = quote(b"challenge", &pcrs);
        let (checks, claims) = run(Some(&q), None, &VtpmPolicy::default());
        assert_eq!(checks[1..], [("vtpm.quote.pcr_digest".into(), Pass), ("vtpm.quote.nonce".into(), Skip)]);
        assert_eq!(checks[0], ("vtpm.quote.signature".into(), Fail), "no HCL runtime data: no AK");
        assert_eq!(claims["tpm"]["pcr23"], json!(hex::encode([23u8; 32])));
        // Threat: PCR values edited after the quote (a tampered pcrs list) are not attested.
        let mut tampered = q.clone();
        tampered.pcrs[7][0] ^= 1;
        let (checks, claims) = run(Some(&tampered), None, &VtpmPolicy::default());
        assert_eq!(checks[1], ("vtpm.quote.pcr_digest".into(), Fail));
        assert!(!claims.contains_key("tpm"), "unattested PCRs are not claims");
        let mut short = q.clone();
        short.pcrs.pop();
        assert_eq!(run(Some(&short), None, &VtpmPolicy::default()).0[1].1, Fail);
        // Threat: a replayed quote answering another challenge.
        let want = |n: &str| VtpmPolicy { nonce: Some(n.into()), ..Default::default() };
        assert_eq!(run(Some(&q), None, &want("6368616c6c656e6765")).0[2], ("vtpm.quote.nonce".into(), Pass));
        assert_eq!(run(Some(&q), None, &want("6368616c6c656e6766")).0[2], ("vtpm.quote.nonce".into(), Fail));
        assert!(want("").validate().is_err() && want(&"00".repeat(65)).validate().is_err() && want("0g").validate().is_err() && want("00").validate().is_ok());
    }

    #[test]
    fn an_hcl_report_without_a_quote_reports_the_pcrs_as_not_attested() {
        let hcl = HclRuntime { hash_type: 1, report_type: 2, runtime_data: b"{}".to_vec() };
        let (checks, claims) = run(None, Some(&hcl), &VtpmPolicy::default());
        assert_eq!(checks, [("vtpm.quote".into(), crate::appraisal::Status::Skip)]);
        assert!(claims.is_empty());
        assert!(run(None, None, &VtpmPolicy::default()).0.is_empty(), "nothing vTPM about a plain report");
    }

    #[test]
    fn the_ak_comes_from_the_runtime_data_jwk() {
        let rt = |json: &str| HclRuntime { hash_type: 1, report_type: 2, runtime_data: json.as_bytes().to_vec() };
        let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xc5u8; 256]);
        let k = attestation_key(&rt(&format!(r#"{{"keys":[{{"kid":"HCLEkPub","kty":"RSA","n":"AQ","e":"AQAB"}},{{"kid":"HCLAkPub","kty":"RSA","n":"{n}","e":"AQAB"}}]}}"#))).unwrap();
        assert_eq!(rsa::traits::PublicKeyParts::size(&k), 256);
        for (json, why) in [("nope", "not JSON"), ("{}", "no \"keys\""), (r#"{"keys":[{"kid":"HCLEkPub"}]}"#, "no key with kid"), (r#"{"keys":[{"kid":"HCLAkPub","kty":"EC"}]}"#, "not an RSA"), (r#"{"keys":[{"kid":"HCLAkPub","kty":"RSA","e":"AQAB"}]}"#, "no \"n\"")] {
            assert!(attestation_key(&rt(json)).unwrap_err().contains(why), "{json}");
        }
    }
}
