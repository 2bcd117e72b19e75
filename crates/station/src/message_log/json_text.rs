//! Re-spacing JSON text without re-serializing it: the log shows a message exactly as it went
//! over the wire (key order, number spelling, escapes), only indented. Going through
//! `serde_json::Value` would sort object keys (the workspace builds serde_json without
//! `preserve_order`) and so show a payload in an order no peer ever sent.

/// `text` (which must be valid JSON) without the whitespace between tokens: [`respace`] with
/// no indent, but a frame without any whitespace (as serializers write JSON, ferrocharge's own
/// and most central systems') is copied as it is, without going through it character by
/// character.
pub fn compact(text: &str) -> std::borrow::Cow<'_, str> {
    if text
        .bytes()
        .any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        std::borrow::Cow::Owned(respace(text, None))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// `text` (which must be valid JSON) with the whitespace between tokens removed (`indent` is
/// `None`) or replaced by newlines and `indent` spaces a level. Empty `{}` and `[]` stay on one
/// line.
pub fn respace(text: &str, indent: Option<usize>) -> String {
    // Byte by byte: every byte that matters here (brackets, quotes, commas, colons, JSON
    // whitespace, backslashes) is ASCII, and the bytes of a multi-byte character never are, so
    // a string literal is copied whole and nothing is ever cut inside a character.
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(text.len() + text.len() / 2);
    let mut level = 0usize;
    let newline = |out: &mut Vec<u8>, level: usize| {
        if let Some(width) = indent {
            out.push(b'\n');
            out.resize(out.len() + width * level, b' ');
        }
    };
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    i += if c == b'\\' { 2 } else { 1 };
                    if c == b'"' {
                        break;
                    }
                }
                out.extend_from_slice(&bytes[start..i.min(bytes.len())]);
                continue;
            }
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'{' | b'[' => {
                out.push(b);
                let mut next = i + 1;
                while bytes.get(next).is_some_and(u8::is_ascii_whitespace) {
                    next += 1;
                }
                i = next;
                if !matches!(bytes.get(next), Some(b'}' | b']')) {
                    level += 1;
                    newline(&mut out, level);
                }
                // An empty object or array: its closing bracket follows at once.
                continue;
            }
            b'}' | b']' => {
                // `level` is 0 here only when the bracket closes an empty container.
                if !matches!(out.last(), Some(b'{' | b'[')) {
                    level = level.saturating_sub(1);
                    newline(&mut out, level);
                }
                out.push(b);
            }
            b',' => {
                out.push(b);
                newline(&mut out, level);
            }
            b':' => {
                out.push(b':');
                if indent.is_some() {
                    out.push(b' ');
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    // Only ASCII was added or left out between characters, so this is always UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::respace;

    const FRAME: &str = r#"[2, "1", "BootNotification", {"zeta": 1.50, "alpha": [], "s": "a, b: {\"c\"}", "o": {}}]"#;

    #[test]
    fn compact_is_respace_without_indent() {
        for text in [
            FRAME,
            r#"[2,"1","Heartbeat",{}]"#,
            "[3,\"1\",{\"a\":\"x y\"}]",
            "[ 3 ,\t\"1\" ,\r\n{ \"ä €\" : [ ] , \"b\":{ } ,\"c\\\\\":\"\\\"}\" } ]",
        ] {
            assert_eq!(super::compact(text), respace(text, None), "{text}");
        }
    }

    #[test]
    fn keeps_key_order_numbers_and_strings() {
        assert_eq!(
            respace(FRAME, None),
            r#"[2,"1","BootNotification",{"zeta":1.50,"alpha":[],"s":"a, b: {\"c\"}","o":{}}]"#
        );
    }

    #[test]
    fn characters_of_several_bytes_and_escapes_pass_whole() {
        assert_eq!(
            respace(
                "[ 3 , \"1\" , { \"ä €\" : [ ] , \"b\\\\\" : \"x\\\" , y\" } ]",
                None
            ),
            "[3,\"1\",{\"ä €\":[],\"b\\\\\":\"x\\\" , y\"}]"
        );
        assert_eq!(respace("{\"😀\":{ }}", Some(1)), "{\n \"😀\": {}\n}");
    }

    #[test]
    fn indents_like_serde_json_pretty() {
        let expected = "[\n  2,\n  \"1\",\n  \"BootNotification\",\n  {\n    \"zeta\": 1.50,\n    \
                        \"alpha\": [],\n    \"s\": \"a, b: {\\\"c\\\"}\",\n    \"o\": {}\n  }\n]";
        assert_eq!(respace(FRAME, Some(2)), expected);
        // Where serde_json agrees on the content, the layout is the same.
        let v: serde_json::Value =
            serde_json::from_str(r#"[3,"1",{"a":[1,{"b":null}]}]"#).unwrap_or_default();
        assert_eq!(
            respace(&v.to_string(), Some(2)),
            serde_json::to_string_pretty(&v).unwrap_or_default()
        );
    }
}
