//! Reading the messageTypeId and the message id from the start of a frame, without parsing the
//! rest.
//!
//! A frame that [`Frame::parse`](crate::Frame::parse) refuses as a whole may still say at its
//! start who to answer: JSON nested deeper than the parser goes (serde_json stops at 128
//! levels), a message id over 36 characters, a frame cut off at the size limit. OCPP-J 1.6 §4.1
//! puts the messageTypeId and the id first, so `[2, "abc", ...` is enough to answer the CALL
//! "abc" with a CALLERROR; the rest of the frame is never looked at.

use serde_json::Value;

use crate::frame::MessageType;

/// The longest start of a frame [`peek`] reads. An id is at most 36 characters; a peer that
/// escapes each of them as `\uXXXX` (or as a surrogate pair) still fits, with room for white
/// space. Longer ids are not read, so an answer never echoes an unbounded string.
pub const PEEK_LEN: usize = 1024;

/// What the start of a frame says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prefix {
    /// Element 0, when it is a non-negative integer (not necessarily 2, 3 or 4).
    pub type_id: Option<u64>,
    /// Element 1, when element 0 was read and element 1 is a complete JSON string within
    /// [`PEEK_LEN`] bytes; unescaped, of any length (the empty string too).
    pub id: Option<String>,
}

impl Prefix {
    /// The message type element 0 names, if it names one.
    pub fn message_type(&self) -> Option<MessageType> {
        self.type_id.and_then(MessageType::from_type_id)
    }
}

/// Reads `[ <integer> , "<string>"` from the start of `text` (JSON white space allowed), looking
/// at no more than [`PEEK_LEN`] bytes. Never panics.
pub fn peek(text: &str) -> Prefix {
    let window = &text.as_bytes()[..text.len().min(PEEK_LEN)];
    let mut reader = Reader {
        bytes: window,
        pos: 0,
    };
    let mut prefix = Prefix::default();
    if !reader.punct(b'[') {
        return prefix;
    }
    let Some(type_id) = reader.integer() else {
        return prefix;
    };
    prefix.type_id = Some(type_id);
    if reader.punct(b',') {
        prefix.id = reader.string();
    }
    prefix
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn skip_white_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// Skips white space, then `byte`.
    fn punct(&mut self, byte: u8) -> bool {
        self.skip_white_space();
        if self.bytes.get(self.pos) == Some(&byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A JSON number that is a non-negative integer (`2`, not `2.0`).
    fn integer(&mut self) -> Option<u64> {
        self.skip_white_space();
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        if matches!(self.bytes.get(self.pos), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        std::str::from_utf8(&self.bytes[start..self.pos])
            .ok()?
            .parse()
            .ok()
    }

    /// A complete JSON string, unescaped by serde_json (which checks the escapes).
    fn string(&mut self) -> Option<String> {
        self.skip_white_space();
        let start = self.pos;
        if self.bytes.get(self.pos) != Some(&b'"') {
            return None;
        }
        self.pos += 1;
        loop {
            match self.bytes.get(self.pos)? {
                b'"' => break,
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
        let literal = std::str::from_utf8(self.bytes.get(start..=self.pos)?).ok()?;
        match serde_json::from_str(literal).ok()? {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Option<u64>, Option<String>) {
        let p = peek(text);
        (p.type_id, p.id)
    }

    #[test]
    fn reads_type_and_id_of_any_frame_start() {
        assert_eq!(read(r#"[2,"abc","Reset""#), (Some(2), Some("abc".into())));
        assert_eq!(read(" [ 3 ,\n\t\"x\" ,"), (Some(3), Some("x".into())));
        assert_eq!(read(r#"[2,"a\"b\u00e9","#), (Some(2), Some("a\"bé".into())));
        assert_eq!(read(r#"[2,"","#), (Some(2), Some(String::new())));
        let deep = format!(r#"[2,"d","A",{}"#, "[".repeat(100_000));
        assert_eq!(read(&deep), (Some(2), Some("d".into())));
        let long = "x".repeat(37);
        assert_eq!(
            read(&format!(r#"[2,"{long}",{{}}]"#)),
            (Some(2), Some(long))
        );
    }

    #[test]
    fn unreadable_starts() {
        assert_eq!(read(""), (None, None));
        assert_eq!(read("garbage"), (None, None));
        assert_eq!(read("{}"), (None, None));
        assert_eq!(read("[-2,\"a\""), (None, None));
        assert_eq!(read("[2.0,\"a\""), (None, None));
        assert_eq!(read("[2"), (Some(2), None));
        assert_eq!(read("[2,17"), (Some(2), None));
        assert_eq!(read(r#"[2,"unterminated"#), (Some(2), None));
        assert_eq!(read(r#"[2,"bad \q escape""#), (Some(2), None));
        assert_eq!(read(r#"[2,"ends in a backslash\"#), (Some(2), None));
        // An id that does not end within the window is not read.
        let huge = format!(r#"[2,"{}"]"#, "x".repeat(PEEK_LEN));
        assert_eq!(read(&huge), (Some(2), None));
        // 2^64 does not fit.
        assert_eq!(read("[18446744073709551616,\"a\""), (None, None));
    }

    #[test]
    fn never_reads_past_the_window() {
        // A multi-byte character cut by the window leaves an incomplete string, not a panic.
        let text = format!(r#"[2,"{}"]"#, "é".repeat(PEEK_LEN));
        assert_eq!(read(&text), (Some(2), None));
    }
}
