//! [`Rpc`]: the sans-IO OCPP-J endpoint of one connection.
//!
//! # Outgoing CALLs
//!
//! [`Rpc::call`] queues a CALL and returns its id. OCPP-J 1.6 §4.1.1 allows one outstanding
//! CALL per direction, so [`Rpc::poll_transmit`] hands out the next queued CALL only when the
//! previous one has been answered (CALLRESULT or CALLERROR) or has timed out. The timeout
//! ([`Config::call_timeout`]) runs from the `now` given to the `poll_transmit` that handed the
//! CALL out. Answers to the peer's CALLs are never held back: `poll_transmit` yields them
//! before any CALL.
//!
//! # Incoming CALLs, and the CALLERRORs sent without asking the user
//!
//! | Incoming CALL                                              | Answer |
//! |------------------------------------------------------------|--------|
//! | action name not an OCPP 1.6 action (case-sensitive)        | `NotImplemented` ("not known by receiver") |
//! | action the peer's role never sends ([`Action::initiator`]) | `NotSupported` ("recognized but not supported") |
//! | payload that [`AnyRequest::decode`] refuses                | the [`PayloadError`](ocpp_types::PayloadError)'s code, its message (at most [`MAX_DESCRIPTION_LEN`] characters) and details `{"path": ...}` |
//! | broken frame with a readable id (see the [`frame`] module)  | `FormationViolation` |
//! | frame whose start `[2, "<id>"` is readable though the whole is not (nested deeper than the parser goes, an id over 36 characters): [`prefix`] | `FormationViolation` to the id as written |
//! | frame over [`Config::max_message_size`] ([`Rpc::handle_oversized`]) | `FormationViolation` to the id at its start, never decoded |
//! | frame with no id to read (not JSON, an empty id, binary or not UTF-8: [`Rpc::handle_unreadable`]) | `GenericError` to the id `"-1"` |
//! | a second CALL with the id of one still unanswered          | none: dropped and logged (an answer could not say which one it is for) |
//! | otherwise                                                  | [`Event::Call`]; the user answers with [`Rpc::respond`] or [`Rpc::respond_error`] |
//!
//! # Incoming answers
//!
//! A CALLRESULT or CALLERROR for the outstanding CALL completes it with [`Event::Response`]. A
//! CALLRESULT whose payload does not decode as that action's response, or a broken
//! CALLRESULT / CALLERROR frame carrying the outstanding id, completes it with an error
//! ([`CallErrorInfo`]) carrying the code the problem would get as a request. Nothing is sent
//! back: a CALLERROR only answers a CALL. An answer whose id is not the outstanding CALL's
//! (late after a timeout, duplicate, unknown) is logged and dropped.
//!
//! A broken frame never tears anything down: the endpoint stays usable.
//!
//! # Frames without an id, and why `"-1"`
//!
//! Where no id can be read, OCPP-J 1.6 gives nothing to answer to. libocpp answers with a
//! CALLERROR `GenericError` whose id is `"-1"` (the `json::exception` and `std::exception`
//! branches of `ChargePointImpl::message_callback`, around `MessageQueue::receive`), and
//! EVerest's conformance test `test_invalid_encoding_in_payload` expects exactly that for a
//! frame that is not UTF-8; the central system at least learns that its frame went nowhere,
//! instead of waiting for its timeout. We do the same, except where the start of the frame
//! says it is a CALLRESULT or CALLERROR: a CALLERROR only ever answers a CALL (OCPP-J 1.6 §4.2.3).
//!
//! Where the id is readable but not valid (over 36 characters, OCPP-J 1.6 §4.1.3), the answer
//! carries the id exactly as written: it is the only thing the central system can match, and
//! libocpp, which does not check the length, would answer to it too.
//!
//! # Faults
//!
//! Besides its CALLERROR, each frame or payload that does not decode (the broken, unreadable,
//! oversized and schema-refused rows above, and a CALLRESULT that does not decode) and each
//! CALL that repeats the id of an earlier CALL on the connection is reported as a
//! [`PeerFault`] by [`Rpc::poll_fault`] (for the Security whitepaper's InvalidMessages and
//! AttemptedReplayAttacks). A CALL of an unknown action or of one the peer's role never sends
//! is well formed: no fault.
//!
//! # New connection
//!
//! [`Rpc::reset`] forgets the old connection: the outstanding CALL and every queued one come
//! back as [`Event::Cancelled`] (in their original order, so re-queuing them keeps the order),
//! and the peer's unanswered CALLs and unsent answers are dropped.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use ocpp_types::{Action, AnyRequest, AnyResponse, CallErrorCode};
use serde_json::{json, Value};

