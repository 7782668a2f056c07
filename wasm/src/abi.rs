//! The thin wasm ABI (no wasm-bindgen): the host allocates a buffer in linear memory, writes the
//! request JSON, calls `custodian_verify`, reads the response and frees both buffers.
//!
//! `custodian_verify(ptr, len) -> u64` returns `(out_ptr << 32) | out_len`. All lengths in bytes.
//! `custodian_c14n(ptr, len) -> u64` returns the C14N 1.1 bytes an enveloped RIM signature covers.
//! `custodian_identify(ptr, len) -> u64` returns a file's pairing identity ([`crate::identity`]).
//! `custodian_describe(ptr, len) -> u64` returns the field map of one piece of binary evidence
//! ([`crate::fields`]): request `{"name","base64","device"?}`.
//! `custodian_sevsnp_proto(ptr, len) -> u64` decodes go-sev-guest's Attestation protobuf ([`crate::snp::sevsnp_proto`]).
//! `custodian_pinned_roots() -> u64` returns the pinned vendor roots as JSON the same way.
//! `custodian_set_cache(enabled: u32)` turns the verified-link cache ([`crate::cache`]) on (non-zero)
//! or off (0), emptying it either way; `custodian_cache_stats() -> u64` returns its counters as JSON.

use crate::request::run_json;

/// Allocates `len` bytes and returns their address (never null for `len > 0`).
#[no_mangle]
pub extern "C" fn custodian_alloc(len: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(len.max(1));
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

/// Frees a buffer from [`custodian_alloc`] or a response from [`custodian_verify`].
///
/// # Safety
/// `ptr`/`len` must come from this module's allocation functions and be freed once.
#[no_mangle]
pub unsafe extern "C" fn custodian_free(ptr: *mut u8, len: usize) {
    if !ptr.is_null() {
        drop(Vec::from_raw_parts(ptr, 0, len.max(1)));
    }
}

/// Verifies the request JSON at `ptr..ptr+len`; returns the response JSON location.
///
/// # Safety
/// `ptr..ptr+len` must be a readable buffer written by the host.
#[no_mangle]
pub unsafe extern "C" fn custodian_verify(ptr: *const u8, len: usize) -> u64 {
    let request = std::slice::from_raw_parts(ptr, len);
    hand_over(run_json(request))
}

/// The C14N 1.1 bytes an enveloped XMLDSig covers, for signing TEST RIMs with the verifier's own
/// canonicaliser: request JSON at `ptr..ptr+len` (see [`crate::nvidia::rim::signing_c14n_json`]);
/// returns the response like [`custodian_verify`].
///
/// # Safety
/// `ptr..ptr+len` must be a readable buffer written by the host.
#[no_mangle]
pub unsafe extern "C" fn custodian_c14n(ptr: *const u8, len: usize) -> u64 {
    let request = std::slice::from_raw_parts(ptr, len);
    hand_over(crate::nvidia::rim::signing_c14n_json(request))
}

/// Identifies one file for pairing ([`crate::identity`]): request `{"name","base64"}` at
/// `ptr..ptr+len`; returns the response like [`custodian_verify`].
///
/// # Safety
/// `ptr..ptr+len` must be a readable buffer written by the host.
#[no_mangle]
pub unsafe extern "C" fn custodian_identify(ptr: *const u8, len: usize) -> u64 {
    let request = std::slice::from_raw_parts(ptr, len);
    hand_over(crate::identity::identify_json(request))
}

/// The field map of binary evidence ([`crate::fields::describe_json`]): request
/// `{"name","base64","device"?}` at `ptr..ptr+len`; returns the response like [`custodian_verify`].
///
/// # Safety
/// `ptr..ptr+len` must be a readable buffer written by the host.
#[no_mangle]
pub unsafe extern "C" fn custodian_describe(ptr: *const u8, len: usize) -> u64 {
    let request = std::slice::from_raw_parts(ptr, len);
    hand_over(crate::fields::describe_json(request))
}

/// Decodes go-sev-guest's `sevsnp.Attestation`/`Report` protobuf (binary or text format) into its
/// fields ([`crate::snp::sevsnp_proto::decode_json`]): request `{"name","base64","form","message"}` at
/// `ptr..ptr+len`; returns the response like [`custodian_verify`].
///
/// # Safety
/// `ptr..ptr+len` must be a readable buffer written by the host.
#[no_mangle]
pub unsafe extern "C" fn custodian_sevsnp_proto(ptr: *const u8, len: usize) -> u64 {
    let request = std::slice::from_raw_parts(ptr, len);
    hand_over(crate::snp::sevsnp_proto::decode_json(request))
}

/// The pinned vendor roots, `[{"vendor","name","platforms","spki_sha256"}]`; free like a response.
#[no_mangle]
pub extern "C" fn custodian_pinned_roots() -> u64 {
    hand_over(serde_json::to_string(&crate::pins::pinned_roots()).expect("pins serialise"))
}

/// Turns the verified-link cache on (`enabled != 0`) or off, emptying it (see [`crate::cache`]).
#[no_mangle]
pub extern "C" fn custodian_set_cache(enabled: u32) {
    crate::cache::set_enabled(enabled != 0);
}

/// The cache's counters as JSON `{"hits","misses","entries"}`; free like a response.
#[no_mangle]
pub extern "C" fn custodian_cache_stats() -> u64 {
    let s = crate::cache::stats();
    hand_over(format!("{{\"hits\":{},\"misses\":{},\"entries\":{}}}", s.hits, s.misses, s.entries))
}

/// Leaks `text` to the host as `(ptr << 32) | len`; the host frees it with [`custodian_free`].
fn hand_over(text: String) -> u64 {
    let mut out = text.into_bytes();
    out.shrink_to_fit();
    let (p, n) = (out.as_mut_ptr(), out.len());
    std::mem::forget(out);
    ((p as usize as u64) << 32) | n as u64
}
