//! Secrets out of every frame the station shows (DESIGN §7a): the values of write-only
//! configuration keys (AuthorizationKey, and any a custom schema declares `writeOnly`) become
//! `<redacted>` before a frame reaches a log file, the console, the event stream or the
//! recent frames; the frame that went over the wire is not changed.
//!
//! What a secret looks like in OCPP 1.6: `{"key": "AuthorizationKey", "value": "..."}`, in a
//! ChangeConfiguration.req, and (never from ferrocharge, which does not report write-only
//! keys) in GetConfiguration.conf's `configurationKey`. So every object of a frame, whatever
//! its action and also in a frame that is not valid OCPP-J, is looked at for a secret `key`
//! beside a `value`. The answer to a CALL that carried a secret is scrubbed of it too (a
//! CALLERROR's description could quote what it refused). Text that is not JSON cannot be
//! read that way: when it names a secret key, it is replaced whole.
//!
//! The password of a URL (`ftp://user:password@host/...`, as UpdateFirmware and GetDiagnostics
//! locations carry them) becomes `***`, as the System module's own log lines show it.
//!
//! Values are replaced in the text, string token by string token, not by writing the parsed
//! JSON again: the log keeps the frame as it went over the wire otherwise (`json_text` says
//! why).

use chargepoint::config::Registry;
use serde_json::Value;

/// What a secret value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// A secret this long or longer is also looked for inside the strings of the CALL's answer;
/// a shorter one (never a valid AuthorizationKey, which needs 16 bytes) would match common
/// words such as `Rejected` and hide them.
const MIN_ECHO_LEN: usize = 8;

/// The configuration keys whose values are secret: the write-only keys of a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKeys(Vec<String>);

impl SecretKeys {
    /// These key names (compared ignoring ASCII case: OCPP's CiString).
    pub fn new(names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        SecretKeys(names.into_iter().map(Into::into).collect())
    }

    /// The write-only keys of `registry` (the station's, with its custom schema).
    pub fn of(registry: &Registry) -> Self {
        Self::new(
            registry
                .keys()
                .filter(|k| k.write_only())
                .map(|k| k.name.clone()),
        )
    }

    /// The write-only keys of the embedded schemas (AuthorizationKey); just AuthorizationKey
    /// should the schemas not load (they are compiled in and tested, so they do).
    pub fn embedded() -> Self {
        Registry::embedded()
            .map(Self::of)
            .unwrap_or_else(|_| Self::new(["AuthorizationKey"]))
    }

    fn is_secret(&self, key: &str) -> bool {
        self.0.iter().any(|k| k.eq_ignore_ascii_case(key))
    }

    /// Whether the JSON `text` may name one of the keys: it does (in any case), or it has an
    /// escape (`\u0041uthorizationKey` is AuthorizationKey too). When not, no object of it
    /// can have a secret `key`, and the frame need not be parsed to be sure ([`collect_secrets`]).
    pub fn may_be_named_in(&self, text: &str) -> bool {
        text.contains('\\') || self.0.iter().any(|k| contains_ignoring_case(text, k))
    }

    /// Whether `text` names one of the keys anywhere.
    fn named_in(&self, text: &str) -> bool {
        let text = text.to_ascii_lowercase();
        self.0
            .iter()
            .any(|k| text.contains(&k.to_ascii_lowercase()))
    }
}

/// Whether `text` has `key` in it, ignoring ASCII case. Every frame the station logs is looked
/// at so: only the places of the key's first letter (found with SIMD by `memchr`) are compared,
/// where comparing at every byte was a quarter of the station's CPU in a round trip.
fn contains_ignoring_case(text: &str, key: &str) -> bool {
    let (text, key) = (text.as_bytes(), key.as_bytes());
    let Some(&first) = key.first() else {
        return false;
    };
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), text).any(|at| {
        text.get(at..at + key.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(key))
    })
}

impl Default for SecretKeys {
    fn default() -> Self {
        Self::embedded()
    }
}

/// A frame as the station may show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    /// The text with every secret replaced.
    pub text: String,
    /// The secret values this frame carried (what its answer is scrubbed of).
    pub secrets: Vec<String>,
}

/// `text` (parsed as `value` when it is JSON) with the values of `keys` and the `known`
/// secrets (those of the CALL it answers) replaced by [`REDACTED`].
pub fn redact(text: &str, value: Option<&Value>, keys: &SecretKeys, known: &[String]) -> Redacted {
    let echoed = |s: &str| {
        known
            .iter()
            .any(|k| k.len() >= MIN_ECHO_LEN && s.contains(k.as_str()))
    };
    let Some(value) = value else {
        let text = if keys.named_in(text) || echoed(text) {
            format!("{REDACTED} (not JSON, and it names a write-only configuration key)")
        } else {
            hide_url_passwords(text).unwrap_or_else(|| text.to_owned())
        };
        return Redacted {
            text,
            secrets: Vec::new(),
        };
    };
    redact_json(text, collect_secrets(value, keys), known)
}

