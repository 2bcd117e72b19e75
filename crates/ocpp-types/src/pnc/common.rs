//! The OCPP 2.0.1 data types the Plug&Charge messages share: customData, identifiers, certificate
//! hash data, status information, and a list with both a minimum and a maximum length.
//!
//! Types are named after the `javaType` of their OCPP 2.0.1 schema definition (`IdTokenEnum`,
//! `OcspRequestData`, ...), which keeps them apart from the OCPP 1.6 types of the same concept;
//! where a 1.6 / Security-whitepaper type has the very same name, the 2.0.1 one gets a `Pnc`
//! prefix ([`PncIdToken`], [`PncCertificateHashData`]).

use std::ops::Deref;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::id_tag::AuthorizationStatus;
pub use crate::security::HashAlgorithm;
use crate::{BoundedString, CiString, DateTime, NonEmptyVec};

/// `CustomDataType`: vendor-specific data any OCPP 2.0.1 object may carry.
///
/// The schema requires `vendorId` and, unlike every other object, allows any further property;
/// those are kept in [`CustomData::extra`] and sent back.
/// (`deny_unknown_fields` cannot be combined with `flatten`, and is not wanted here anyway.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomData {
    /// Who defined the extra properties (string, at most 255 characters).
    pub vendor_id: BoundedString<255>,
    /// Every other property, as received.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl CustomData {
    /// customData with just a vendorId.
    pub fn new(vendor_id: BoundedString<255>) -> Self {
        CustomData {
            vendor_id,
            extra: serde_json::Map::new(),
        }
    }
}

/// `StatusInfoType`: more information about the status of a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusInfo {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// A predefined reason code; the schema says it is case-insensitive (at most 20 characters).
    pub reason_code: CiString<20>,
    /// Free text with details (at most 512 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<BoundedString<512>>,
}

impl StatusInfo {
    /// A StatusInfo with just a reason code.
    pub fn new(reason_code: CiString<20>) -> Self {
        StatusInfo {
            custom_data: None,
            reason_code,
            additional_info: None,
        }
    }
}

/// `IdTokenEnumType`: the kind of an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IdTokenEnum {
    /// A centrally generated id (e.g. for a remote start).
    Central,
    /// An e-mobility account id (ISO 15118 / Plug&Charge contract id).
    #[serde(rename = "eMAID")]
    EMaid,
    /// An ISO 14443 RFID card UID.
    #[serde(rename = "ISO14443")]
    Iso14443,
    /// An ISO 15693 RFID card UID.
    #[serde(rename = "ISO15693")]
    Iso15693,
    /// A key code entered by the user.
    KeyCode,
    /// A locally generated id.
    Local,
    /// The MAC address of the EV (autocharge).
    MacAddress,
    /// No authorization needed (free vending).
    NoAuthorization,
}

/// `AdditionalInfoType`: an extra identifier attached to an idToken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdditionalInfo {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The additional identifier (case-insensitive, at most 36 characters).
    pub additional_id_token: CiString<36>,
    /// Its type, a custom string agreed between the parties (at most 50 characters).
    #[serde(rename = "type")]
    pub kind: BoundedString<50>,
}

/// `IdTokenType` of OCPP 2.0.1: an identifier with its kind (the 1.6 `IdToken` is a plain
/// CiString20, see [`crate::id_tag::IdToken`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncIdToken {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// Further identifiers (at least one when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<NonEmptyVec<AdditionalInfo>>,
    /// The identifier; case-insensitive (at most 36 characters).
    pub id_token: CiString<36>,
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: IdTokenEnum,
}

impl PncIdToken {
    /// An idToken of the given kind, without additional info.
    pub fn new(id_token: CiString<36>, kind: IdTokenEnum) -> Self {
        PncIdToken {
            custom_data: None,
            additional_info: None,
            id_token,
            kind,
        }
    }

    /// An eMAID (contract id), as sent in a Plug&Charge Authorize.
    pub fn emaid(id_token: CiString<36>) -> Self {
        PncIdToken::new(id_token, IdTokenEnum::EMaid)
    }
}

/// `OCSPRequestDataType`: what is needed to ask an OCSP responder about one certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OcspRequestData {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The algorithm of the two hashes.
    pub hash_algorithm: HashAlgorithm,
    /// Hash of the issuer's distinguished name (at most 128 characters).
    pub issuer_name_hash: BoundedString<128>,
    /// Hash of the issuer's public key (at most 128 characters).
    pub issuer_key_hash: BoundedString<128>,
    /// The certificate's serial number (at most 40 characters).
    pub serial_number: BoundedString<40>,
    /// The OCSP responder URL (at most 512 characters). The schema calls it case-insensitive;
    /// it is only passed on, never compared, so it is kept as a plain string.
    #[serde(rename = "responderURL")]
    pub responder_url: BoundedString<512>,
}

/// `CertificateHashDataType` of OCPP 2.0.1: identifies a certificate by hashes and serial
/// number. (The Security whitepaper's `CertificateHashDataType` has the same fields but no
/// customData, hence the prefix.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncCertificateHashData {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The algorithm of the two hashes.
    pub hash_algorithm: HashAlgorithm,
    /// Hash of the issuer's distinguished name (at most 128 characters).
    pub issuer_name_hash: BoundedString<128>,
    /// Hash of the issuer's public key (at most 128 characters).
    pub issuer_key_hash: BoundedString<128>,
    /// The certificate's serial number (at most 40 characters).
    pub serial_number: BoundedString<40>,
}

