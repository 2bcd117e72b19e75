//! Value forms checked on ChangeConfiguration only (the schemas' `x-format`), and the hex
//! notation of AuthorizationKey.
//!
//! libocpp checks these forms only when the central system sets a value, not when the file is
//! loaded, and its own example configs hold values that fail them (config-full.json's
//! ConnectorPhaseRotation "RST0.RST,1.RST,2.RTS", a NextTimeOffsetTransitionDateTime without time
//! zone), so loading stays as lenient as libocpp's.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::schema::split_list;

/// The rotations OCPP 1.6 §9.1.8 allows after `<connector>.`.
const ROTATIONS: [&str; 8] = [
    "RST",
    "RTS",
    "SRT",
    "STR",
    "TRS",
    "TSR",
    "NotApplicable",
    "Unknown",
];

/// Checks a ConnectorPhaseRotation value: members `<connector>.<rotation>` with connector 0 to
/// `connectors`. libocpp does the same, except that it only allows one-digit connector ids.
pub fn check_phase_rotation(value: &str, connectors: u32) -> Result<(), String> {
    let members = split_list(value);
    if members.is_empty() {
        return Err("at least one <connector>.<rotation> member is required".to_string());
    }
    for member in members {
        let (id, rotation) = member
            .split_once('.')
            .ok_or_else(|| format!("{member:?} is not <connector>.<rotation>"))?;
        let id: u32 = id
            .parse()
            .map_err(|_| format!("{member:?}: {id:?} is not a connector id"))?;
        if id > connectors {
            return Err(format!(
                "{member:?}: connector {id} does not exist (NumberOfConnectors is {connectors})"
            ));
        }
        if !ROTATIONS.contains(&rotation) {
            return Err(format!(
                "{member:?}: {rotation:?} is not one of {}",
                ROTATIONS.join(", ")
            ));
        }
    }
    Ok(())
}

/// Checks a time offset such as `+01:00`, `-05:30` or `02:00`: hours -24 to 24, minutes 0 to 59,
/// the ranges libocpp checks.
pub fn check_time_offset(value: &str) -> Result<(), String> {
    let bad = || format!("{value:?} is not a time offset like +01:00");
    let (hours, minutes) = value.split_once(':').ok_or_else(bad)?;
    let digits = hours.strip_prefix(['+', '-']).unwrap_or(hours);
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(digits) || digits.len() > 2 || minutes.len() != 2 || !all_digits(minutes) {
        return Err(bad());
    }
    let h: i32 = digits.parse().map_err(|_| bad())?;
    let m: i32 = minutes.parse().map_err(|_| bad())?;
    if h > 24 || m > 59 {
        return Err(format!(
            "{value:?}: hours must be -24 to 24 and minutes 0 to 59"
        ));
    }
    Ok(())
}

/// Checks a date-time for NextTimeOffsetTransitionDateTime: RFC 3339 (a value without time zone
/// is read as UTC, as libocpp's example configs write it) and, as libocpp requires, after `now`.
pub fn check_future_date_time(value: &str, now: DateTime<Utc>) -> Result<(), String> {
    let at = DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
        })
        .map_err(|_| format!("{value:?} is not a date-time like 2025-03-30T01:00:00Z"))?;
    if at <= now {
        return Err(format!("{value} is not in the future"));
    }
    Ok(())
}

/// Decodes an AuthorizationKey sent in hex notation, as libocpp does: a value of hex digit
/// pairs whose bytes are all printable ASCII (or newline) is taken as hex and decoded; anything
/// else is the key itself. The whitepaper has the central system send the key as hexBinary, but
/// libocpp also accepts plain keys, and so do we. The transport decodes the same way: one rule
/// ([`ocpp_types::security::decode_hex_notation`], which ocpp-ws uses too) for what is
/// checked here and what is sent.
pub fn decode_authorization_key(value: &str) -> String {
    ocpp_types::security::decode_hex_notation(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_rotation() {
        assert!(check_phase_rotation("0.RST,1.RST", 1).is_ok());
        assert!(check_phase_rotation("0.NotApplicable, 1.Unknown, 2.TSR", 2).is_ok());
        assert!(check_phase_rotation("0.RST,12.RTS", 12).is_ok());
        assert!(check_phase_rotation("2.RST", 1)
            .unwrap_err()
            .contains("does not exist"));
        assert!(check_phase_rotation("1.XYZ", 1).is_err());
        assert!(check_phase_rotation("RST0.RST", 1).is_err());
        assert!(check_phase_rotation("", 1).is_err());
    }

    #[test]
    fn time_offsets() {
        for ok in ["+01:00", "-05:30", "02:00", "00:00", "-24:00"] {
            assert!(check_time_offset(ok).is_ok(), "{ok}");
        }
        for bad in ["1", "+1:0", "25:00", "01:60", "ab:cd", "01:00:00", "+:00"] {
            assert!(check_time_offset(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn future_date_times() {
        let now = DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(check_future_date_time("2025-03-30T01:00:00Z", now).is_ok());
        assert!(check_future_date_time("2025-03-30T01:00:00+02:00", now).is_ok());
        assert!(check_future_date_time("2025-03-30T01:00:00", now).is_ok());
        assert!(check_future_date_time("2024-01-01T00:00:00", now)
            .unwrap_err()
            .contains("not in the future"));
        assert!(check_future_date_time("tomorrow", now).is_err());
    }

    #[test]
    fn hex_notation() {
        // "0123456789abcdef" in hex.
        assert_eq!(
            decode_authorization_key("30313233343536373839616263646566"),
            "0123456789abcdef"
        );
        // Not all bytes printable: the value is the key itself (as libocpp).
        assert_eq!(
            decode_authorization_key("DEADBEEFDEADBEEF"),
            "DEADBEEFDEADBEEF"
        );
        assert_eq!(
            decode_authorization_key("AABBCCDDEEFFGGHH"),
            "AABBCCDDEEFFGGHH"
        );
        assert_eq!(decode_authorization_key("414"), "414");
    }
}