/// `text`, which is JSON and holds the secret values `secrets` (what [`collect_secrets`]
/// found in it), with those and the `known` secrets (those of the CALL it answers) replaced
/// by [`REDACTED`], and the passwords of URLs by `***`.
pub fn redact_json(text: &str, secrets: Vec<String>, known: &[String]) -> Redacted {
    if secrets.is_empty() && known.is_empty() && !text.contains("://") {
        return Redacted {
            text: text.to_owned(),
            secrets,
        };
    }
    let echoed = |s: &str| {
        known
            .iter()
            .any(|k| k.len() >= MIN_ECHO_LEN && s.contains(k.as_str()))
    };
    let shown = |s: &str| {
        if secrets.iter().any(|k| k == s) || echoed(s) {
            Some(REDACTED.to_owned())
        } else {
            hide_url_passwords(s)
        }
    };
    Redacted {
        text: replace_strings(text, shown),
        secrets,
    }
}

/// `text` with the password of every URL in it (`scheme://user:password@host...`) replaced
/// by `***`; `None` when it has none.
pub fn hide_url_passwords(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends where the path, query or fragment starts, or the URL does.
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'') || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rsplit_once('@') {
            Some((userinfo, host)) if userinfo.contains(':') => {
                let user = userinfo.split(':').next().unwrap_or_default();
                out.push_str(&format!("{user}:***@{host}"));
                changed = true;
            }
            _ => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// The values beside a secret `key` anywhere in `value` (a parsed frame).
pub fn collect_secrets(value: &Value, keys: &SecretKeys) -> Vec<String> {
    let mut secrets = Vec::new();
    collect(value, keys, &mut secrets);
    secrets
}

/// The values beside a secret `key` anywhere in `value`.
fn collect(value: &Value, keys: &SecretKeys, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let secret = map
                .get("key")
                .and_then(Value::as_str)
                .is_some_and(|k| keys.is_secret(k));
            if let (true, Some(Value::String(v))) = (secret, map.get("value")) {
                if !v.is_empty() && !out.contains(v) {
                    out.push(v.clone());
                }
            }
            map.values().for_each(|v| collect(v, keys, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, keys, out)),
        _ => {}
    }
}

/// `json` with every string token for whose value `shown` gives another text replaced by
/// that text (as a JSON string); everything else stays as written.
fn replace_strings(json: &str, shown: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(start) = rest.find('"') {
        out.push_str(&rest[..start]);
        let token = &rest[start..];
        let end = string_end(token);
        let literal = &token[..end];
        // The text is valid JSON, so every token decodes; one that did not would be kept.
        let replaced = serde_json::from_str::<String>(literal)
            .ok()
            .and_then(|decoded| shown(&decoded))
            .and_then(|text| serde_json::to_string(&text).ok());
        out.push_str(replaced.as_deref().unwrap_or(literal));
        rest = &token[end..];
    }
    out.push_str(rest);
    out
}

