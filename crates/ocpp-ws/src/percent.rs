//! Percent-encoding of one URL path segment: the ChargePointId at the end of the CSMS URL.

/// Percent-encodes what may not stand in a URL path segment (RFC 3986 `pchar`).
pub(crate) fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        let plain = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b);
        if plain {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undoes [`encode_segment`]; `None` when an escape is broken or the result is not UTF-8.
pub(crate) fn decode_segment(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            // from_str_radix alone would take a sign ("%+1").
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for id in ["cp001", "CP 1/ä", "a%b", "~-._!$&'()*+,;=:@"] {
            assert_eq!(decode_segment(&encode_segment(id)).as_deref(), Some(id));
        }
        assert_eq!(encode_segment("CP 1/ä"), "CP%201%2F%C3%A4");
        assert_eq!(encode_segment("cp001"), "cp001");
    }

    #[test]
    fn broken_escapes() {
        assert_eq!(decode_segment("bad%2"), None);
        assert_eq!(decode_segment("bad%zz"), None);
        assert_eq!(decode_segment("%FF"), None);
        assert_eq!(decode_segment("%+1"), None);
    }
}
