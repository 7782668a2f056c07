//! GHCB extended-report certificate table (GHCB specification #56421, §4.1.8.1
//! "SNP Extended Guest Request"; GUIDs from AMD's SEV-SNP firmware ABI and virtee/sev).
//!
//! Layout: 24-byte entries {GUID[16] in RFC 4122 string byte order, offset u32 LE, length u32 LE},
//! terminated by an all-zero entry. Offsets are from the start of the table and point past the
//! entry array; each blob is a DER certificate (or, for the CRL GUID, a DER CRL).

use crate::error::InputError;

/// Role of a table entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Vcek,
    Vlek,
    /// ASK, or ASVK for VLEK chains (both use this GUID).
    Ask,
    Ark,
    Crl,
    Other([u8; 16]),
}

const GUIDS: [(&str, EntryKind); 5] = [
    ("63da758de6644564adc5f4b93be8accd", EntryKind::Vcek),
    ("a8074bc2a25a483eaae639c045a0b8a1", EntryKind::Vlek),
    ("4ab7b379bbac4fe4a02f05aef327c782", EntryKind::Ask),
    ("c0b406a4a803495297433fb6014cd0ae", EntryKind::Ark),
    ("92f81bc358114d3d97ffd19f88dc67ea", EntryKind::Crl),
];

impl EntryKind {
    fn from_guid(g: [u8; 16]) -> EntryKind {
        let h = hex::encode(g);
        GUIDS.iter().find(|(s, _)| *s == h).map(|(_, k)| *k).unwrap_or(EntryKind::Other(g))
    }
    pub fn name(&self) -> String {
        match self {
            EntryKind::Vcek => "VCEK".into(),
            EntryKind::Vlek => "VLEK".into(),
            EntryKind::Ask => "ASK".into(),
            EntryKind::Ark => "ARK".into(),
            EntryKind::Crl => "CRL".into(),
            EntryKind::Other(g) => format!("unknown GUID {}", hex::encode(g)),
        }
    }
}

/// One table entry with its blob.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: EntryKind,
    pub data: Vec<u8>,
}

/// Parses a certificate table. `table` starts at the first entry. Every offset/length is checked
/// against the table size; hostile values give an error naming the entry.
pub fn parse(table: &[u8], file: &str) -> Result<Vec<Entry>, InputError> {
    let mut headers = Vec::new();
    let mut pos = 0usize;
    loop {
        let Some(e) = table.get(pos..pos + 24) else {
            return Err(InputError::new(
                file,
                "certificate table",
                format!("entry {} at table offset {pos} is cut off (no all-zero terminator)", headers.len()),
            ));
        };
        if e.iter().all(|b| *b == 0) {
            break;
        }
        let mut guid = [0u8; 16];
        guid.copy_from_slice(&e[..16]);
        let off = u32::from_le_bytes([e[16], e[17], e[18], e[19]]) as usize;
        let len = u32::from_le_bytes([e[20], e[21], e[22], e[23]]) as usize;
        headers.push((guid, off, len));
        pos += 24;
    }
    let header_end = pos + 24;
    headers
        .into_iter()
        .enumerate()
        .map(|(i, (guid, off, len))| {
            let kind = EntryKind::from_guid(guid);
            let field = format!("certificate table entry {i} ({})", kind.name());
            if off < header_end {
                return Err(InputError::new(file, field, format!("offset {off} points into the entry array")));
            }
            let data = off
                .checked_add(len)
                .and_then(|end| table.get(off..end))
                .ok_or_else(|| {
                    InputError::new(file, field.clone(), format!("offset {off} + length {len} exceeds the table ({} bytes)", table.len()))
                })?;
            Ok(Entry { kind, data: data.to_vec() })
        })
        .collect()
}

/// Builds a table from (GUID kind, blob) pairs — the inverse of [`parse`], used by tests.
#[cfg(test)]
pub fn build(entries: &[(EntryKind, &[u8])]) -> Vec<u8> {
    let guid = |k: &EntryKind| -> Vec<u8> {
        match k {
            EntryKind::Other(g) => g.to_vec(),
            k => hex::decode(GUIDS.iter().find(|(_, x)| x == k).unwrap().0).unwrap(),
        }
    };
    let mut off = (entries.len() + 1) * 24;
    let mut head = Vec::new();
    let mut body = Vec::new();
    for (k, data) in entries {
        head.extend(guid(k));
        head.extend((off as u32).to_le_bytes());
        head.extend((data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        off += data.len();
    }
    head.extend([0u8; 24]);
    head.extend(body);
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let t = build(&[(EntryKind::Vcek, b"vcek"), (EntryKind::Ark, b"ark!"), (EntryKind::Crl, b"crl")]);
        let e = parse(&t, "t").unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].kind, EntryKind::Vcek);
        assert_eq!(e[1].kind, EntryKind::Ark);
        assert_eq!(e[1].data, b"ark!");
        assert_eq!(e[2].kind, EntryKind::Crl);
    }

    #[test]
    fn hostile_offsets_are_errors() {
        let mut t = build(&[(EntryKind::Vcek, b"vcek")]);
        t[20..24].copy_from_slice(&u32::MAX.to_le_bytes()); // length
        let err = parse(&t, "t").unwrap_err();
        assert!(err.field.contains("entry 0 (VCEK)") && err.message.contains("exceeds"), "{err}");
        let mut t = build(&[(EntryKind::Vcek, b"vcek")]);
        t[16..20].copy_from_slice(&0u32.to_le_bytes()); // offset into header
        assert!(parse(&t, "t").unwrap_err().message.contains("entry array"));
        assert!(parse(&[1u8; 30], "t").unwrap_err().message.contains("terminator"));
    }
}
