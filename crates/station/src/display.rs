//! The TerminalDisplayMessage module: the station's display, shown on the terminal.
//!
//! It implements EVerest's `display_message` interface (everest-core `interfaces/
//! display_message.yaml`, types in `types/display_message.yaml` and `types/text_message.yaml`,
//! field names kept): `set_display_message` stores (or replaces, by id) messages and shows each
//! one as a log line, as everest-core's example module `TerminalDisplayMessage` does ("New
//! display message for identifier id ...: ..."); `get_display_messages` returns the stored ones,
//! filtered by id, priority and state; `clear_display_message` removes one by id. Unlike that
//! example (which keeps nothing and answers `get` with two fixed test messages), the messages
//! are kept, as the interface asks of a display ("store (add, remove, change) and retrieve"),
//! so the control API and web UI show what is on the display.
//!
//! The interface's rules this store follows:
//! - a message with an `identifier_id` belongs to a session (the type says which identifier:
//!   session id by default — the EvseManager's UUID of the transaction, shown in the control
//!   API's state —, transaction id or id token) and is removed when that session ends;
//! - a message past its `timestamp_to` is removed; one before its `timestamp_from` is stored
//!   but not shown yet;
//! - a new `AlwaysFront` message replaces the one that had that priority.
//!
//! Who sets messages: in EVerest the OCPP module (its optional `display_message` requirement).
//! libocpp's OCPP 1.6 registers a set-display-message callback but never calls it
//! (`charge_point_impl.cpp`: only `register_set_display_message_callback`). Connected to the
//! OCPP module's `display_message`, the station shows each connector's California Pricing here
//! (`runtime/pricing.rs`: the price and the cost, by ids of their own); the control API's
//! `/api/v1/display-messages` routes (what EVerest's display_message_API module offers over
//! MQTT) set, read and clear any message.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How many messages the display keeps; a set that would exceed it is rejected whole.
pub const MAX_MESSAGES: usize = 100;

/// The longest message content accepted (characters). OCPP 2.0.1's MessageContentType allows
/// 512 (libocpp's DisplayMessageContent carries it unchanged).
pub const MAX_CONTENT: usize = 512;

/// `types/display_message.yaml` IdentifierType.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdentifierType {
    /// The session has not started yet: the user's token.
    IdToken,
    /// The station's session id (the default).
    SessionId,
    /// The OCPP transaction id.
    TransactionId,
}

/// `types/display_message.yaml` MessagePriorityEnum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessagePriority {
    /// Shown regardless of any other message; a newer one replaces it.
    AlwaysFront,
    /// Shown at its moment, cycled with other InFront messages.
    InFront,
    /// Shown in the normal cycle (the default).
    NormalCycle,
}

/// `types/display_message.yaml` MessageStateEnum: in which station state a message is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageState {
    /// While charging.
    Charging,
    /// While faulted.
    Faulted,
    /// While idle.
    Idle,
    /// While unavailable.
    Unavailable,
    /// While suspending.
    Suspending,
    /// While discharging.
    Discharging,
}

/// `types/text_message.yaml` MessageFormat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageFormat {
    /// Plain ASCII.
    ASCII,
    /// HTML (shown as its source on a terminal).
    HTML,
    /// A URI.
    URI,
    /// UTF-8 text.
    UTF8,
    /// A QR code's content.
    QRCODE,
}

/// `types/text_message.yaml` MessageContent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageContent {
    /// The text.
    pub content: String,
    /// Its format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<MessageFormat>,
    /// Its language (RFC 5646 tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// `types/display_message.yaml` DisplayMessage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayMessage {
    /// The message id (what replaces and clears it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    /// Its priority; NormalCycle when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<MessagePriority>,
    /// The station state it is shown in; any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<MessageState>,
    /// Shown from (RFC 3339); at once when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_from: Option<String>,
    /// Removed after (RFC 3339); kept until cleared when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_to: Option<String>,
    /// The session (user) it belongs to; removed when that session ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier_id: Option<String>,
    /// What `identifier_id` is; a session id when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier_type: Option<IdentifierType>,
    /// The text.
    pub message: MessageContent,
    /// A QR code to scan for more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
}

