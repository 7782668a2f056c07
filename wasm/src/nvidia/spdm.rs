//! The NVIDIA "attestation report": an SPDM 1.1 GET_MEASUREMENTS request (37 bytes) followed by the
//! MEASUREMENTS response, exactly as NVML `nvmlDeviceGetConfComputeGpuAttestationReport` (GPUs) or
//! libnvidia-nscq (LS10 switches) return it. All multi-byte integers are little-endian.
//!
//! ```text
//! REQUEST  (DSP0274 1.1 §10.11.1, 37 B)
//!   0 SPDMVersion 0x11 | 1 code 0xE0 | 2 Param1 (bit 0: signature requested) | 3 Param2 0xFF (all)
//!   4..36 Nonce (the verifier's 32-byte challenge) | 36 SlotIDParam
//! RESPONSE (DSP0274 1.1 §10.11.2)
//!   0 0x11 | 1 code 0x60 | 2 Param1 | 3 Param2 | 4 NumberOfBlocks | 5..8 MeasurementRecordLength (u24)
//!   8.. MeasurementRecord: per block (§10.11.2.1) Index u8 | MeasurementSpecification u8 (0x01 DMTF)
//!       | MeasurementSize u16 | DMTF measurement (§10.11.2.2): ValueType u8 | ValueSize u16 | Value
//!   then Nonce (32 B, responder randomness) | OpaqueLength u16 | OpaqueData | Signature (96 B r‖s)
//! ```
//!
//! Two readings of where the signature lies are kept apart, because one real capture differs:
//! NVIDIA's verifiers (nvtrust `verifier/attestation/spdm_msrt_resp_msg.py`, attestation-sdk
//! `SpdmMeasurementResponseMessage11`) take the **last 96 bytes** as the signature and everything
//! before as the signed message; the *structural* reading takes the 96 bytes right after OpaqueData.
//! They agree unless bytes follow the signature ([`Report::trailing`]), which the C++ SDK rejects.

use crate::cursor::Cursor;
use crate::error::InputError;

/// Request length (DSP0274 1.1 GET_MEASUREMENTS with signature requested).
pub const REQUEST_LEN: usize = 37;
/// Raw ECDSA P-384 signature length: r ‖ s, 48 bytes each, big-endian.
pub const SIGNATURE_LEN: usize = 96;

/// The GET_MEASUREMENTS request (report bytes 0..37).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpdmRequest {
    pub version: u8,
    pub code: u8,
    pub param1: u8,
    pub param2: u8,
    /// Requester nonce, report bytes 4..36: the relying party's challenge.
    pub nonce: [u8; 32],
    pub slot_id: u8,
}

/// One measurement block of the record (DSP0274 1.1 §10.11.2.1, DMTF format §10.11.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// 1-based SPDM index.
    pub index: u8,
    pub spec: u8,
    pub value_type: u8,
    /// The digest (48 bytes, SHA-384, on every device seen).
    pub value: Vec<u8>,
}

/// A parsed report. Offsets are from the start of the report (request included).
#[derive(Debug, Clone)]
pub struct Report {
    /// Every byte as received.
    pub bytes: Vec<u8>,
    pub request: SpdmRequest,
    pub version: u8,
    pub code: u8,
    pub param1: u8,
    pub param2: u8,
    pub number_of_blocks: u8,
    pub record_length: usize,
    pub blocks: Vec<Block>,
    pub responder_nonce: [u8; 32],
    /// OpaqueData bytes (TLVs, see [`super::opaque`]).
    pub opaque: Vec<u8>,
    /// Offset of OpaqueData.
    pub opaque_offset: usize,
    /// Offset just past OpaqueData: where the structural signature starts.
    pub signature_offset: usize,
    /// Bytes after the structural signature (0 in a well-formed report).
    pub trailing: usize,
}

/// Decodes report bytes given either raw or as hex text (whitespace ignored), as NVML and the
/// nvtrust samples store them. Raw reports start with `11 E0`.
pub fn decode_report_bytes(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.starts_with(&[0x11, 0xE0]) {
        return Some(bytes.to_vec());
    }
    let digits: Vec<u8> = bytes.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() >= 2 * REQUEST_LEN && digits.iter().all(u8::is_ascii_hexdigit) && digits[..4].eq_ignore_ascii_case(b"11e0") {
        return hex::decode(&digits).ok();
    }
    None
}

