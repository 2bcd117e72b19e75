//! Heartbeat (OCPP 1.6 §4.6): every HeartbeatInterval seconds once registered, whatever else
//! is sent (as libocpp's interval timer; the spec allows skipping it after other traffic, libocpp
//! does not). Its answer's currentTime corrects the clock. HeartbeatInterval 0 switches it off.

use std::time::Duration;

use ocpp_types::core::HeartbeatResponse;
use ocpp_types::Action;

use super::message_queue::Purpose;
use super::{ChargePoint, Now};

impl ChargePoint {
    /// Starts the heartbeat timer afresh from `now` (after registration, after a change of
    /// HeartbeatInterval).
    pub(crate) fn restart_heartbeat(&mut self, now: Now) {
        let interval = self.config.core().heartbeat_interval;
        self.next_heartbeat =
            (interval > 0).then(|| now.instant + Duration::from_secs(u64::from(interval)));
    }

    /// Queues a Heartbeat when one is due. Offline the beat is skipped, not saved up.
    pub(crate) fn heartbeat_timer(&mut self, now: Now) {
        if self.next_heartbeat.is_none_or(|t| t > now.instant) {
            return;
        }
        if self.may_send_normal() && !self.queue.has_normal(&Purpose::Heartbeat) {
            self.queue
                .push_normal(Action::Heartbeat, serde_json::json!({}), Purpose::Heartbeat);
        }
        self.restart_heartbeat(now);
    }

    /// Heartbeat.conf.
    #[inline(never)]
    pub(crate) fn on_heartbeat_response(&mut self, response: HeartbeatResponse, now: Now) {
        self.set_clock_offset(response.current_time, Action::Heartbeat, now);
    }
}