/// `types/display_message.yaml` DisplayMessageStatusEnum (the values this display answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DisplayMessageStatus {
    /// Stored and shown.
    Accepted,
    /// Not stored (see `status_info`).
    Rejected,
}

/// `types/display_message.yaml` SetDisplayMessageResponse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetDisplayMessageResponse {
    /// Whether the messages were taken.
    pub status: DisplayMessageStatus,
    /// Why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_info: Option<String>,
}

/// `types/display_message.yaml` GetDisplayMessageRequest: filters, all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetDisplayMessageRequest {
    /// Only these ids.
    #[serde(default)]
    pub id: Option<Vec<i32>>,
    /// Only this priority.
    #[serde(default)]
    pub priority: Option<MessagePriority>,
    /// Only this state.
    #[serde(default)]
    pub state: Option<MessageState>,
}

/// `types/display_message.yaml` ClearMessageResponseEnum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClearMessageResponse {
    /// Removed.
    Accepted,
    /// No message has that id.
    Unknown,
}

/// A session that ended: what identifies it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndedSession<'a> {
    /// Its OCPP transaction id, if it had one.
    pub transaction_id: Option<i32>,
    /// The token it was authorized with.
    pub id_tag: Option<&'a str>,
    /// The station's session id, if it has one.
    pub session_id: Option<&'a str>,
}

/// A stored message with its parsed validity.
#[derive(Debug, Clone, PartialEq)]
struct Stored {
    message: DisplayMessage,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

/// The TerminalDisplayMessage module's display; see the [module docs](self).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TerminalDisplay {
    /// In the order they were set.
    messages: Vec<Stored>,
}

impl TerminalDisplay {
    /// An empty display.
    pub fn new() -> TerminalDisplay {
        TerminalDisplay::default()
    }

    /// `set_display_message`: every message is checked first, and either all are taken or
    /// none is (Rejected with the reason).
    pub fn set(
        &mut self,
        request: Vec<DisplayMessage>,
        now: DateTime<Utc>,
    ) -> SetDisplayMessageResponse {
        if request.is_empty() {
            // everest-core's TerminalDisplayMessage answers an empty request so.
            return rejected("No request sent".to_owned());
        }
        let mut checked = Vec::with_capacity(request.len());
        for (i, m) in request.into_iter().enumerate() {
            match check(m) {
                Ok(stored) => checked.push(stored),
                Err(why) => return rejected(format!("message {i}: {why}")),
            }
        }
        let mut next = self.clone();
        for stored in checked {
            next.store(stored, now);
        }
        next.expire(now);
        if next.messages.len() > MAX_MESSAGES {
            return rejected(format!("the display keeps at most {MAX_MESSAGES} messages"));
        }
        *self = next;
        SetDisplayMessageResponse {
            status: DisplayMessageStatus::Accepted,
            status_info: None,
        }
    }

    fn store(&mut self, stored: Stored, now: DateTime<Utc>) {
        let m = &stored.message;
        tracing::info!(
            target: "display",
            "New display message{}: {}",
            m.identifier_id
                .as_deref()
                .map(|id| format!(" for identifier id {id}"))
                .unwrap_or_default(),
            m.message.content
        );
        if stored.from.is_some_and(|from| from > now) {
            tracing::info!(target: "display", id = ?m.id, "shown from {}", m.timestamp_from.as_deref().unwrap_or(""));
        }
        if let Some(id) = m.id {
            self.messages.retain(|s| s.message.id != Some(id));
        }
        if m.priority == Some(MessagePriority::AlwaysFront) {
            self.messages
                .retain(|s| s.message.priority != Some(MessagePriority::AlwaysFront));
        }
        self.messages.push(stored);
    }

    /// `get_display_messages`: the stored messages that pass every given filter.
    pub fn get(&self, request: &GetDisplayMessageRequest) -> Vec<DisplayMessage> {
        self.messages
            .iter()
            .map(|s| &s.message)
            .filter(|m| {
                request
                    .id
                    .as_ref()
                    .is_none_or(|ids| m.id.is_some_and(|id| ids.contains(&id)))
            })
            .filter(|m| {
                request
                    .priority
                    .is_none_or(|p| m.priority.unwrap_or(MessagePriority::NormalCycle) == p)
            })
            .filter(|m| request.state.is_none_or(|s| m.state == Some(s)))
            .cloned()
            .collect()
    }