impl Report {
    /// Parses a report. Truncation, a wrong request/response code or version, a record whose length
    /// disagrees with its blocks, and non-DMTF blocks are [`InputError`]s naming `file` and the
    /// field. Bytes after the structural signature are not an error here: they are counted in
    /// [`Report::trailing`] so the appraisal can report them.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Report, InputError> {
        let mut c = Cursor::new(bytes, file, "report");
        let (version, code) = (c.u8("request.SPDMVersion")?, c.u8("request.RequestResponseCode")?);
        if version != 0x11 || code != 0xE0 {
            return Err(InputError::new(
                file,
                "request",
                format!("not an SPDM 1.1 GET_MEASUREMENTS request: version 0x{version:02x}, code 0x{code:02x} (expected 0x11, 0xe0)"),
            ));
        }
        let (param1, param2) = (c.u8("request.Param1")?, c.u8("request.Param2")?);
        let nonce: [u8; 32] = c.take(32, "request.Nonce")?.try_into().unwrap_or([0; 32]);
        let slot_id = c.u8("request.SlotIDParam")?;
        let request = SpdmRequest { version, code, param1, param2, nonce, slot_id };

        let (version, code) = (c.u8("response.SPDMVersion")?, c.u8("response.RequestResponseCode")?);
        if version != 0x11 || code != 0x60 {
            return Err(InputError::new(
                file,
                "response",
                format!("not an SPDM 1.1 MEASUREMENTS response at offset 37: version 0x{version:02x}, code 0x{code:02x} (expected 0x11, 0x60)"),
            ));
        }
        let (r_param1, r_param2) = (c.u8("response.Param1")?, c.u8("response.Param2")?);
        let number_of_blocks = c.u8("response.NumberOfBlocks")?;
        let l = c.take(3, "response.MeasurementRecordLength")?;
        let record_length = l[0] as usize | (l[1] as usize) << 8 | (l[2] as usize) << 16;
        let record_start = c.pos;
        let record = c.take(record_length, "response.MeasurementRecord")?;
        let blocks = parse_record(record, record_start, number_of_blocks, file)?;
        let responder_nonce: [u8; 32] = c.take(32, "response.Nonce")?.try_into().unwrap_or([0; 32]);
        let opaque_len = c.u16("response.OpaqueLength")? as usize;
        let opaque_offset = c.pos;
        let opaque = c.take(opaque_len, "response.OpaqueData")?.to_vec();
        let signature_offset = c.pos;
        c.take(SIGNATURE_LEN, "response.Signature")?;
        Ok(Report {
            bytes: bytes.to_vec(),
            request,
            version,
            code,
            param1: r_param1,
            param2: r_param2,
            number_of_blocks,
            record_length,
            blocks,
            responder_nonce,
            opaque,
            opaque_offset,
            signature_offset,
            trailing: bytes.len() - c.pos,
        })
    }

    /// NVIDIA's rule: (signed message, r‖s) = (all but the last 96 bytes, the last 96 bytes).
    pub fn tail96(&self) -> (&[u8], &[u8]) {
        let n = self.bytes.len() - SIGNATURE_LEN;
        (&self.bytes[..n], &self.bytes[n..])
    }

    /// The structural reading: the message ends with OpaqueData and r‖s follows it.
    pub fn structural(&self) -> (&[u8], &[u8]) {
        let n = self.signature_offset;
        (&self.bytes[..n], &self.bytes[n..n + SIGNATURE_LEN])
    }

    /// The measurement value of SPDM block `index` (1-based), if present.
    pub fn block(&self, index: u8) -> Option<&Block> {
        self.blocks.iter().find(|b| b.index == index)
    }
}

