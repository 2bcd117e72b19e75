//! What must survive a power loss: the transactions in progress, the queue of
//! transaction-related messages (StartTransaction, StopTransaction, transaction MeterValues,
//! SecurityEventNotification), the connectors' availability, the authorization cache, the local authorization list, the
//! installed charging profiles and the reservations.
//! The user config has its own store ([`OverlayStore`](crate::config::OverlayStore)).
//!
//! The trait is synchronous and every method returns a `Result`, so that it maps one to one
//! onto rusqlite (one table per kind, JSON columns for payloads: the chargepoint crate's
//! `SqliteStore`, for production); [`MemoryStore`] is the implementation for unit tests and
//! stations without a disk.

use std::collections::{BTreeMap, HashMap};

use ocpp_types::charging_profile::ChargingProfile;
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use ocpp_types::meter::MeterValue;
use ocpp_types::{Action, DateTime};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A store that could not read or write.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed (I/O, SQLite, ...).
    #[error("store backend failed: {0}")]
    Backend(String),
    /// A stored record could not be decoded.
    #[error("stored record {key} is corrupt: {reason}")]
    Corrupt {
        /// The record's key.
        key: String,
        /// Why it cannot be read.
        reason: String,
    },
}

/// A transaction the station has started and whose StopTransaction is not yet queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredTransaction {
    /// The connector.
    pub connector: u32,
    /// The negative id used in queued messages until StartTransaction.conf gives the real one
    /// (as libocpp's internal transaction id).
    pub placeholder_id: i32,
    /// The id from StartTransaction.conf, once it has arrived.
    pub transaction_id: Option<i32>,
    /// The identifier the transaction runs for.
    pub id_tag: IdToken,
    /// The energy register at the start, Wh.
    pub meter_start_wh: i32,
    /// When it started.
    pub started_at: DateTime,
    /// The reservation it ends, if any.
    pub reservation_id: Option<i32>,
    /// The energy register at the last sample, Wh: meterStop when the transaction has to be
    /// stopped after a power loss (as libocpp's meter_last).
    pub meter_last_wh: i32,
    /// When `meter_last_wh` was sampled.
    pub meter_last_at: DateTime,
    /// The samples for StopTransaction's transactionData (StopTxnSampledData), oldest first.
    pub transaction_data: Vec<MeterValue>,
    /// The parentIdTag of `id_tag`, once known (from the authorization cache or
    /// StartTransaction.conf, as libocpp stores it with the transaction): an identifier with
    /// the same parent may stop the transaction.
    #[serde(default)]
    pub parent_id_tag: Option<IdToken>,
    /// StartTransaction.conf did not accept `id_tag` and StopTransactionOnInvalidId is false:
    /// the energy register value (Wh) at which charging is paused (meterStart +
    /// MaxEnergyOnInvalidId). `None` once paused, or while the identifier is valid.
    #[serde(default)]
    pub energy_limit_wh: Option<i32>,
}

/// A transaction-related CALL waiting to be sent, or sent and not yet answered.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMessage {
    /// Its place in the queue: keys only grow, the smallest is sent first.
    pub key: u64,
    /// The action.
    pub action: Action,
    /// The payload.
    pub payload: Value,
    /// How many times it failed: answered with a CALLERROR or not answered in time
    /// (TransactionMessageAttempts counts these; a send cut off by a lost connection is not a
    /// failure).
    pub attempts: u32,
    /// For a StartTransaction: the placeholder id that its answer's transactionId replaces in
    /// the messages queued behind it.
    pub starts_transaction: Option<i32>,
}

/// The local authorization list as stored (OCPP 1.6 §3.5.3).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredLocalList {
    /// The version the central system gave it; 0 when it never sent one.
    pub version: i32,
    /// The identifiers and their idTagInfo.
    pub entries: Vec<(IdToken, IdTagInfo)>,
}

/// A reservation in force (ReserveNow accepted), as stored so that it survives a restart (as
/// everest-core's Auth module keeps its reservations in its key-value store,
/// ReservationHandler::store_reservations / load_reservations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredReservation {
    /// The reservationId.
    pub id: i32,
    /// The connector reserved; 0: any connector of the station.
    pub connector: u32,
    /// The identifier it is reserved for.
    pub id_tag: IdToken,
    /// The parentIdTag whose identifiers may use it too.
    #[serde(default)]
    pub parent_id_tag: Option<IdToken>,
    /// When it ends, as the central system gave it.
    pub expiry_date: DateTime,
}

