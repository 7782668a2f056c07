//! A bounds-checked reader for the binary evidence formats: little-endian (DCAP quotes, SPDM
//! reports) and big-endian (TPM 2.0 structures, `*_be`). Every read names the field, so a short or hostile input gives an [`InputError`] that
//! says which field needed how many bytes where — never a panic.

use crate::error::InputError;

/// Reads `b` from `pos`; `file` and `what` ("quote", "report") are used in messages.
pub struct Cursor<'a> {
    pub b: &'a [u8],
    pub pos: usize,
    pub file: &'a str,
    pub what: &'static str,
}

impl<'a> Cursor<'a> {
    pub fn new(b: &'a [u8], file: &'a str, what: &'static str) -> Cursor<'a> {
        Cursor { b, pos: 0, file, what }
    }
    /// The next `n` bytes; an error naming `field` when fewer remain.
    pub fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], InputError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.b.len()).ok_or_else(|| {
            InputError::new(
                self.file,
                field,
                format!("needs {n} bytes at offset {} but the {} has {} bytes: cut off or a wrong length", self.pos, self.what, self.b.len()),
            )
        })?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub fn u8(&mut self, field: &str) -> Result<u8, InputError> {
        Ok(self.take(1, field)?[0])
    }
    pub fn u16(&mut self, field: &str) -> Result<u16, InputError> {
        let s = self.take(2, field)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    pub fn u32(&mut self, field: &str) -> Result<u32, InputError> {
        let s = self.take(4, field)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    /// Big-endian u16 (TPM 2.0 marshalling, Library Part 2 §5).
    pub fn u16_be(&mut self, field: &str) -> Result<u16, InputError> {
        let s = self.take(2, field)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }
    /// Big-endian u32.
    pub fn u32_be(&mut self, field: &str) -> Result<u32, InputError> {
        let s = self.take(4, field)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
    /// Big-endian u64.
    pub fn u64_be(&mut self, field: &str) -> Result<u64, InputError> {
        Ok(u64::from_be_bytes(self.arr::<8>(field)?))
    }
    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }
    pub fn arr<const N: usize>(&mut self, field: &str) -> Result<[u8; N], InputError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }
}
