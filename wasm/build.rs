//! Compiles go-sev-guest's `proto/sevsnp.proto` (vendored verbatim) into a FileDescriptorSet with
//! protox (a pure-Rust protobuf compiler, so no protoc is needed), embedded by
//! `src/snp/sevsnp_proto.rs` for the text-format reader (prost-reflect).
fn main() {
    println!("cargo:rerun-if-changed=proto/sevsnp.proto");
    let fds = protox::compile(["sevsnp.proto"], ["proto"]).expect("proto/sevsnp.proto compiles");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out.join("sevsnp.fds.bin"), prost::Message::encode_to_vec(&fds)).expect("write sevsnp.fds.bin");
}