/// One of the writes [`Store::write_all`] makes durable together.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreWrite {
    /// Inserts or replaces a transaction, as [`Store::save_transaction`].
    SaveTransaction(StoredTransaction),
    /// Appends or replaces a queued message, as [`Store::save_message`].
    SaveMessage(StoredMessage),
    /// Removes a queued message, as [`Store::remove_message`].
    RemoveMessage(u64),
}

/// Persistence of the charge-point core. A write must be durable when it returns `Ok`: the core
/// acts on it only afterwards.
pub trait Store: Send {
    /// Inserts or replaces the transaction of `transaction.connector`.
    fn save_transaction(&mut self, transaction: &StoredTransaction) -> Result<(), StoreError>;
    /// Forgets the transaction of `connector` (its StopTransaction is queued).
    fn remove_transaction(&mut self, connector: u32) -> Result<(), StoreError>;
    /// Every stored transaction, by connector.
    fn transactions(&self) -> Result<Vec<StoredTransaction>, StoreError>;

    /// Records the availability (Operative / Inoperative) set for `connector` (0: the
    /// station) by ChangeAvailability, scheduled changes included: it survives a reboot.
    fn save_availability(&mut self, connector: u32, operative: bool) -> Result<(), StoreError>;
    /// Every recorded availability, by connector; connectors without a record are Operative.
    fn availability(&self) -> Result<BTreeMap<u32, bool>, StoreError>;

    /// Records the central system's latest word on an identifier (the authorization cache,
    /// OCPP 1.6 §3.5.1). Identifiers compare case-insensitively.
    fn save_cached_authorization(
        &mut self,
        id_tag: &IdToken,
        info: &IdTagInfo,
    ) -> Result<(), StoreError>;
    /// The cached word on `id_tag`, if any.
    fn cached_authorization(&self, id_tag: &IdToken) -> Result<Option<IdTagInfo>, StoreError>;
    /// Empties the authorization cache (ClearCache).
    fn clear_authorization_cache(&mut self) -> Result<(), StoreError>;

    /// Replaces the whole local authorization list and its version (SendLocalList Full), in
    /// one write: after a failure the old list is still there.
    fn replace_local_list(
        &mut self,
        version: i32,
        entries: &[(IdToken, IdTagInfo)],
    ) -> Result<(), StoreError>;
    /// Adds or replaces `upserts`, removes `removals` and sets the version (SendLocalList
    /// Differential), in one write.
    fn update_local_list(
        &mut self,
        version: i32,
        upserts: &[(IdToken, IdTagInfo)],
        removals: &[IdToken],
    ) -> Result<(), StoreError>;
    /// The stored local authorization list.
    fn local_list(&self) -> Result<StoredLocalList, StoreError>;

    /// Inserts or replaces (by chargingProfileId) an installed charging profile and the
    /// connector it was installed on (0: the station; SetChargingProfile, or the TxProfile of a
    /// RemoteStartTransaction once its transaction started), as libocpp's
    /// `insert_or_update_charging_profile`.
    fn save_charging_profile(
        &mut self,
        connector: u32,
        profile: &ChargingProfile,
    ) -> Result<(), StoreError>;
    /// Forgets the charging profile with chargingProfileId `id` (replaced, cleared, expired, its
    /// transaction ended); an unknown id is not an error.
    fn remove_charging_profile(&mut self, id: i32) -> Result<(), StoreError>;
    /// Every stored charging profile with its connector, by chargingProfileId.
    fn charging_profiles(&self) -> Result<Vec<(u32, ChargingProfile)>, StoreError>;

    /// Inserts or replaces (by reservationId) a reservation.
    fn save_reservation(&mut self, reservation: &StoredReservation) -> Result<(), StoreError>;
    /// Forgets the reservation `id` (cancelled, expired, used, replaced); an unknown id is not
    /// an error.
    fn remove_reservation(&mut self, id: i32) -> Result<(), StoreError>;
    /// Every stored reservation, by reservationId.
    fn reservations(&self) -> Result<Vec<StoredReservation>, StoreError>;

