//! The Security whitepaper's InvalidMessages and AttemptedReplayAttacks, from what ocpp-rpc
//! found wrong with the central system's frames ([`ocpp_rpc::PeerFault`]). Both are written to
//! the security log only: the whitepaper does not call them critical.
//!
//! - InvalidMessages: a frame or payload that does not decode (broken JSON, a payload the
//!   schema refuses, a frame over the size limit, a binary or non-UTF-8 message, a
//!   CALLRESULT that does not decode), as libocpp's `ChargePointImpl::message_callback`
//!   raises it for its JSON, enum and string conversion failures. libocpp puts the message
//!   itself into techInfo; here techInfo says what was wrong, never the frame's text: a
//!   ChangeConfiguration of AuthorizationKey that fails to decode still carries the key, and
//!   the security log is uploaded by GetLog.
//! - AttemptedReplayAttacks: a CALL that repeats the message id of an earlier CALL on the same
//!   connection (OCPP-J 1.6 §4.1.3 forbids it). libocpp raises this event nowhere; a repeated
//!   id is the one sign of a replayed frame OCPP-J gives. The CALL is handled as ocpp-rpc
//!   handles it (see [`ocpp_rpc::PeerFault::RepeatedId`]).

use ocpp_rpc::PeerFault;

use super::security_events::kind;
use super::{ChargePoint, Now};

impl ChargePoint {
    /// Raises the security event of every fault ocpp-rpc found since the last call.
    pub(crate) fn process_peer_faults(&mut self, now: Now) {
        while let Some(fault) = self.rpc.poll_fault() {
            match fault {
                PeerFault::Malformed { what, .. } => {
                    self.security_event(kind::INVALID_MESSAGES, Some(&what), now)
                }
                PeerFault::RepeatedId { id, action } => {
                    let tech_info = format!(
                        "CALL {action} repeats the message id {id} of an earlier CALL on this connection"
                    );
                    self.security_event(kind::ATTEMPTED_REPLAY_ATTACKS, Some(&tech_info), now)
                }
            }
        }
    }
}
