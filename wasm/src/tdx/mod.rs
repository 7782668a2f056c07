//! Intel TDX and SGX DCAP quotes. This part covers parsing and the signatures a quote carries
//! (quote ← attestation key ← QE report ← PCK leaf ← pinned Intel SGX Root CA); collateral (TCB Info,
//! QE Identity, CRLs) and the TCB status come next (issue 3).

pub mod quote;
pub mod signatures;