fn parse_record(record: &[u8], base: usize, count: u8, file: &str) -> Result<Vec<Block>, InputError> {
    let mut c = Cursor::new(record, file, "report");
    let mut blocks = Vec::with_capacity(count as usize);
    for n in 0..count {
        let at = base + c.pos;
        let field = |f: &str| format!("MeasurementRecord block {} (offset {at}).{f}", n + 1);
        let index = c.u8(&field("Index"))?;
        let spec = c.u8(&field("MeasurementSpecification"))?;
        let size = c.u16(&field("MeasurementSize"))? as usize;
        let body = c.take(size, &field("Measurement"))?;
        if spec != 0x01 {
            return Err(InputError::new(file, field("MeasurementSpecification"), format!("0x{spec:02x}, only 0x01 (DMTF) is defined")));
        }
        if body.len() < 3 {
            return Err(InputError::new(file, field("MeasurementSize"), format!("{size} bytes is shorter than a DMTF measurement header")));
        }
        let value_size = u16::from_le_bytes([body[1], body[2]]) as usize;
        if value_size + 3 != size {
            return Err(InputError::new(
                file,
                field("DMTFSpecMeasurementValueSize"),
                format!("value size {value_size} + 3 header bytes != MeasurementSize {size}"),
            ));
        }
        blocks.push(Block { index, spec, value_type: body[0], value: body[3..].to_vec() });
    }
    if c.pos != record.len() {
        return Err(InputError::new(
            file,
            "response.MeasurementRecordLength",
            format!("{} blocks use {} bytes but MeasurementRecordLength is {}", count, c.pos, record.len()),
        ));
    }
    Ok(blocks)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal well-formed report: 1 block, `opaque` as its opaque data, zero signature.
    pub(crate) fn report_with(opaque: &[u8]) -> Vec<u8> {
        let mut r = vec![0x11, 0xE0, 0x01, 0xFF];
        r.extend([7u8; 32]);
        r.push(0);
        r.extend([0x11, 0x60, 0, 0, 1, 55, 0, 0]);
        r.extend([1, 1, 51, 0, 1, 48, 0]);
        r.extend([0xAB; 48]);
        r.extend([9u8; 32]);
        r.extend((opaque.len() as u16).to_le_bytes());
        r.extend(opaque);
        r.extend([0u8; 96]);
        r
    }

    /// [`report_with`] 2 bytes of opaque data.
    fn tiny() -> Vec<u8> {
        report_with(&[0xAA, 0xBB])
    }

    #[test]
    fn parses_a_minimal_report() {
        let r = Report::parse(&tiny(), "t").unwrap();
        assert_eq!(r.request.nonce, [7; 32]);
        assert_eq!(r.blocks.len(), 1);
        assert_eq!(r.block(1).unwrap().value, vec![0xAB; 48]);
        assert_eq!(r.opaque, vec![0xAA, 0xBB]);
        assert_eq!(r.trailing, 0);
        assert_eq!(r.tail96(), r.structural());
    }

    #[test]
    fn every_truncation_is_an_error_naming_a_field() {
        let full = tiny();
        for n in 0..full.len() {
            let e = Report::parse(&full[..n], "cut.hex").unwrap_err();
            assert_eq!(e.file, "cut.hex");
            assert!(!e.field.is_empty());
        }
    }

    #[test]
    fn trailing_bytes_are_counted_and_the_readings_diverge() {
        let mut b = tiny();
        b.push(0);
        let r = Report::parse(&b, "t").unwrap();
        assert_eq!(r.trailing, 1);
        assert_ne!(r.tail96().0.len(), r.structural().0.len());
    }

    #[test]
    fn record_length_must_match_the_blocks() {
        let mut b = tiny();
        b[42] = 56; // record length 56 instead of 55
        assert!(Report::parse(&b, "t").is_err());
        let mut b = tiny();
        b[46] = 2; // non-DMTF specification
        assert_eq!(Report::parse(&b, "t").unwrap_err().field, "MeasurementRecord block 1 (offset 45).MeasurementSpecification");
    }

    #[test]
    fn hex_and_binary_are_recognised() {
        let b = tiny();
        assert_eq!(decode_report_bytes(&b).unwrap(), b);
        let text = format!("{}\n", hex::encode(&b));
        assert_eq!(decode_report_bytes(text.as_bytes()).unwrap(), b);
        assert!(decode_report_bytes(b"[{}]").is_none());
    }
}
