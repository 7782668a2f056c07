//! Custodian verification core. Pure: bytes of evidence, endorsements, trust anchors, policy and the
//! reference time go in; an [`appraisal::Appraisal`] comes out. No file or network I/O, no clock, no
//! randomness — so results are reproducible "as of" a time and identical in the CLI and the app.
//!
//! The wasm ABI lives in [`abi`]; [`request`] defines the JSON request it accepts.

pub mod abi;
pub mod appraisal;
pub mod azure_hcl;
pub mod cache;
pub mod composite;
pub mod cursor;
pub mod error;
pub mod eventlog;
pub mod fields;
pub mod identity;
pub mod nvidia;
pub mod pins;
pub mod policy_util;
pub mod request;
pub mod snp;
pub mod tdx;
pub mod vtpm;
pub mod vtpm_log;
pub mod x509;

/// The core is deterministic: any attempt to draw randomness on wasm32 fails loudly.
#[cfg(target_arch = "wasm32")]
fn no_randomness(_: &mut [u8]) -> Result<(), getrandom::Error> {
    Err(getrandom::Error::UNSUPPORTED)
}
#[cfg(target_arch = "wasm32")]
getrandom::register_custom_getrandom!(no_randomness);
