//! The AuthorizationKey of security profiles 1 and 2 as the central system sets it: in "hex
//! notation" or as plain text. Here, not in the transport, because two crates need the same
//! rule: the configuration checks the decoded key (its length) and the transport sends it, and
//! the charge-point core may not depend on the transport.

/// Decodes an AuthorizationKey given in "hex notation", as libocpp does when the CSMS sets it
/// with ChangeConfiguration (`isHexNotation` / `hexToString` in
/// `lib/ocpp/v16/charge_point_configuration.cpp`); any other value is returned unchanged.
///
/// A value is in hex notation when it is longer than 2 characters, all of them hex digits, and
/// every byte it encodes is printable ASCII (0x20 to 0x7e) or a line feed. So
/// `"3132333435363738393031323334353637"` becomes `"12345678901234567"`, while a 40-character hex
/// key of random bytes (not printable) stays as it is, used as text.
///
/// Departures from libocpp, both on malformed input: libocpp does not check the first two
/// characters and decodes a trailing odd nibble; here an odd length or any non-hex character
/// means "not hex notation".
pub fn decode_hex_notation(value: &str) -> String {
    let bytes = value.as_bytes();
    if bytes.len() <= 2
        || !bytes.len().is_multiple_of(2)
        || !bytes.iter().all(u8::is_ascii_hexdigit)
    {
        return value.to_owned();
    }
    let decoded: Option<Vec<u8>> = bytes
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).ok()?;
            let byte = u8::from_str_radix(text, 16).ok()?;
            ((0x20..=0x7e).contains(&byte) || byte == 0x0a).then_some(byte)
        })
        .collect();
    match decoded.and_then(|d| String::from_utf8(d).ok()) {
        Some(text) => text,
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_notation() {
        // "12345678901234567" in hex.
        assert_eq!(
            decode_hex_notation("3132333435363738393031323334353637"),
            "12345678901234567"
        );
        assert_eq!(decode_hex_notation("4142430a"), "ABC\n");
        assert_eq!(decode_hex_notation("4a4B4c"), "JKL");
        // Not printable once decoded: kept as text.
        let random = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";
        assert_eq!(decode_hex_notation(random), random);
        assert_eq!(decode_hex_notation("00414243"), "00414243");
        assert_eq!(decode_hex_notation("41424"), "41424"); // odd length
        assert_eq!(decode_hex_notation("41"), "41"); // too short
        assert_eq!(decode_hex_notation("4142zz"), "4142zz");
        assert_eq!(
            decode_hex_notation("my-plain-password!"),
            "my-plain-password!"
        );
        assert_eq!(decode_hex_notation(""), "");
    }
}
