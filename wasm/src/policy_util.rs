//! Helpers shared by the platform policies: hex options checked up front, exact matches and
//! allow-lists, each yielding one reported line (`skip` when the policy sets nothing).

use crate::appraisal::Checklist;

/// Decodes a hex option of exactly `len` bytes; the error names `policy {scope}.{name}`.
pub fn hex_option(scope: &str, name: &str, value: &str, len: usize) -> Result<Vec<u8>, String> {
    let v = hex::decode(value.trim()).map_err(|e| format!("policy {scope}.{name}: not hex ({e})"))?;
    if v.len() != len {
        return Err(format!("policy {scope}.{name}: {} bytes, expected {len}", v.len()));
    }
    Ok(v)
}

/// Validates an optional single hex option and an optional list of them.
pub fn check_hex(scope: &str, name: &str, value: &Option<String>, len: usize) -> Result<(), String> {
    value.as_ref().map(|s| hex_option(scope, name, s, len)).transpose().map(|_| ())
}
pub fn check_hex_list(scope: &str, name: &str, values: &Option<Vec<String>>, len: usize) -> Result<(), String> {
    values.iter().flatten().try_for_each(|s| hex_option(scope, name, s, len).map(|_| ()))
}

/// Check `id`: `actual` equals the (already validated) hex `wanted`; skip when unset.
pub fn exact(list: &mut Checklist, id: &str, field: &str, actual: &[u8], wanted: &Option<String>) {
    match wanted {
        None => list.skip(id, format!("policy sets no expected {field}")),
        Some(w) => {
            let w = hex::decode(w.trim()).unwrap_or_default();
            list.expect(
                id,
                w == actual,
                format!("{field} equals the policy value"),
                format!("{field} {} differs from the policy value {}", hex::encode(actual), hex::encode(&w)),
            );
        }
    }
}

/// Whether `actual` is one of the hex values in `list`.
pub fn in_list(actual: &[u8], list: &[String]) -> bool {
    list.iter().any(|h| hex::decode(h.trim()).map(|v| v == actual).unwrap_or(false))
}

/// Check `id`: `actual` is in the allow-list; skip when unset.
pub fn allowed(list: &mut Checklist, id: &str, field: &str, actual: &[u8], allow: &Option<Vec<String>>) {
    match allow {
        None => list.skip(id, format!("policy sets no {field} allow-list")),
        Some(values) => list.expect(
            id,
            in_list(actual, values),
            format!("{field} {} is on the policy's allow-list", hex::encode(actual)),
            format!("{field} {} is not on the policy's allow-list ({} values)", hex::encode(actual), values.len()),
        ),
    }
}