use crate::config::{Config, Role};
use crate::error::RpcError;
use crate::event::{CallErrorInfo, Event};
use crate::fault::{PeerFault, MAX_FAULTS, RECENT_CALL_IDS};
use crate::frame::{self, shorten, Frame, MessageType};
use crate::frame_error::FrameError;
use crate::message_id::MessageId;
use crate::prefix;

/// The longest errorDescription we send, in characters. OCPP-J 1.6 sets no limit; OCPP-J
/// 2.0.1 limits it to 255, and peers with fixed buffers exist.
pub const MAX_DESCRIPTION_LEN: usize = 255;

/// The id of a CALLERROR answering a frame whose own id cannot be read, as libocpp's
/// `ChargePointImpl::message_callback` sends it.
pub const NO_ID: &str = "-1";

/// A CALL of ours, queued or sent.
#[derive(Debug)]
struct OwnCall {
    id: MessageId,
    action: Action,
    payload: Value,
}

/// The CALL sent and not yet answered.
#[derive(Debug)]
struct Outstanding {
    call: OwnCall,
    /// `None` when `now + call_timeout` does not fit in an `Instant` (never times out).
    deadline: Option<Instant>,
}

/// The OCPP-J endpoint of one connection, for either role. See the [module docs](self).
///
/// A charge point's CALL and its answer, and a CALL of the central system nobody knows:
///
/// ```
/// use std::time::Instant;
///
/// use ocpp_rpc::{Config, Event, Rpc, Role};
/// use ocpp_types::{Action, AnyResponse};
/// use serde_json::json;
///
/// let mut rpc = Rpc::new(Role::ChargePoint, Config::default());
/// let now = Instant::now();
///
/// // Queue a CALL and hand its frame to the WebSocket.
/// let id = rpc.call(Action::Heartbeat, json!({}))?;
/// assert_eq!(rpc.poll_transmit(now), Some(format!(r#"[2,"{id}","Heartbeat",{{}}]"#)));
///
/// // The central system answers; the answer comes out as an event.
/// rpc.handle_frame(&format!(r#"[3,"{id}",{{"currentTime":"2024-01-01T00:00:00Z"}}]"#), now);
/// let Some(Event::Response { result: Ok(AnyResponse::Heartbeat(_)), .. }) = rpc.poll_event() else {
///     panic!("expected the Heartbeat response");
/// };
///
/// // A CALL from the central system with an action nobody knows is answered right away.
/// rpc.handle_frame(r#"[2,"abc","MakeCoffee",{}]"#, now);
/// assert_eq!(
///     rpc.poll_transmit(now).as_deref(),
///     Some(r#"[4,"abc","NotImplemented","Unknown action \"MakeCoffee\"",{}]"#)
/// );
/// # Ok::<(), ocpp_rpc::RpcError>(())
/// ```
#[derive(Debug)]
pub struct Rpc {
    role: Role,
    config: Config,
    queued: VecDeque<OwnCall>,
    outstanding: Option<Outstanding>,
    /// Frames answering the peer's CALLs, ready to send.
    replies: VecDeque<String>,
    /// The peer's CALLs the user has not answered yet.
    unanswered: HashMap<MessageId, Action>,
    events: VecDeque<Event>,
    /// What the peer did wrong, for [`Rpc::poll_fault`].
    faults: VecDeque<PeerFault>,
    /// The ids of the peer's last [`RECENT_CALL_IDS`] CALLs on this connection, oldest first,
    /// and the same as a set.
    recent_call_ids: VecDeque<MessageId>,
    recent_call_id_set: HashSet<MessageId>,
}