    /// Makes `writes` durable together, in order: after a power loss either all of them are
    /// stored or none (SQLite: one transaction). The core stores so a transaction with its
    /// StartTransaction, a sample with its MeterValues, and the delete of an answered
    /// StartTransaction with the transactionId it gave: written one after the other, a power
    /// loss in between leaves a transaction nothing reports, a sample in the transaction's
    /// record (its StopTransaction's transactionData) that no MeterValues carries, or a
    /// registered transaction whose StopTransaction is dropped for want of its id.
    fn write_all(&mut self, writes: &[StoreWrite]) -> Result<(), StoreError>;

    /// Appends a message to the queue (or replaces the one with the same key).
    fn save_message(&mut self, message: &StoredMessage) -> Result<(), StoreError>;
    /// Replaces several messages at once (the placeholder transaction id replaced in every
    /// message queued behind a StartTransaction): a backend that can should do it in one write.
    fn save_messages(&mut self, messages: &[StoredMessage]) -> Result<(), StoreError> {
        messages.iter().try_for_each(|m| self.save_message(m))
    }
    /// Removes a message (answered, or given up).
    fn remove_message(&mut self, key: u64) -> Result<(), StoreError>;
    /// Removes several messages at once (MeterValues dropped to keep the queue under
    /// MessageQueueSizeThreshold, possibly thousands): a backend that can should do it in one
    /// write.
    fn remove_messages(&mut self, keys: &[u64]) -> Result<(), StoreError> {
        keys.iter().try_for_each(|key| self.remove_message(*key))
    }
    /// The queue, smallest key first.
    fn messages(&self) -> Result<Vec<StoredMessage>, StoreError>;
}

/// A [`Store`] in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    /// The transactions, by connector.
    pub transactions: BTreeMap<u32, StoredTransaction>,
    /// The queue, by key.
    pub messages: BTreeMap<u64, StoredMessage>,
    /// The availability of each connector with a record (true: Operative).
    pub availability: BTreeMap<u32, bool>,
    /// The authorization cache.
    pub authorization_cache: HashMap<IdToken, IdTagInfo>,
    /// The local authorization list's version.
    pub local_list_version: i32,
    /// The local authorization list.
    pub local_list: HashMap<IdToken, IdTagInfo>,
    /// The installed charging profiles with their connector, by chargingProfileId.
    pub charging_profiles: BTreeMap<i32, (u32, ChargingProfile)>,
    /// The reservations, by reservationId.
    pub reservations: BTreeMap<i32, StoredReservation>,
    /// Make every write fail (to test how the core copes).
    pub fail_writes: bool,
    /// Make every write fail once this many more have been made (`Some(0)`: from now on): a
    /// power loss between two writes, to test what each leaves.
    pub writes_left: Option<u32>,
}

impl MemoryStore {
    fn check_writable(&mut self) -> Result<(), StoreError> {
        if self.fail_writes || self.writes_left == Some(0) {
            return Err(StoreError::Backend("writes are switched off".to_string()));
        }
        if let Some(left) = self.writes_left.as_mut() {
            *left -= 1;
        }
        Ok(())
    }
}

impl Store for MemoryStore {
    fn save_transaction(&mut self, transaction: &StoredTransaction) -> Result<(), StoreError> {
        self.check_writable()?;
        self.transactions
            .insert(transaction.connector, transaction.clone());
        Ok(())
    }

    fn remove_transaction(&mut self, connector: u32) -> Result<(), StoreError> {
        self.check_writable()?;
        self.transactions.remove(&connector);
        Ok(())
    }

    fn transactions(&self) -> Result<Vec<StoredTransaction>, StoreError> {
        Ok(self.transactions.values().cloned().collect())
    }

    fn save_availability(&mut self, connector: u32, operative: bool) -> Result<(), StoreError> {
        self.check_writable()?;
        self.availability.insert(connector, operative);
        Ok(())
    }

    fn availability(&self) -> Result<BTreeMap<u32, bool>, StoreError> {
        Ok(self.availability.clone())
    }

