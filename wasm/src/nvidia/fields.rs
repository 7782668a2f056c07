//! The field map of an NVIDIA attestation report (SPDM 1.1 GET_MEASUREMENTS request ‖ MEASUREMENTS
//! response, DSP0274 1.1 §10.11), for the Inspector: request → response → measurement record →
//! blocks → nonce → opaque data TLVs → signature. The walk follows [`super::spdm::Report::parse`]
//! (same fields, same declared lengths) and names TLVs by [`super::opaque::type_name`] with values
//! decoded by [`super::opaque::Opaque::claims`]; unlike the parser it keeps what fits and says in the
//! note where it stopped, so a cut report still shows its fields.

use super::opaque::{self, type_name};
use super::spdm::{REQUEST_LEN, SIGNATURE_LEN};
use super::DeviceKind;
use crate::fields::{cut, hex_value, part, Description, Field};

/// Describes an SPDM report (binary) of a GPU or an NVSwitch (`kind` picks the TLV enum).
pub fn describe(b: &[u8], file: &str, kind: DeviceKind) -> Description {
    let len = b.len();
    let mut note = String::new();
    let mut fields = Vec::new();
    let done = |fields, note| Description { format: "spdm-report".into(), length: len, fields, note };
    let byte_rows = |rows: &[(&str, &str, usize, &str)], start: usize, note: &mut String, what: &str| {
        let mut out = Vec::new();
        let mut at = start;
        for (id, label, n, meaning) in rows {
            if at + n > len {
                if note.is_empty() {
                    *note = cut(file, &format!("{what}.{label}"), *n, at, len);
                }
                break;
            }
            let v = &b[at..at + n];
            let value = match n {
                1 => format!("0x{:02x}", v[0]),
                3 => (v[0] as usize | (v[1] as usize) << 8 | (v[2] as usize) << 16).to_string(),
                _ => hex::encode(v),
            };
            out.push(Field::new(*id, *label, at, *n, *meaning).value(value));
            at += n;
        }
        out
    };

    let request = byte_rows(
        &[
            ("request_spdm_version", "SPDMVersion", 1, "SPDM version of the request (0x11 = SPDM 1.1)."),
            ("request_code", "RequestResponseCode", 1, "Request code (0xE0 = GET_MEASUREMENTS)."),
            ("request_param1", "Param1", 1, "Request attributes: bit 0 set = a signature is requested."),
            ("request_param2", "Param2", 1, "Measurement operation: 0xFF = all measurement blocks."),
            ("request_nonce", "Nonce", 32, "The verifier's 32-byte challenge; must equal the expected nonce."),
            ("request_slot_id", "SlotIDParam", 1, "Certificate slot whose key is to sign."),
        ],
        0,
        &mut note,
        "request",
    );
    if !request.is_empty() {
        fields.push(Field::new("request", "GET_MEASUREMENTS request", 0, REQUEST_LEN.min(len), "The verifier's request (DSP0274 1.1 §10.11.1), signed over with the response.").children(request));
    }
    if len < REQUEST_LEN {
        return done(fields, note);
    }
    if b[0] != 0x11 || b[1] != 0xE0 {
        return done(fields, format!("{file}: request: not an SPDM 1.1 GET_MEASUREMENTS request: version 0x{:02x}, code 0x{:02x} (expected 0x11, 0xe0)", b[0], b[1]));
    }

    let at0 = REQUEST_LEN;
    let mut resp = byte_rows(
        &[
            ("response_spdm_version", "SPDMVersion", 1, "SPDM version of the response (0x11 = SPDM 1.1)."),
            ("response_code", "RequestResponseCode", 1, "Response code (0x60 = MEASUREMENTS)."),
            ("response_param1", "Param1", 1, "Total number of measurement indices when the request asked for it; else reserved."),
            ("response_param2", "Param2", 1, "Slot id of the certificate chain used to sign (bits 3:0)."),
            ("number_of_blocks", "NumberOfBlocks", 1, "Number of measurement blocks in the record."),
            ("measurement_record_length", "MeasurementRecordLength", 3, "Length of the measurement record in bytes (24-bit)."),
        ],
        at0,
        &mut note,
        "response",
    );
    let finish = |resp: Vec<Field>, mut fields: Vec<Field>, end: usize| {
        if let (Some(first), true) = (resp.first(), end > at0) {
            let _ = first;
            fields.push(Field::new("response", "MEASUREMENTS response", at0, end - at0, "The device's signed answer (DSP0274 1.1 §10.11.2).").children(resp));
        }
        fields
    };
    if len < at0 + 8 {
        return done(finish(resp, fields, len), note);
    }
    if b[at0] != 0x11 || b[at0 + 1] != 0x60 {
        let n = format!("{file}: response: not an SPDM 1.1 MEASUREMENTS response at offset 37: version 0x{:02x}, code 0x{:02x} (expected 0x11, 0x60)", b[at0], b[at0 + 1]);
        return done(finish(resp, fields, at0 + 8), n);
    }
    let blocks = b[at0 + 4];
    let record_len = b[at0 + 5] as usize | (b[at0 + 6] as usize) << 8 | (b[at0 + 7] as usize) << 16;
    let rec_start = at0 + 8;
    let rec_end = rec_start + record_len;
    if rec_end > len {
        let n = cut(file, "response.MeasurementRecord", record_len, rec_start, len);
        return done(finish(resp, fields, len), n);
    }

    // Measurement record: blocks (DSP0274 §10.11.2.1, DMTF §10.11.2.2).
    let mut record = Vec::new();
    let mut pos = rec_start;
    for n in 1..=blocks {
        let what = format!("MeasurementRecord block {n} (offset {pos})");
        if pos + 4 > rec_end {
            note = format!("{file}: {what}.MeasurementSize: block header needs 4 bytes, {} left in the record", rec_end - pos);
            break;
        }
        let index = b[pos];
        let size = u16::from_le_bytes([b[pos + 2], b[pos + 3]]) as usize;
        if pos + 4 + size > rec_end {
            note = format!("{file}: {what}.Measurement: MeasurementSize {size} runs past the record's end ({} bytes left)", rec_end - pos - 4);
            break;
        }
        let dmtf = b[pos + 1] == 0x01 && size >= 3 && u16::from_le_bytes([b[pos + 5], b[pos + 6]]) as usize + 3 == size;
        let block = Field::new(format!("block_{index}"), format!("block {index}"), pos, 4 + size, format!("Measurement block {index}: compared with the RIM's golden value(s) at RIM index {}.", index.wrapping_sub(1)));
        record.push(if dmtf {
            block.children(vec![
                Field::new(format!("block_{index}_header"), "header", pos, 7, "Index, MeasurementSpecification (0x01 DMTF), MeasurementSize, DMTF value type and value size.").parts(vec![
                    part("Index", "byte 0", index),
                    part("MeasurementSpecification", "byte 1", format!("0x{:02x}", b[pos + 1])),
                    part("MeasurementSize", "bytes 3:2", size),
                    part("DMTFSpecMeasurementValueType", "byte 4", format!("0x{:02x}", b[pos + 4])),
                    part("DMTFSpecMeasurementValueSize", "bytes 6:5", size - 3),
                ]),
                Field::new(format!("measurement_{index}"), format!("measurement {index}"), pos + 7, size - 3, format!("Measurement value of block {index} (SHA-384 digest)."))
                    .value(hex::encode(&b[pos + 7..pos + 4 + size])),
            ])
        } else {
            block.value(format!("not in DMTF form (specification 0x{:02x}): the parser refuses it", b[pos + 1]))
        });
        pos += 4 + size;
    }
    if note.is_empty() && pos < rec_end {
        record.push(Field::new("record_leftover", "record leftover", pos, rec_end - pos, format!("Bytes the {blocks} blocks do not account for (MeasurementRecordLength disagrees).")));
    }
    if record_len > 0 {
        resp.push(Field::new("measurement_record", "MeasurementRecord", rec_start, record_len, format!("{blocks} measurement blocks.")).children(record));
    }
    if !note.is_empty() {
        return done(finish(resp, fields, rec_end), note);
    }

    // Nonce, opaque data, signature.
    let mut pos = rec_end;
    if pos + 32 > len {
        return done(finish(resp, fields, len), cut(file, "response.Nonce", 32, pos, len));
    }
    resp.push(Field::new("responder_nonce", "Nonce", pos, 32, "The responder's 32-byte random nonce.").value(hex::encode(&b[pos..pos + 32])));
    pos += 32;
    if pos + 2 > len {
        return done(finish(resp, fields, len), cut(file, "response.OpaqueLength", 2, pos, len));
    }
    let opaque_len = u16::from_le_bytes([b[pos], b[pos + 1]]) as usize;
    resp.push(Field::new("opaque_length", "OpaqueLength", pos, 2, "Length of the opaque data in bytes.").value(opaque_len.to_string()));
    pos += 2;
    if pos + opaque_len > len {
        return done(finish(resp, fields, len), cut(file, "response.OpaqueData", opaque_len, pos, len));
    }
    let data = &b[pos..pos + opaque_len];
    let parsed = opaque::parse(data, pos, kind);
    let claims = parsed.claims(kind);
    let mut tlvs = Vec::new();
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for t in &parsed.tlvs {
        let name = type_name(kind, t.kind).map(str::to_string).unwrap_or_else(|| format!("UNKNOWN_{}", t.kind));
        let n = seen.entry(name.clone()).or_insert(0);
        *n += 1;
        let id = if *n == 1 { format!("opaque_{}", name.to_ascii_lowercase()) } else { format!("opaque_{}_{n}", name.to_ascii_lowercase()) };
        let value = match claims.get(&name.to_ascii_lowercase()).filter(|_| *n == 1) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) if !v.is_null() => v.to_string(),
            _ => hex_value(&t.value),
        };
        let meaning = if type_name(kind, t.kind).is_some() { format!("Opaque-data TLV type {} ({name}).", t.kind) } else { format!("Opaque-data type {}, not in NVIDIA's enum for this device.", t.kind) };
        tlvs.push(
            Field::new(id, format!("{name} (type {})", t.kind), t.offset, 4 + t.value.len(), meaning)
                .value(value)
                .parts(vec![part("Type", "bytes 1:0", t.kind), part("Length", "bytes 3:2", t.value.len())]),
        );
    }
    if parsed.leftover > 0 {
        let at = pos + opaque_len - parsed.leftover;
        tlvs.push(Field::new("opaque_leftover", "opaque leftover", at, parsed.leftover, "Bytes after the last whole TLV (a header or value cut short)."));
    }
    if opaque_len > 0 {
        resp.push(Field::new("opaque_data", "OpaqueData", pos, opaque_len, "NVIDIA's opaque data: type-length-value entries (driver and VBIOS versions, FWID, …).").children(tlvs));
    }
    pos += opaque_len;
    if pos + SIGNATURE_LEN > len {
        return done(finish(resp, fields, len), cut(file, "response.Signature", SIGNATURE_LEN, pos, len));
    }
    resp.push(
        Field::new("signature", "Signature", pos, SIGNATURE_LEN, "ECDSA P-384 signature r ‖ s (48 bytes each, big-endian) over SHA-384 of every byte before it, by the device certificate (leaf).")
            .value(hex::encode(&b[pos..pos + SIGNATURE_LEN])),
    );
    pos += SIGNATURE_LEN;
    let mut fields = finish(resp, fields, pos);
    if pos < len {
        fields.push(
            Field::new("trailing_bytes", "trailing bytes", pos, len - pos, "Bytes after the signature: NVIDIA's verifiers take the last 96 bytes as the signature, so they read a different one.")
                .value(format!("{} bytes", len - pos)),
        );
    }
    done(fields, note)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::tests::{assert_well_formed, find};
    use crate::nvidia::spdm::Report;

    /// A minimal report whose opaque data is two TLVs: a driver version and an unknown type.
    fn tiny() -> Vec<u8> {
        let mut opaque = opaque::tests::tlv(3, b"545.00\0\0");
        opaque.extend(opaque::tests::tlv(99, &[1]));
        crate::nvidia::spdm::tests::report_with(&opaque)
    }

    #[test]
    fn the_tree_matches_the_parser() {
        let b = tiny();
        let p = Report::parse(&b, "t").unwrap();
        let d = describe(&b, "t", DeviceKind::Gpu);
        assert!(d.note.is_empty(), "{}", d.note);
        assert_well_formed(&d);
        assert_eq!(d.fields.iter().map(|f| f.length).sum::<usize>(), b.len());
        let m = find(&d, "measurement_1").unwrap();
        assert_eq!(&b[m.offset..m.offset + m.length], p.block(1).unwrap().value.as_slice());
        let n = find(&d, "responder_nonce").unwrap();
        assert_eq!(&b[n.offset..n.offset + 32], &p.responder_nonce);
        assert_eq!(find(&d, "signature").unwrap().offset, p.signature_offset);
        assert_eq!(find(&d, "opaque_driver_version").unwrap().value.as_deref(), Some("545.00"));
        assert!(find(&d, "opaque_unknown_99").is_some());
        assert_eq!(find(&d, "opaque_data").unwrap().offset, p.opaque_offset);
    }

    /// Threat: a cut or garbage report crashing the Inspector: each prefix gives what fits and a note
    /// naming the field, hostile lengths likewise; nothing panics.
    #[test]
    fn every_prefix_and_hostile_lengths_give_a_note() {
        let b = tiny();
        for n in 0..b.len() {
            let d = describe(&b[..n], "cut.bin", DeviceKind::Gpu);
            assert_well_formed(&d);
            assert!(d.note.starts_with("cut.bin: "), "prefix {n}: {}", d.note);
        }
        let mut h = b.clone();
        h[42] = 0xFF;
        h[43] = 0xFF;
        assert!(describe(&h, "h.bin", DeviceKind::Gpu).note.contains("response.MeasurementRecord"));
        let mut seed = 7u32;
        for size in 40..400 {
            let mut g: Vec<u8> = (0..size).map(|_| { seed = seed.wrapping_mul(1103515245).wrapping_add(12345); (seed >> 16) as u8 }).collect();
            g[..2].copy_from_slice(&[0x11, 0xE0]);
            g[37..39].copy_from_slice(&[0x11, 0x60]);
            assert_well_formed(&describe(&g, "g.bin", DeviceKind::Switch));
        }
    }
}
