//! everest-core's OCPP module parameter MessageQueueResumeDelay (libocpp's
//! `ChargePoint::set_message_queue_resume_delay`, `MessageQueue::resume`): after a reconnect,
//! the station's own CALLs (queued transaction messages, StatusNotifications, Heartbeat, ...)
//! wait that long before the queue sends again, "because some OCTT test cases require that the
//! first message after a reconnect is sent by the CSMS". The first connection of a run is not
//! delayed (libocpp counts its resumes), and the central system's CALLs are answered
//! meanwhile: only the queue waits.

use std::time::{Duration, Instant};

use super::{ChargePoint, Now};

/// When the queue may send again after a reconnect.
#[derive(Debug, Default)]
pub(crate) struct QueueResume {
    /// MessageQueueResumeDelay (zero: no delay).
    delay: Duration,
    /// The connections made so far in this run.
    connections: u64,
    /// The queue sends nothing of its own before this.
    until: Option<Instant>,
}

impl QueueResume {
    /// The deadline to wake for, while the queue waits.
    pub fn deadline(&self) -> Option<Instant> {
        self.until
    }

    /// Whether the queue may send at `now`.
    pub fn may_send(&self, now: Instant) -> bool {
        self.until.is_none_or(|until| until <= now)
    }
}

impl ChargePoint {
    /// everest-core's MessageQueueResumeDelay: after every connection but the first, the
    /// message queue waits `delay` before it sends again (see the `queue_resume` module docs).
    pub fn with_message_queue_resume_delay(mut self, delay: Duration) -> ChargePoint {
        self.queue_resume.delay = delay;
        self
    }

    /// A connection is made: the queue waits MessageQueueResumeDelay unless it is the first.
    pub(crate) fn queue_resume_connected(&mut self, now: Now) {
        let resume = &mut self.queue_resume;
        resume.connections = resume.connections.saturating_add(1);
        resume.until =
            (resume.connections > 1 && !resume.delay.is_zero()).then(|| now.instant + resume.delay);
        if resume.until.is_some() {
            tracing::info!(
                delay_s = resume.delay.as_secs(),
                "reconnected: the message queue resumes after MessageQueueResumeDelay"
            );
        }
    }

    /// The delay passed: the queue sends again.
    pub(crate) fn queue_resume_timer(&mut self, now: Now) {
        if self
            .queue_resume
            .until
            .is_some_and(|until| until <= now.instant)
        {
            tracing::info!("message queue resumed");
            self.queue_resume.until = None;
        }
    }
}
