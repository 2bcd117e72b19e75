//! The query string of a request, read by hand (axum's `Query` would add serde_urlencoded to
//! the tree for three optional parameters): `a=b&c=d`, `+` and `%XX` decoded, unknown names
//! refused so a typo does not silently widen a filter.

use axum::http::Uri;

use super::ApiError;

/// The parameters of `uri`'s query, in order; 400 for a name not in `known`, a repeated
/// name or a value that is not UTF-8 after decoding.
pub(crate) fn parse(uri: &Uri, known: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let Some(query) = uri.query() else {
        return Ok(out);
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name)?;
        if !known.contains(&name.as_str()) {
            return Err(ApiError::bad(format!(
                "query: unknown parameter '{name}' (known: {})",
                known.join(", ")
            )));
        }
        if out.iter().any(|(n, _)| *n == name) {
            return Err(ApiError::bad(format!("query: '{name}' given twice")));
        }
        out.push((name, decode(value)?));
    }
    Ok(out)
}

/// The value of `name` in parsed parameters.
pub(crate) fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// `+` as space and `%XX` as its byte.
fn decode(text: &str) -> Result<String, ApiError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| ApiError::bad(format!("query: bad escape in '{text}'")))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ApiError::bad(format!("query: '{text}' is not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parameters_are_decoded_and_checked() {
        let params = parse(
            &uri("/x?action=Boot%4eotification&charge_point=cp+1"),
            &["action", "charge_point"],
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(get(&params, "action"), Some("BootNotification"));
        assert_eq!(get(&params, "charge_point"), Some("cp 1"));
        assert_eq!(get(&params, "after"), None);
        let refused = |s: &str| parse(&uri(s), &["a"]).err().map(|e| e.message);
        assert_eq!(
            refused("/x?b=1").as_deref(),
            Some("query: unknown parameter 'b' (known: a)")
        );
        assert_eq!(
            refused("/x?a=1&a=2").as_deref(),
            Some("query: 'a' given twice")
        );
        assert_eq!(
            refused("/x?a=%zz").as_deref(),
            Some("query: bad escape in '%zz'")
        );
        assert_eq!(
            refused("/x?a=%ff").as_deref(),
            Some("query: '%ff' is not UTF-8")
        );
    }
}
