//! The whole RIM reader on arbitrary bytes: XML or RIM-service JSON, shape pre-scan, roxmltree,
//! XMLDSig reference and SignedInfo canonicalisation, certificate decoding. Must never panic,
//! overflow the stack, or take super-linear time (libFuzzer's -timeout catches the latter).
#![no_main]
use custodian_core::nvidia::rim::Rim;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Rim::parse(data, "fuzz.xml");
});