    fn save_cached_authorization(
        &mut self,
        id_tag: &IdToken,
        info: &IdTagInfo,
    ) -> Result<(), StoreError> {
        self.check_writable()?;
        self.authorization_cache
            .insert(id_tag.clone(), info.clone());
        Ok(())
    }

    fn cached_authorization(&self, id_tag: &IdToken) -> Result<Option<IdTagInfo>, StoreError> {
        Ok(self.authorization_cache.get(id_tag).cloned())
    }

    fn clear_authorization_cache(&mut self) -> Result<(), StoreError> {
        self.check_writable()?;
        self.authorization_cache.clear();
        Ok(())
    }

    fn replace_local_list(
        &mut self,
        version: i32,
        entries: &[(IdToken, IdTagInfo)],
    ) -> Result<(), StoreError> {
        self.check_writable()?;
        self.local_list_version = version;
        self.local_list = entries.iter().cloned().collect();
        Ok(())
    }

    fn update_local_list(
        &mut self,
        version: i32,
        upserts: &[(IdToken, IdTagInfo)],
        removals: &[IdToken],
    ) -> Result<(), StoreError> {
        self.check_writable()?;
        self.local_list_version = version;
        for id_tag in removals {
            self.local_list.remove(id_tag);
        }
        self.local_list.extend(upserts.iter().cloned());
        Ok(())
    }

    fn local_list(&self) -> Result<StoredLocalList, StoreError> {
        Ok(StoredLocalList {
            version: self.local_list_version,
            entries: self
                .local_list
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
    }

    fn save_charging_profile(
        &mut self,
        connector: u32,
        profile: &ChargingProfile,
    ) -> Result<(), StoreError> {
        self.check_writable()?;
        self.charging_profiles
            .insert(profile.charging_profile_id, (connector, profile.clone()));
        Ok(())
    }

    fn remove_charging_profile(&mut self, id: i32) -> Result<(), StoreError> {
        self.check_writable()?;
        self.charging_profiles.remove(&id);
        Ok(())
    }

    fn charging_profiles(&self) -> Result<Vec<(u32, ChargingProfile)>, StoreError> {
        Ok(self.charging_profiles.values().cloned().collect())
    }

    fn save_reservation(&mut self, reservation: &StoredReservation) -> Result<(), StoreError> {
        self.check_writable()?;
        self.reservations
            .insert(reservation.id, reservation.clone());
        Ok(())
    }

    fn remove_reservation(&mut self, id: i32) -> Result<(), StoreError> {
        self.check_writable()?;
        self.reservations.remove(&id);
        Ok(())
    }

    fn reservations(&self) -> Result<Vec<StoredReservation>, StoreError> {
        Ok(self.reservations.values().cloned().collect())
    }

    fn write_all(&mut self, writes: &[StoreWrite]) -> Result<(), StoreError> {
        // One write: all or none.
        self.check_writable()?;
        for write in writes {
            match write {
                StoreWrite::SaveTransaction(t) => {
                    self.transactions.insert(t.connector, t.clone());
                }
                StoreWrite::SaveMessage(m) => {
                    self.messages.insert(m.key, m.clone());
                }
                StoreWrite::RemoveMessage(key) => {
                    self.messages.remove(key);
                }
            }
        }
        Ok(())
    }

    fn save_message(&mut self, message: &StoredMessage) -> Result<(), StoreError> {
        self.check_writable()?;
        self.messages.insert(message.key, message.clone());
        Ok(())
    }

    fn save_messages(&mut self, messages: &[StoredMessage]) -> Result<(), StoreError> {
        self.check_writable()?;
        for m in messages {
            self.messages.insert(m.key, m.clone());
        }
        Ok(())
    }

    fn remove_message(&mut self, key: u64) -> Result<(), StoreError> {
        self.check_writable()?;
        self.messages.remove(&key);
        Ok(())
    }

    fn remove_messages(&mut self, keys: &[u64]) -> Result<(), StoreError> {
        self.check_writable()?;
        for key in keys {
            self.messages.remove(key);
        }
        Ok(())
    }

    fn messages(&self) -> Result<Vec<StoredMessage>, StoreError> {
        Ok(self.messages.values().cloned().collect())
    }
}
