//! JSON written the way Python's `json.dumps` writes it (", " and ": " separators,
//! non-ASCII escaped), so our answers are byte-identical to PeerMetrics'.

use std::io;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, Serializer};

/// Python puts ", " between items, where serde_json's compact form puts ",".
fn separator<W: ?Sized + io::Write>(writer: &mut W, first: bool) -> io::Result<()> {
    if first {
        Ok(())
    } else {
        writer.write_all(b", ")
    }
}

#[derive(Default)]
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if fragment.is_ascii() {
            return writer.write_all(fragment.as_bytes());
        }
        // ensure_ascii=True: everything outside ASCII becomes \uXXXX (surrogate pairs
        // above the BMP).
        let mut units = [0u16; 2];
        for character in fragment.chars() {
            if character.is_ascii() {
                writer.write_all(&[character as u8])?;
            } else {
                for unit in character.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let text: &[u8] = match escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::Solidus => b"\\/",
            CharEscape::Backspace => b"\\b",
            CharEscape::FormFeed => b"\\f",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::AsciiControl(byte) => return write!(writer, "\\u{byte:04x}"),
        };
        writer.write_all(text)
    }
}

pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let mut serializer = Serializer::with_formatter(&mut out, PythonFormatter);
    value
        .serialize(&mut serializer)
        .expect("serialising to memory cannot fail");
    out
}

/// A JSON response body in Python's format, `application/json; charset=utf-8`.
pub struct PyJson<T>(pub T);

impl<T: Serialize> IntoResponse for PyJson<T> {
    fn into_response(self) -> Response {
        let body = to_vec(&self.0);
        let mut response = body.into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_escapes_match_python() {
        let value = serde_json::json!({"a": [1, 2], "b": "é😀\n", "c": {"d": null}});
        assert_eq!(
            String::from_utf8(to_vec(&value)).unwrap(),
            r#"{"a": [1, 2], "b": "\u00e9\ud83d\ude00\n", "c": {"d": null}}"#
        );
    }

    #[test]
    fn an_empty_string_is_two_quote_bytes() {
        assert_eq!(to_vec(""), b"\"\"");
    }
}
