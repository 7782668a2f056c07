//! NVIDIA GPU (Hopper, Blackwell) and NVSwitch (LS10) attestation.

pub mod c14n;
pub mod chain;
pub mod opaque;
pub mod rim;
pub mod roots;
pub mod spdm;

/// GPU or NVSwitch: the opaque-data types and the claim prefixes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    Gpu,
    Switch,
}
