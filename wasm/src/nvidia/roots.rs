//! Pinned NVIDIA roots. A root is trusted only through the SHA-256 of its SubjectPublicKeyInfo DER;
//! whatever root arrives with the evidence is compared with the pin and then dropped, as NVIDIA's
//! verifiers do (nvtrust `verifier/cc_admin_utils.py::verify_gpu_certificate_chain`, attestation-sdk
//! `internal/certs.h`). The certificates below are the public NVIDIA root certificates those tools embed
//! (nvtrust `verifier/certs/verifier_device_root.pem`, `verifier_RIM_root.pem`).

use base64::Engine;

use crate::x509::Cert;

/// SPKI SHA-256 of "CN=NVIDIA Device Identity CA, O=NVIDIA" (P-384, serial 2d3670b1ca100411c1fec0e82a065b54,
/// 2021-11-05..9999-12-31), the root of every GPU and NVSwitch device chain.
pub const DEVICE_ROOT_PIN: &str = "a90c4eb5acfd3e3d03a25db6a26b84f720ad0503196c627c21ddd48dd85b06a4";
/// SPKI SHA-256 of "CN=NVIDIA CoRIM signing Root CA, O=NVIDIA, C=US" (P-384, serial
/// 45dae3a00e5037bddf875375ecb5e270, 2023-03-16..2053-03-08), the root of every RIM signing chain.
pub const RIM_ROOT_PIN: &str = "dec1dc316477aa851eebdf51327ae9f864bc8d89254657ed1e7eb9168af1e1a3";

const DEVICE_ROOT_DER_B64: &str = "MIICCzCCAZCgAwIBAgIQLTZwscoQBBHB/sDoKgZbVDAKBggqhkjOPQQDAzA1MSIwIAYDVQQDDBlOVklESUEgRGV2aWNlIElk\
ZW50aXR5IENBMQ8wDQYDVQQKDAZOVklESUEwIBcNMjExMTA1MDAwMDAwWhgPOTk5OTEyMzEyMzU5NTlaMDUxIjAgBgNVBAMM\
GU5WSURJQSBEZXZpY2UgSWRlbnRpdHkgQ0ExDzANBgNVBAoMBk5WSURJQTB2MBAGByqGSM49AgEGBSuBBAAiA2IABA5MFKM7\
+KViZljbQSlgfky/RRnEQScW9NDZF8SXgAW96r6u/Ve8ZggtcYpPi2BS4VFu6KfEIrhN6FcHG7WP05W+oM+hxj7nyA1r1jkB\
2Ry70YfThX3Ba1zOryOP+MJ9vaNjMGEwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFFeF/4Py\
Y8xlfWi3Olv0jUrL+0lfMB8GA1UdIwQYMBaAFFeF/4PyY8xlfWi3Olv0jUrL+0lfMAoGCCqGSM49BAMDA2kAMGYCMQCPeFM3\
TASsKQVaT+8S0sO9u97PVGCpE9d/I42IT7k3UUOLSR/qvJynVOD1vQKVXf0CMQC+EY55WYoDBvs2wPAH1Gw4LbcwUN8QCff8\
bFmV4ZxjCRr4WXTLFHBKjbfneGSBWwA=";
const RIM_ROOT_DER_B64: &str = "MIICKTCCAbCgAwIBAgIQRdrjoA5QN73fh1N17LXicDAKBggqhkjOPQQDAzBFMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGTlZJ\
RElBMSUwIwYDVQQDDBxOVklESUEgQ29SSU0gc2lnbmluZyBSb290IENBMCAXDTIzMDMxNjE1MzczNFoYDzIwNTMwMzA4MTUz\
NzM0WjBFMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGTlZJRElBMSUwIwYDVQQDDBxOVklESUEgQ29SSU0gc2lnbmluZyBSb290\
IENBMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEuECyi9vNM+Iw2lfUzyBldHAwaC1HF7TCgp12QcEyUTm3Tagxwr48d55+K2VI\
lWYIDk7NlAIQdcV/Ff7euGLI+Qauj93HsSI4WX298PpW54RTgz9tC+Q684caR/BXWEeZo2MwYTAdBgNVHQ4EFgQUpaXrOPK4\
ZDAk08DBskn594zeZjAwHwYDVR0jBBgwFoAUpaXrOPK4ZDAk08DBskn594zeZjAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8B\
Af8EBAMCAQYwCgYIKoZIzj0EAwMDZwAwZAIwHGDyscDP6ihHqRvZlI3eqZ4YkvjE1duaN84tAHRVgxVMvNrp5Tnom3idHYGW\
/dskAjATvjIx6VzHm/4e2GiZAyZEIUBDOKPzp5ei/A0iUZpdvngenDwV8Qa/wGdiTmJ7Bp4=";

fn embedded(b64: &str, name: &str) -> Cert {
    let b64: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).expect("embedded NVIDIA root is valid base64");
    Cert::from_der(der, name).expect("embedded NVIDIA root parses")
}

/// Which NVIDIA PKI a chain belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pki {
    /// Device identity (GPU/NVSwitch attestation key chains).
    Device,
    /// CoRIM / RIM signing.
    Rim,
}

impl Pki {
    /// The pinned SPKI SHA-256, lowercase hex.
    pub fn pin(self) -> &'static str {
        match self {
            Pki::Device => DEVICE_ROOT_PIN,
            Pki::Rim => RIM_ROOT_PIN,
        }
    }
    /// The root's CN.
    pub fn root_name(self) -> &'static str {
        match self {
            Pki::Device => "NVIDIA Device Identity CA",
            Pki::Rim => "NVIDIA CoRIM signing Root CA",
        }
    }
    /// The embedded pinned root certificate.
    pub fn root(self) -> Cert {
        match self {
            Pki::Device => embedded(DEVICE_ROOT_DER_B64, "embedded NVIDIA Device Identity CA"),
            Pki::Rim => embedded(RIM_ROOT_DER_B64, "embedded NVIDIA CoRIM signing Root CA"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_roots_match_their_pins_and_self_verify() {
        for (pki, der_sha) in [
            (Pki::Device, "102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48"),
            (Pki::Rim, "12977b5115acb0381179279fffeb5a8c4d264971ebb32298023a465fa41df5d1"),
        ] {
            let root = pki.root();
            assert_eq!(hex::encode(root.spki_sha256()), pki.pin());
            assert_eq!(hex::encode(root.der_sha256()), der_sha);
            assert_eq!(root.subject_cn().as_deref(), Some(pki.root_name()));
            root.verify_signed_by(&root).unwrap();
        }
    }
}
