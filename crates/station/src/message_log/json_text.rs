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
    let mut out = String::with_capacity(text.len() * 2);
    let mut level = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, level: usize| {
        if let Some(width) = indent {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', width * level));
        }
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            ' ' | '\t' | '\n' | '\r' => {}
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    // An empty object or array: its closing bracket follows at once.
                    continue;
                }
                level += 1;
                newline(&mut out, level);
            }
            '}' | ']' => {
                // `level` is 0 here only when the bracket closes an empty container.
                if !matches!(out.chars().last(), Some('{' | '[')) {
                    level = level.saturating_sub(1);
                    newline(&mut out, level);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, level);
            }
            ':' => {
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    out
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
