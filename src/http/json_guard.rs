//! Checks every SDK body before it is parsed into a request: nesting depth, and text
//! that neither engine can store. PostgreSQL refuses a NUL character in `text`
//! (SQLSTATE 22021); SQLite would store it but cut comparisons short. Refusing it at
//! the edge, with the field named, keeps both engines alike and keeps hostile bytes
//! out of the shared write transaction.
//!
//! The common case costs one pass over the bytes. Only a body that holds a NUL is
//! parsed a second time, to name the field.

use serde_json::Value;

use crate::error::{ApiError, ErrorCode};

/// Deepest nesting of objects and arrays accepted in an SDK body. Real SDK payloads
/// reach 5 (`data.audio.inbound[0].track`).
pub const MAX_DEPTH: usize = 20;

/// What the scan found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Scan {
    max_depth: usize,
    has_nul: bool,
}

/// One pass over JSON text: depth of nesting and `\u0000` escapes inside strings.
/// The text need not be valid JSON; parsing reports that later.
fn scan(bytes: &[u8]) -> Scan {
    let mut result = Scan::default();
    let mut depth = 0usize;
    let mut index = 0;
    let mut in_string = false;
    while index < bytes.len() {
        let byte = bytes[index];
        if in_string {
            match byte {
                b'\\' => {
                    if bytes.get(index + 1) == Some(&b'u')
                        && bytes.get(index + 2..index + 6) == Some(b"0000".as_slice())
                    {
                        result.has_nul = true;
                    }
                    // Skip the escaped character (for `\\`, the second backslash).
                    index += 1;
                }
                b'"' => in_string = false,
                // A raw NUL is invalid JSON; the parser refuses it, but it is counted
                // here too so nothing relies on that.
                0 => result.has_nul = true,
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => {
                    depth += 1;
                    result.max_depth = result.max_depth.max(depth);
                }
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        index += 1;
    }
    result
}

/// Refuses bodies nested deeper than [`MAX_DEPTH`] or holding a NUL character in any
/// string (key or value), naming the field.
pub fn check_body(bytes: &[u8]) -> Result<(), ApiError> {
    let found = scan(bytes);
    if found.max_depth > MAX_DEPTH {
        return Err(ApiError::with_message(
            ErrorCode::NestingTooDeep,
            format!("the body nests deeper than {MAX_DEPTH} levels"),
        ));
    }
    if found.has_nul {
        // Malformed JSON is reported by the parser with its own code.
        let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
            return Ok(());
        };
        if let Some(path) = nul_path(&value, &mut String::new()) {
            let field = if path.is_empty() { "the body" } else { &path };
            return Err(ApiError::with_message(
                ErrorCode::InvalidText,
                format!("{field} contains a NUL character, which cannot be stored"),
            ));
        }
    }
    Ok(())
}

/// The path of the first string (or key) holding a NUL, like `data.audio.inbound[0].kind`.
fn nul_path(value: &Value, path: &mut String) -> Option<String> {
    match value {
        Value::String(text) if text.contains('\0') => Some(path.clone()),
        Value::Array(items) => items.iter().enumerate().find_map(|(index, item)| {
            let length = path.len();
            path.push_str(&format!("[{index}]"));
            let found = nul_path(item, path);
            path.truncate(length);
            found
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let length = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&key.replace('\0', "\\u0000"));
            let found = if key.contains('\0') {
                Some(path.clone())
            } else {
                nul_path(item, path)
            };
            path.truncate(length);
            found
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(body: &str) -> Option<(ErrorCode, String)> {
        check_body(body.as_bytes())
            .err()
            .map(|error| (error.code(), error.to_string()))
    }

    #[test]
    fn a_nul_anywhere_is_refused_with_its_field() {
        let (code, message) = refused(r#"{"userId": "ev\u0000il"}"#).unwrap();
        assert_eq!(code, ErrorCode::InvalidText);
        assert!(message.starts_with("userId contains a NUL"), "{message}");
        let (_, message) =
            refused(r#"{"data": {"audio": {"inbound": [{}, {"trackIdentifier": "a\u0000"}]}}}"#)
                .unwrap();
        assert!(
            message.starts_with("data.audio.inbound[1].trackIdentifier"),
            "{message}"
        );
        let (_, message) = refused(r#"{"data": {"k\u0000": 1}}"#).unwrap();
        assert!(message.starts_with("data.k\\u0000"), "{message}");
    }

    #[test]
    fn escaped_backslashes_and_other_escapes_are_fine() {
        assert_eq!(refused(r#"{"a": "\\u0000", "b": "\u0001\n\"\\"}"#), None);
        assert_eq!(
            refused(r#"{"a": "\u00001"}"#).map(|r| r.0),
            Some(ErrorCode::InvalidText)
        );
    }

    #[test]
    fn nesting_is_limited() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(refused(&deep).map(|r| r.0), Some(ErrorCode::NestingTooDeep));
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(refused(&fine), None);
        // Brackets inside strings do not count.
        assert_eq!(refused(&format!(r#"{{"a": "{}"}}"#, "[".repeat(100))), None);
    }
}