impl Rpc {
    /// An endpoint speaking for `role`.
    pub fn new(role: Role, config: Config) -> Rpc {
        Rpc {
            role,
            config,
            queued: VecDeque::new(),
            outstanding: None,
            replies: VecDeque::new(),
            unanswered: HashMap::new(),
            events: VecDeque::new(),
            faults: VecDeque::new(),
            recent_call_ids: VecDeque::new(),
            recent_call_id_set: HashSet::new(),
        }
    }

    /// The next thing the peer did wrong ([`PeerFault`]), oldest first; at most
    /// [`MAX_FAULTS`] wait.
    pub fn poll_fault(&mut self) -> Option<PeerFault> {
        self.faults.pop_front()
    }

    fn fault(&mut self, fault: PeerFault) {
        if self.faults.len() == MAX_FAULTS {
            self.faults.pop_front();
        }
        self.faults.push_back(fault);
    }

    fn malformed(&mut self, code: CallErrorCode, what: String) {
        self.fault(PeerFault::Malformed { code, what });
    }

    /// Remembers the peer's CALL id `id`; true when it was used before on this connection.
    fn repeated_call_id(&mut self, id: &MessageId) -> bool {
        if self.recent_call_id_set.contains(id) {
            return true;
        }
        if self.recent_call_ids.len() == RECENT_CALL_IDS {
            if let Some(oldest) = self.recent_call_ids.pop_front() {
                self.recent_call_id_set.remove(&oldest);
            }
        }
        self.recent_call_ids.push_back(id.clone());
        self.recent_call_id_set.insert(id.clone());
        false
    }

    /// This endpoint's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// This endpoint's settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The id and action of the CALL sent and awaiting its answer.
    pub fn outstanding_call(&self) -> Option<(&MessageId, Action)> {
        self.outstanding
            .as_ref()
            .map(|o| (&o.call.id, o.call.action))
    }

    /// How many CALLs wait behind the outstanding one.
    pub fn queued_calls(&self) -> usize {
        self.queued.len()
    }

    /// Queues a CALL of `action` with a fresh random id, and returns that id.
    ///
    /// The payload is sent as given (use [`Rpc::call_request`] for a typed request); it must be
    /// a JSON object, and `action` one this side sends.
    pub fn call(&mut self, action: Action, payload: Value) -> Result<MessageId, RpcError> {
        if !self.role.may_send(action) {
            return Err(RpcError::NotInitiator {
                role: self.role,
                action,
            });
        }
        if !payload.is_object() {
            return Err(RpcError::PayloadNotObject { action });
        }
        let id = MessageId::random();
        tracing::debug!(%id, %action, queued = self.queued.len(), "CALL queued");
        self.queued.push_back(OwnCall {
            id: id.clone(),
            action,
            payload,
        });
        Ok(id)
    }

    /// Queues a CALL of a typed request; see [`Rpc::call`].
    pub fn call_request(&mut self, request: &AnyRequest) -> Result<MessageId, RpcError> {
        self.call(request.action(), request.to_json())
    }

