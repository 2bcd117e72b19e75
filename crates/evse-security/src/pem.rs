//! PEM certificates (RFC 7468): the `CERTIFICATE` blocks of a text, each decoded on its own, so
//! that one damaged block of a bundle costs that certificate only. Text around the blocks
//! (OpenSSL's "subject=" lines, comments) is allowed and ignored.

use base64::Engine;

use crate::x509::Certificate;

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// One `CERTIFICATE` block of a text: its certificate, or why it is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// A certificate.
    Certificate(Box<Certificate>),
    /// The block's number (from 1) and what is wrong with it.
    Unreadable { index: usize, reason: String },
}

/// The `CERTIFICATE` blocks of `text`, in order.
pub(crate) fn certificate_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let index = blocks.len() + 1;
        let body_start = start + BEGIN.len();
        let Some(end) = rest[body_start..].find(END) else {
            blocks.push(Block::Unreadable {
                index,
                reason: "no END CERTIFICATE line".to_owned(),
            });
            break;
        };
        let body: String = rest[body_start..body_start + end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        rest = &rest[body_start + end + END.len()..];
        let block = match base64::engine::general_purpose::STANDARD.decode(body.as_bytes()) {
            Err(e) => Block::Unreadable {
                index,
                reason: format!("bad base64: {e}"),
            },
            Ok(der) => match Certificate::from_der(&der) {
                Ok(cert) => Block::Certificate(Box::new(cert)),
                Err(e) => Block::Unreadable {
                    index,
                    reason: e.to_string(),
                },
            },
        };
        blocks.push(block);
    }
    blocks
}

/// `der` as a PEM `CERTIFICATE` block, 64 characters a line, ending with a newline.
pub(crate) fn encode_certificate(der: &[u8]) -> String {
    encode("CERTIFICATE", der)
}

/// `der` as a PEM block labelled `label`, 64 characters a line, ending with a newline.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 32);
    out.push_str(&format!("-----BEGIN {label}-----\n"));
    for line in b64.as_bytes().chunks(64) {
        // base64 output is ASCII
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Every PEM block of `text` whose label is one of `labels`: the label and its decoded content,
/// or why it cannot be decoded (OpenSSL's encrypted traditional keys, whose headers are not
/// base64, among them).
pub(crate) fn labelled_blocks<'a>(
    text: &str,
    labels: &[&'a str],
) -> Vec<(&'a str, Result<Vec<u8>, String>)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = &after[..label_end];
        let body = &after[label_end + 5..];
        let end_line = format!("-----END {label}-----");
        let Some(end) = body.find(&end_line) else {
            break;
        };
        if let Some(known) = labels.iter().find(|l| **l == label) {
            let b64: String = body[..end]
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| format!("bad base64: {e}"));
            found.push((*known, decoded));
        }
        rest = &body[end + end_line.len()..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_blocks_are_numbered_and_the_rest_kept() {
        let text =
            format!("subject=CN=x\n{BEGIN}\n!!!!\n{END}\n{BEGIN}\nMAMCAQE=\n{END}\n{BEGIN}\nAAAA");
        let blocks = certificate_blocks(&text);
        assert_eq!(blocks.len(), 3);
        assert!(
            matches!(&blocks[0], Block::Unreadable { index: 1, reason } if reason.starts_with("bad base64")),
            "{blocks:?}"
        );
        assert!(
            matches!(&blocks[1], Block::Unreadable { index: 2, reason } if reason.starts_with("not an X.509 certificate")),
            "{blocks:?}"
        );
        assert_eq!(
            blocks[2],
            Block::Unreadable {
                index: 3,
                reason: "no END CERTIFICATE line".to_owned()
            }
        );
        assert_eq!(certificate_blocks("no pem here"), vec![]);
    }

    #[test]
    fn labelled_blocks_are_found_among_others() {
        let text = format!(
            "{}{}-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END EC PRIVATE KEY-----\n",
            encode("PRIVATE KEY", &[1, 2, 3]),
            encode_certificate(&[4])
        );
        let found = labelled_blocks(&text, &["PRIVATE KEY", "EC PRIVATE KEY"]);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0], ("PRIVATE KEY", Ok(vec![1, 2, 3])));
        assert_eq!(found[1].0, "EC PRIVATE KEY");
        assert!(found[1].1.is_err());
    }

    #[test]
    fn encoding_wraps_at_64() {
        let pem = encode_certificate(&[0u8; 60]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], BEGIN);
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines[2].len(), 16);
        assert_eq!(lines[3], END);
    }
}