    /// `clear_display_message`.
    pub fn clear(&mut self, id: i32) -> ClearMessageResponse {
        let before = self.messages.len();
        self.messages.retain(|s| s.message.id != Some(id));
        if self.messages.len() == before {
            ClearMessageResponse::Unknown
        } else {
            tracing::info!(target: "display", id, "display message cleared");
            ClearMessageResponse::Accepted
        }
    }

    /// What the display shows at `now`: the stored messages whose time has come, the
    /// AlwaysFront one first, then InFront, then the normal cycle, each in the order set.
    pub fn shown(&self, now: DateTime<Utc>) -> Vec<DisplayMessage> {
        let rank = |m: &DisplayMessage| match m.priority.unwrap_or(MessagePriority::NormalCycle) {
            MessagePriority::AlwaysFront => 0,
            MessagePriority::InFront => 1,
            MessagePriority::NormalCycle => 2,
        };
        let mut shown: Vec<DisplayMessage> = self
            .messages
            .iter()
            .filter(|s| s.from.is_none_or(|from| from <= now) && s.to.is_none_or(|to| to > now))
            .map(|s| s.message.clone())
            .collect();
        shown.sort_by_key(rank);
        shown
    }

    /// Removes the messages past their `timestamp_to`; whether any went.
    pub fn expire(&mut self, now: DateTime<Utc>) -> bool {
        let before = self.messages.len();
        self.messages.retain(|s| s.to.is_none_or(|to| to > now));
        before != self.messages.len()
    }

    /// A session ended: its messages go ("Message SHALL be removed by the Charging Station
    /// after session has ended"). Whether any went.
    pub fn session_ended(&mut self, session: &EndedSession<'_>) -> bool {
        let before = self.messages.len();
        let transaction = session.transaction_id.map(|t| t.to_string());
        self.messages.retain(|s| {
            let Some(id) = s.message.identifier_id.as_deref() else {
                return true;
            };
            let ended = match s
                .message
                .identifier_type
                .unwrap_or(IdentifierType::SessionId)
            {
                IdentifierType::TransactionId => transaction.as_deref() == Some(id),
                IdentifierType::IdToken => session.id_tag == Some(id),
                IdentifierType::SessionId => session.session_id == Some(id),
            };
            !ended
        });
        let removed = before - self.messages.len();
        if removed > 0 {
            tracing::info!(target: "display", removed, "session ended: its display messages removed");
        }
        removed > 0
    }
}

fn rejected(why: String) -> SetDisplayMessageResponse {
    SetDisplayMessageResponse {
        status: DisplayMessageStatus::Rejected,
        status_info: Some(why),
    }
}

fn check(message: DisplayMessage) -> Result<Stored, String> {
    let len = message.message.content.chars().count();
    if len == 0 {
        return Err("message.content is empty".to_owned());
    }
    if len > MAX_CONTENT {
        return Err(format!(
            "message.content has {len} characters, at most {MAX_CONTENT} are shown"
        ));
    }
    if message
        .identifier_id
        .as_ref()
        .is_some_and(|id| id.chars().count() > 36)
    {
        return Err("identifier_id has more than 36 characters".to_owned());
    }
    let time = |field: &str, value: &Option<String>| -> Result<Option<DateTime<Utc>>, String> {
        value
            .as_deref()
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| format!("{field} {v:?} is not an RFC 3339 date-time ({e})"))
            })
            .transpose()
    };
    let from = time("timestamp_from", &message.timestamp_from)?;
    let to = time("timestamp_to", &message.timestamp_to)?;
    if let (Some(from), Some(to)) = (from, to) {
        if to <= from {
            return Err("timestamp_to is not after timestamp_from".to_owned());
        }
    }
    Ok(Stored { message, from, to })
}

#[cfg(test)]
mod tests;