    /// The next frame to send: answers to the peer's CALLs first, then the next queued CALL if
    /// none is outstanding. Handing out a CALL starts its timeout at `now`.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<String> {
        if let Some(reply) = self.replies.pop_front() {
            return Some(reply);
        }
        if self.outstanding.is_some() {
            return None;
        }
        let call = self.queued.pop_front()?;
        let text = frame::call_text(&call.id, call.action.as_str(), &call.payload);
        tracing::debug!(id = %call.id, action = %call.action, "CALL sent");
        self.outstanding = Some(Outstanding {
            call,
            deadline: now.checked_add(self.config.call_timeout),
        });
        Some(text)
    }

    /// When [`Rpc::handle_timeout`] must be called next, if anything is waiting for time.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.outstanding.as_ref().and_then(|o| o.deadline)
    }

    /// Expires the outstanding CALL if its deadline is at or before `now`
    /// ([`Event::Timeout`]); the next queued CALL can then be sent.
    pub fn handle_timeout(&mut self, now: Instant) {
        let expired = self
            .outstanding
            .as_ref()
            .is_some_and(|o| o.deadline.is_some_and(|deadline| deadline <= now));
        if let Some(Outstanding { call, .. }) = self.outstanding.take_if(|_| expired) {
            tracing::warn!(id = %call.id, action = %call.action, "CALL timed out");
            self.events.push_back(Event::Timeout {
                id: call.id,
                action: call.action,
                payload: call.payload,
            });
        }
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Handles one received WebSocket text message. Never fails and never panics: broken
    /// frames are answered or dropped as the [module docs](self) describe.
    ///
    /// A deadline at or before `now` expires first, so an answer that arrives after it is
    /// late even if [`Rpc::handle_timeout`] has not been called yet.
    pub fn handle_frame(&mut self, text: &str, now: Instant) {
        if let Some(limit) = self.config.max_message_size.filter(|&max| text.len() > max) {
            return self.handle_oversized(text, text.len(), limit, now);
        }
        self.handle_timeout(now);
        match Frame::parse(text) {
            Ok(Frame::Call {
                id,
                action,
                payload,
            }) => self.on_call(id, &action, &payload),
            Ok(Frame::CallResult { id, payload }) => {
                if let Some(call) = self.take_outstanding(&id, MessageType::CallResult) {
                    let result = AnyResponse::decode(call.action, &payload).map_err(|e| {
                        let action = call.action;
                        tracing::warn!(%id, %action, error = %e, "invalid CALLRESULT payload");
                        let what = format!("{}: CALLRESULT of {action} at {}", e.code, e.path);
                        self.malformed(e.code, what);
                        CallErrorInfo {
                            code: e.code,
                            description: shorten(&e.message, MAX_DESCRIPTION_LEN),
                            details: json!({ "path": e.path }),
                        }
                    });
                    self.complete(call, result);
                }
            }
            Ok(Frame::CallError {
                id,
                code,
                description,
                details,
            }) => {
                if let Some(call) = self.take_outstanding(&id, MessageType::CallError) {
                    tracing::debug!(%id, action = %call.action, %code, "CALLERROR received");
                    let info = CallErrorInfo {
                        code,
                        description,
                        details,
                    };
                    self.complete(call, Err(info));
                }
            }
            Err(error) => self.on_broken(error, text),
        }
    }

    /// Handles a frame that was not decoded because it is over `limit` bytes: `size` is its size
    /// (or how much of it was seen before the transport stopped reading), `start` its first
    /// bytes (at least [`PEEK_LEN`](crate::prefix::PEEK_LEN) where it has them). A CALL whose
    /// id can be read at the start is answered `FormationViolation`; an answer to our
    /// outstanding CALL completes it with that error; nothing else of the frame is looked at.
    ///
    /// OCPP-J 1.6 has no code for a message that is too large. OCPP 2.0.1 answers a request over
    /// its BytesPerMessage limit with `FormatViolation`, the later spelling of 1.6's
    /// `FormationViolation`, so that is the code here; libocpp sets no limit on what it
    /// receives and has nothing to follow.
    pub fn handle_oversized(&mut self, start: &str, size: usize, limit: usize, now: Instant) {
        self.handle_timeout(now);
        let description = format!("message of {size} bytes refused: at most {limit} are read");
        // Not its start: it may carry a secret (see `on_broken`).
        tracing::warn!(size, limit, "oversized frame refused before decoding");
        self.malformed(CallErrorCode::FormationViolation, description.clone());
        self.answer_by_prefix(start, &description);
    }

    /// Handles a websocket message that cannot be an OCPP-J frame at all: a binary message, or
    /// text that is not UTF-8 (`why` says which). It is answered with a CALLERROR
    /// `GenericError` to the id `"-1"`, as libocpp answers every frame it cannot read (see
    /// [Frames without an id](self#frames-without-an-id-and-why--1)).
    pub fn handle_unreadable(&mut self, why: &str, now: Instant) {
        self.handle_timeout(now);
        tracing::warn!(
            why,
            "unreadable message from the peer answered with GenericError"
        );
        self.malformed(CallErrorCode::GenericError, why.to_owned());
        self.reply_without_id(why);
    }

    /// Answers the peer's CALL `id` with a CALLRESULT.
    pub fn respond(&mut self, id: &MessageId, response: AnyResponse) -> Result<(), RpcError> {
        let Some(&expected) = self.unanswered.get(id) else {
            return Err(RpcError::UnknownCall(id.clone()));
        };
        if response.action() != expected {
            return Err(RpcError::ResponseMismatch {
                id: id.clone(),
                expected,
                found: response.action(),
            });
        }
        self.unanswered.remove(id);
        let frame = Frame::CallResult {
            id: id.clone(),
            payload: response.to_json(),
        };
        self.replies.push_back(frame.to_json_string());
        Ok(())
    }

    /// Answers the peer's CALL `id` with a CALLERROR; the description is cut to
    /// [`MAX_DESCRIPTION_LEN`] characters, the details are `{}`.
    pub fn respond_error(
        &mut self,
        id: &MessageId,
        code: CallErrorCode,
        description: &str,
    ) -> Result<(), RpcError> {
        if self.unanswered.remove(id).is_none() {
            return Err(RpcError::UnknownCall(id.clone()));
        }
        self.reply_error(id.clone(), code, description, json!({}));
        Ok(())
    }

    /// Forgets the connection, for a new one. The outstanding CALL and the queued ones become
    /// [`Event::Cancelled`] in order; the peer's unanswered CALLs and unsent answers are
    /// dropped. Events not yet polled stay.
    pub fn reset(&mut self) {
        let dropped_replies = self.replies.len();
        let unanswered = self.unanswered.len();
        self.replies.clear();
        self.unanswered.clear();
        // Ids are unique per connection (OCPP-J 1.6 §4.1.3): a new one may use them again.
        self.recent_call_ids.clear();
        self.recent_call_id_set.clear();
        let sent = self.outstanding.take().map(|o| (o.call, true));
        let queued = self.queued.drain(..).map(|call| (call, false));
        let cancelled: Vec<_> = sent.into_iter().chain(queued).collect();
        tracing::info!(
            cancelled = cancelled.len(),
            dropped_replies,
            unanswered,
            "RPC session reset"
        );
        for (call, sent) in cancelled {
            self.events.push_back(Event::Cancelled {
                id: call.id,
                action: call.action,
                payload: call.payload,
                sent,
            });
        }
    }

    fn on_call(&mut self, id: MessageId, name: &str, payload: &Value) {
        if self.repeated_call_id(&id) {
            let action = shorten(name, 64);
            tracing::warn!(%id, %action, "CALL repeats the id of an earlier CALL on this connection");
            self.fault(PeerFault::RepeatedId {
                id: id.clone(),
                action,
            });
        }
        if self.unanswered.contains_key(&id) {
            let action = shorten(name, 64);
            tracing::warn!(%id, %action, "CALL reuses the id of an unanswered CALL; dropped");
            return;
        }
        if !self.unanswered.is_empty() {
            let unanswered = self.unanswered.len();
            tracing::warn!(%id, unanswered, "peer sent a CALL before its last one was answered");
        }
        let Ok(action) = name.parse::<Action>() else {
            let description = format!("Unknown action {:?}", shorten(name, 64));
            return self.reply_error(id, CallErrorCode::NotImplemented, &description, json!({}));
        };
        let peer = self.role.peer();
        if !peer.may_send(action) {
            let description = format!("{action} is not sent by a {peer}");
            return self.reply_error(id, CallErrorCode::NotSupported, &description, json!({}));
        }
        match AnyRequest::decode(action, payload) {
            Ok(request) => {
                tracing::debug!(%id, %action, "CALL received");
                self.unanswered.insert(id.clone(), action);
                self.events.push_back(Event::Call { id, request });
            }
            Err(e) => {
                self.malformed(e.code, format!("{}: CALL {action} at {}", e.code, e.path));
                self.reply_error(id, e.code, &e.message, json!({ "path": e.path }))
            }
        }
    }

    fn on_broken(&mut self, error: FrameError, text: &str) {
        // Its length, not its text: a broken frame may still carry a secret (a
        // ChangeConfiguration of AuthorizationKey), and this layer cannot tell which parts
        // are secret. The station's message log shows the text, redacted.
        let len = text.len();
        let code = error
            .call_error_code()
            .unwrap_or(CallErrorCode::FormationViolation);
        self.malformed(code, error.to_string());
        let (Some(id), Some(code)) = (error.message_id(), error.call_error_code()) else {
            tracing::warn!(%error, len, "frame without a valid message id");
            return self.answer_by_prefix(text, &error.to_string());
        };
        let id = id.clone();
        match error.message_type() {
            Some(kind @ (MessageType::CallResult | MessageType::CallError)) => {
                tracing::warn!(%error, len, "broken answer frame");
                self.fail_outstanding(&id, kind, code, &error.to_string());
            }
            Some(MessageType::Call) | None => {
                tracing::warn!(%error, len, "broken frame answered with {code}");
                self.reply_error(id, code, &error.to_string(), json!({}));
            }
        }
    }

    /// Answers a frame that was not decoded, from what its start says (see the
    /// [module docs](self#frames-without-an-id-and-why--1)).
    fn answer_by_prefix(&mut self, text: &str, why: &str) {
        let code = CallErrorCode::FormationViolation;
        let prefix = prefix::peek(text);
        match (prefix.message_type(), prefix.id) {
            (Some(kind @ (MessageType::CallResult | MessageType::CallError)), Some(id)) => {
                match MessageId::new(id) {
                    Ok(id) => self.fail_outstanding(&id, kind, code, why),
                    Err(e) => tracing::warn!(error = %e, "{kind} with an invalid id dropped"),
                }
            }
            (Some(kind @ (MessageType::CallResult | MessageType::CallError)), None) => {
                tracing::warn!("{kind} without a readable id dropped");
            }
            (_, Some(id)) if !id.is_empty() => {
                tracing::debug!(id = %shorten(&id, 64), %code, why, "answering with CALLERROR");
                let text = frame::call_error_text(
                    &id,
                    code,
                    &shorten(why, MAX_DESCRIPTION_LEN),
                    &json!({}),
                );
                self.replies.push_back(text);
            }
            _ => self.reply_without_id(why),
        }
    }

    /// libocpp's answer to a frame it cannot read: `[4,"-1","GenericError",why,{}]`.
    fn reply_without_id(&mut self, why: &str) {
        let text = frame::call_error_text(
            NO_ID,
            CallErrorCode::GenericError,
            &shorten(why, MAX_DESCRIPTION_LEN),
            &json!({}),
        );
        self.replies.push_back(text);
    }

    /// Completes the outstanding CALL with `code` if `id` is its id.
    fn fail_outstanding(
        &mut self,
        id: &MessageId,
        kind: MessageType,
        code: CallErrorCode,
        why: &str,
    ) {
        if let Some(call) = self.take_outstanding(id, kind) {
            let info = CallErrorInfo {
                code,
                description: shorten(why, MAX_DESCRIPTION_LEN),
                details: json!({}),
            };
            self.complete(call, Err(info));
        }
    }

    /// Takes the outstanding CALL if `id` is its id; logs and returns `None` otherwise.
    fn take_outstanding(&mut self, id: &MessageId, kind: MessageType) -> Option<OwnCall> {
        match self.outstanding.take_if(|o| o.call.id == *id) {
            Some(o) => Some(o.call),
            None => {
                let outstanding = self.outstanding.as_ref().map(|o| o.call.id.as_str());
                tracing::warn!(
                    %id,
                    ?outstanding,
                    "{kind} does not answer the outstanding CALL (late, duplicate or unknown); dropped"
                );
                None
            }
        }
    }

    fn complete(&mut self, call: OwnCall, result: Result<AnyResponse, CallErrorInfo>) {
        self.events.push_back(Event::Response {
            id: call.id,
            action: call.action,
            result,
        });
    }

    fn reply_error(
        &mut self,
        id: MessageId,
        code: CallErrorCode,
        description: &str,
        details: Value,
    ) {
        tracing::debug!(%id, %code, description, "answering with CALLERROR");
        let frame = Frame::CallError {
            id,
            code,
            description: shorten(description, MAX_DESCRIPTION_LEN),
            details,
        };
        self.replies.push_back(frame.to_json_string());
    }
}