/// The length of the string literal at the start of `token` (which starts with `"`),
/// closing quote included; the whole of `token` when it is not closed.
fn string_end(token: &str) -> usize {
    let mut escaped = false;
    for (i, c) in token.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return i + 1,
            _ => {}
        }
    }
    token.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, known: &[String]) -> Redacted {
        let value = serde_json::from_str::<Value>(text).ok();
        redact(text, value.as_ref(), &SecretKeys::embedded(), known)
    }

    #[test]
    fn a_key_is_found_in_any_case_anywhere_and_only_whole() {
        let keys = SecretKeys::new(["AuthorizationKey", "", "9Digits"]);
        for text in [
            r#"{"key":"AuthorizationKey"}"#,
            r#"{"key":"AUTHORIZATIONKEY"}"#,
            "authorizationkey",
            "aaAuThOrIzAtIoNkEy!",
            "é€authorizationKEY",
            "x9DIGITS",
        ] {
            assert!(keys.may_be_named_in(text), "{text}");
        }
        for text in [
            "",
            r#"[3,"1",{"status":"Accepted"}]"#,
            "AuthorizationKe",
            "Authorization Key",
            "aaaaAuthorizationKe",
            "Digits",
        ] {
            assert!(!keys.may_be_named_in(text), "{text}");
        }
        // An escape may spell any key.
        assert!(keys.may_be_named_in(r#"{"key":"\u0041uthorizationKey"}"#));
    }

    #[test]
    fn the_embedded_secret_keys_are_the_write_only_ones() {
        assert_eq!(
            SecretKeys::embedded(),
            SecretKeys::new(["AuthorizationKey"])
        );
    }

    #[test]
    fn a_change_configuration_of_a_write_only_key_loses_its_value_only() {
        let frame = r#"[2, "7", "ChangeConfiguration", {"key": "AuthorizationKey", "value": "0123456789abcdef0123"}]"#;
        let r = run(frame, &[]);
        assert_eq!(
            r.text,
            r#"[2, "7", "ChangeConfiguration", {"key": "AuthorizationKey", "value": "<redacted>"}]"#
        );
        assert_eq!(r.secrets, ["0123456789abcdef0123"]);
        // Any spelling of the key, escapes in the value, any order of the fields.
        let frame = r#"[2,"8","ChangeConfiguration",{"value":"s\u0065cret-secret-1","key":"authorizationKEY"}]"#;
        assert_eq!(
            run(frame, &[]).text,
            r#"[2,"8","ChangeConfiguration",{"value":"<redacted>","key":"authorizationKEY"}]"#
        );
        // Other keys are shown.
        let frame = r#"[2,"9","ChangeConfiguration",{"key":"HeartbeatInterval","value":"60"}]"#;
        assert_eq!(
            run(frame, &[]),
            Redacted {
                text: frame.into(),
                secrets: vec![]
            }
        );
    }

    #[test]
    fn get_configuration_answers_and_broken_frames_are_redacted_too() {
        let answer = r#"[3,"1",{"configurationKey":[{"key":"AuthorizationKey","readonly":false,"value":"aaaaaaaaaaaaaaaa"},{"key":"HeartbeatInterval","readonly":false,"value":"60"}]}]"#;
        assert_eq!(
            run(answer, &[]).text,
            r#"[3,"1",{"configurationKey":[{"key":"AuthorizationKey","readonly":false,"value":"<redacted>"},{"key":"HeartbeatInterval","readonly":false,"value":"60"}]}]"#
        );
        // JSON, but no OCPP-J frame (a number for the id): still read.
        let broken =
            r#"[2,7,"ChangeConfiguration",{"key":"AuthorizationKey","value":"bbbbbbbbbbbbbbbb"}]"#;
        assert!(!run(broken, &[]).text.contains("bbbb"));
        // Not JSON at all: replaced whole when it names a secret key, else kept.
        let cut =
            r#"[2,"7","ChangeConfiguration",{"key":"AuthorizationKey","value":"cccccccccccccccc"}"#;
        let r = run(cut, &[]);
        assert!(
            !r.text.contains("cccc") && r.text.starts_with(REDACTED),
            "{}",
            r.text
        );
        assert_eq!(run("not json", &[]).text, "not json");
    }

    #[test]
    fn the_answer_is_scrubbed_of_the_secrets_of_its_call() {
        let known = vec!["dddddddddddddddd".to_owned()];
        let error = r#"[4,"7","PropertyConstraintViolation","value dddddddddddddddd is too long",{"value":"dddddddddddddddd"}]"#;
        assert_eq!(
            run(error, &known).text,
            r#"[4,"7","PropertyConstraintViolation","<redacted>",{"value":"<redacted>"}]"#
        );
        // A short secret (refused anyway) does not hide the words of the answer.
        let short = vec!["ejecte".to_owned()];
        let answer = r#"[3,"7",{"status":"Rejected"}]"#;
        assert_eq!(run(answer, &short).text, answer);
    }

    #[test]
    fn url_passwords_become_stars() {
        let frame = r#"[2,"1","UpdateFirmware",{"location":"ftp://fc:s%40cret@10.0.0.1:21/fw/a.bin","retrieveDate":"2026-01-01T00:00:00Z"}]"#;
        assert_eq!(
            run(frame, &[]).text,
            r#"[2,"1","UpdateFirmware",{"location":"ftp://fc:***@10.0.0.1:21/fw/a.bin","retrieveDate":"2026-01-01T00:00:00Z"}]"#
        );
        let frame = r#"[2,"2","GetDiagnostics",{"location":"ftp://anonymous@h/up/"}]"#;
        assert_eq!(run(frame, &[]).text, frame);
        assert_eq!(
            hide_url_passwords(
                r#"DownloadFirmware { location: "ftp://u:p@h/x" } and http://a:b@c"#
            )
            .as_deref(),
            Some(r#"DownloadFirmware { location: "ftp://u:***@h/x" } and http://a:***@c"#)
        );
        assert_eq!(hide_url_passwords("http://h/p?u=a:b@c"), None);
    }

    #[test]
    fn string_tokens_end_at_their_own_quote() {
        assert_eq!(string_end(r#""a\"b" rest"#), 6);
        assert_eq!(string_end(r#""a\\" rest"#), 5);
        assert_eq!(string_end(r#""open"#), 5);
        assert_eq!(
            replace_strings(r#"{"a":"x","b":["x","y\"x"]}"#, |s| (s == "x")
                .then(|| REDACTED.to_owned())),
            r#"{"a":"<redacted>","b":["<redacted>","y\"x"]}"#
        );
    }
}
