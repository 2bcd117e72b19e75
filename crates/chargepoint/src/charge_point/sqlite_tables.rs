//! The tables of the core's store in SQLite, as both layouts read them ([`super::sqlite_rows`]):
//! the columns of each (besides a shared file's `station`), and how a row becomes a record.

use ocpp_types::charging_profile::ChargingProfile;
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use ocpp_types::Action;
use rusqlite::types::FromSql;
use rusqlite::Row;
use serde::de::DeserializeOwned;

use super::store::{StoredMessage, StoredReservation, StoredTransaction};
use crate::recovery::Table;

/// A column of a row being decoded; a value of the wrong type makes the record unreadable.
fn column<T: FromSql>(row: &Row<'_>, index: usize) -> Result<T, String> {
    row.get(index).map_err(|e| e.to_string())
}

/// A record kept as JSON.
fn json_column<T: DeserializeOwned>(row: &Row<'_>, index: usize) -> Result<T, String> {
    let text: String = column(row, index)?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// How one row of a table becomes a record.
pub(crate) type Decode<T> = fn(&Row<'_>) -> Result<T, String>;

pub(crate) fn decode_transaction(row: &Row<'_>) -> Result<StoredTransaction, String> {
    json_column(row, 1)
}

pub(crate) fn decode_message(row: &Row<'_>) -> Result<StoredMessage, String> {
    let key: i64 = column(row, 0)?;
    let action: String = column(row, 1)?;
    Ok(StoredMessage {
        key: u64::try_from(key).map_err(|e| e.to_string())?,
        action: action
            .parse()
            .map_err(|e: <Action as std::str::FromStr>::Err| e.to_string())?,
        payload: json_column(row, 2)?,
        attempts: column(row, 3)?,
        starts_transaction: column(row, 4)?,
    })
}

pub(crate) fn decode_availability(row: &Row<'_>) -> Result<(u32, bool), String> {
    Ok((column(row, 0)?, column(row, 1)?))
}

pub(crate) fn decode_id_tag_info(row: &Row<'_>) -> Result<IdTagInfo, String> {
    json_column(row, 1)
}

pub(crate) fn decode_local_list_entry(row: &Row<'_>) -> Result<(IdToken, IdTagInfo), String> {
    let id_tag: String = column(row, 0)?;
    let id = IdToken::new(&id_tag).map_err(|e| e.to_string())?;
    Ok((id, json_column(row, 1)?))
}

pub(crate) fn decode_local_list_version(row: &Row<'_>) -> Result<i32, String> {
    column(row, 1)
}

pub(crate) fn decode_charging_profile(row: &Row<'_>) -> Result<(u32, ChargingProfile), String> {
    Ok((column(row, 1)?, json_column(row, 2)?))
}

pub(crate) fn decode_reservation(row: &Row<'_>) -> Result<StoredReservation, String> {
    json_column(row, 1)
}

/// The tables as the stores read them: the columns of each (besides `station`), and how a row
/// becomes a record. The stores load through these and `recovery::open_sqlite` checks every row
/// with them at start, so a record the store could not read is found before the core needs it.
pub(crate) mod tables {
    use super::*;

    /// A table whose rows a report counts in all (not by a column).
    const fn table(
        name: &'static str,
        rows: &'static str,
        columns: &'static str,
        decode: fn(&Row<'_>) -> Result<(), String>,
    ) -> Table {
        Table {
            name,
            rows,
            columns,
            count_by: None,
            decode,
        }
    }

    pub const TRANSACTIONS: Table = table(
        "transactions",
        "transactions in progress",
        "connector, record",
        |row| decode_transaction(row).map(drop),
    );
    pub const MESSAGES: Table = Table {
        count_by: Some("action"),
        ..table(
            "messages",
            "queued transaction messages",
            "key, action, payload, attempts, starts_transaction",
            |row| decode_message(row).map(drop),
        )
    };
    pub const AVAILABILITY: Table = table(
        "availability",
        "connector availabilities set by ChangeAvailability",
        "connector, operative",
        |row| decode_availability(row).map(drop),
    );
    pub const AUTHORIZATION_CACHE: Table = table(
        "authorization_cache",
        "authorization cache entries",
        "id_tag, info",
        |row| decode_id_tag_info(row).map(drop),
    );
    pub const LOCAL_LIST: Table = table(
        "local_list",
        "local authorization list entries",
        "id_tag, info",
        |row| decode_local_list_entry(row).map(drop),
    );
    pub const LOCAL_LIST_VERSION: Table = table(
        "local_list_version",
        "local authorization list versions",
        "id, version",
        |row| decode_local_list_version(row).map(drop),
    );
    pub const CHARGING_PROFILES: Table = table(
        "charging_profiles",
        "charging profiles",
        "id, connector, profile",
        |row| decode_charging_profile(row).map(drop),
    );
    pub const RESERVATIONS: Table = table("reservations", "reservations", "id, record", |row| {
        decode_reservation(row).map(drop)
    });

    /// Every table, as the start-up check reads them.
    pub const ALL: &[Table] = &[
        MESSAGES,
        TRANSACTIONS,
        AVAILABILITY,
        AUTHORIZATION_CACHE,
        LOCAL_LIST,
        LOCAL_LIST_VERSION,
        CHARGING_PROFILES,
        RESERVATIONS,
    ];
}