/// `MessageFormatEnumType`: how the content of a message is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageFormatEnum {
    /// Plain ASCII text.
    #[serde(rename = "ASCII")]
    Ascii,
    /// HTML.
    #[serde(rename = "HTML")]
    Html,
    /// A URI the station may show or load.
    #[serde(rename = "URI")]
    Uri,
    /// UTF-8 text.
    #[serde(rename = "UTF8")]
    Utf8,
}

/// `MessageContentType`: a message to show to the driver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageContent {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The format of `content`.
    pub format: MessageFormatEnum,
    /// RFC 5646 language code (at most 8 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<BoundedString<8>>,
    /// The message (at most 512 characters).
    pub content: BoundedString<512>,
}

/// `AuthorizationStatusEnumType` of OCPP 2.0.1: the status of an idToken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthorizationStatusEnum {
    /// Allowed to charge.
    Accepted,
    /// Blocked.
    Blocked,
    /// Already in another transaction.
    ConcurrentTx,
    /// Expired.
    Expired,
    /// Not valid.
    Invalid,
    /// No credit left.
    NoCredit,
    /// Not allowed to charge at this type of EVSE.
    NotAllowedTypeEVSE,
    /// Not allowed at this location.
    NotAtThisLocation,
    /// Not allowed at this time.
    NotAtThisTime,
    /// Unknown to the CSMS.
    Unknown,
}

impl AuthorizationStatusEnum {
    /// The closest OCPP 1.6 status, for the 1.6 authorization cache and transactions: the five
    /// values 1.6 has map to themselves, every other refusal maps to `Invalid`.
    pub fn to_v16(self) -> AuthorizationStatus {
        match self {
            AuthorizationStatusEnum::Accepted => AuthorizationStatus::Accepted,
            AuthorizationStatusEnum::Blocked => AuthorizationStatus::Blocked,
            AuthorizationStatusEnum::ConcurrentTx => AuthorizationStatus::ConcurrentTx,
            AuthorizationStatusEnum::Expired => AuthorizationStatus::Expired,
            AuthorizationStatusEnum::Invalid
            | AuthorizationStatusEnum::NoCredit
            | AuthorizationStatusEnum::NotAllowedTypeEVSE
            | AuthorizationStatusEnum::NotAtThisLocation
            | AuthorizationStatusEnum::NotAtThisTime
            | AuthorizationStatusEnum::Unknown => AuthorizationStatus::Invalid,
        }
    }
}

/// `IdTokenInfoType`: the CSMS's verdict on an idToken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdTokenInfo {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// Whether the idToken may charge.
    pub status: AuthorizationStatusEnum,
    /// Until when the verdict may be cached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_expiry_date_time: Option<DateTime>,
    /// Priority from a business point of view, -9 to 9 (the schema does not bound it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging_priority: Option<i32>,
    /// Preferred RFC 5646 language of the user (at most 8 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language1: Option<BoundedString<8>>,
    /// The EVSEs the idToken is valid for (at least one when present); absent means all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evse_id: Option<NonEmptyVec<i32>>,
    /// The group the idToken belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id_token: Option<PncIdToken>,
    /// Second preferred language (at most 8 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language2: Option<BoundedString<8>>,
    /// A message to show to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_message: Option<MessageContent>,
}

impl IdTokenInfo {
    /// An IdTokenInfo with just a status.
    pub fn with_status(status: AuthorizationStatusEnum) -> Self {
        IdTokenInfo {
            custom_data: None,
            status,
            cache_expiry_date_time: None,
            charging_priority: None,
            language1: None,
            evse_id: None,
            group_id_token: None,
            language2: None,
            personal_message: None,
        }
    }
}

/// A list with at least one and at most `MAX` elements (schema `minItems: 1, maxItems: MAX`,
/// e.g. the at most 4 certificates of `iso15118CertificateHashData`).
#[derive(Debug, Clone, PartialEq)]
pub struct BoundedVec<T, const MAX: usize>(Vec<T>);

/// The list given to [`BoundedVec::new`] was empty or too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("occurrence constraint: {len} elements, {min} to {max} allowed")]
pub struct OccurrenceError {
    /// Elements in the refused list.
    pub len: usize,
    /// The minimum (always 1).
    pub min: usize,
    /// The maximum.
    pub max: usize,
}

impl<T, const MAX: usize> BoundedVec<T, MAX> {
    /// Wraps `items` if there are 1 to `MAX` of them.
    pub fn new(items: Vec<T>) -> Result<Self, OccurrenceError> {
        if items.is_empty() || items.len() > MAX {
            return Err(OccurrenceError {
                len: items.len(),
                min: 1,
                max: MAX,
            });
        }
        Ok(BoundedVec(items))
    }

    /// A list of one.
    pub fn one(item: T) -> Self {
        BoundedVec(vec![item])
    }

    /// The elements.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T, const MAX: usize> Deref for BoundedVec<T, MAX> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Serialize, const MAX: usize> Serialize for BoundedVec<T, MAX> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>, const MAX: usize> Deserialize<'de> for BoundedVec<T, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<T>::deserialize(deserializer)?;
        BoundedVec::new(items).map_err(de::Error::custom)
    }
}
