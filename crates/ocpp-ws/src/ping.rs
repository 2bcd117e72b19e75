//! Websocket keep-alive, sans-IO: a ping every `WebsocketPingInterval`, and the connection
//! counts as dead when its pong does not come within `WebsocketPongTimeout`.
//!
//! As libocpp's `WebsocketBase::set_websocket_ping_interval`: only a pong answers a ping (other
//! traffic does not), at most one ping is outstanding, and the next interval starts when the
//! pong arrives. Unlike libocpp, which checks once per second, deadlines are exact.

use std::time::{Duration, Instant};

/// Keep-alive settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingConfig {
    /// `WebSocketPingInterval` (Core) / `WebsocketPingInterval`; zero turns pings off.
    pub interval: Duration,
    /// `Internal.WebsocketPongTimeout` (default 5 s).
    pub pong_timeout: Duration,
    /// `Internal.WebsocketPingPayload` (default "hello there").
    pub payload: String,
}

impl Default for PingConfig {
    fn default() -> PingConfig {
        PingConfig {
            interval: Duration::ZERO,
            pong_timeout: Duration::from_secs(5),
            payload: "hello there".to_owned(),
        }
    }
}

/// What the keep-alive wants done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PingAction {
    /// Send a ping with this payload.
    SendPing(Vec<u8>),
    /// The pong did not come in time: close the connection and reconnect.
    PongTimedOut,
}

/// The keep-alive state of one connection.
#[derive(Debug, Clone)]
pub struct PingTimer {
    config: PingConfig,
    /// When the next ping is due, or when the outstanding ping times out.
    deadline: Option<Instant>,
    awaiting_pong: bool,
}

impl PingTimer {
    /// The keep-alive of a connection opened at `now`.
    pub fn new(config: PingConfig, now: Instant) -> PingTimer {
        let deadline = (!config.interval.is_zero()).then(|| now + config.interval);
        PingTimer {
            config,
            deadline,
            awaiting_pong: false,
        }
    }

    /// When [`PingTimer::handle_timeout`] must be called next; `None` with pings off.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// Whether a ping is waiting for its pong.
    pub fn awaiting_pong(&self) -> bool {
        self.awaiting_pong
    }

    /// Acts on a deadline at or before `now`.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<PingAction> {
        let deadline = self.deadline?;
        if now < deadline {
            return None;
        }
        if self.awaiting_pong {
            self.deadline = None;
            return Some(PingAction::PongTimedOut);
        }
        self.awaiting_pong = true;
        self.deadline = Some(now + self.config.pong_timeout);
        Some(PingAction::SendPing(
            self.config.payload.as_bytes().to_vec(),
        ))
    }

    /// A pong arrived at `now`.
    pub fn on_pong(&mut self, now: Instant) {
        if self.awaiting_pong {
            self.awaiting_pong = false;
            self.deadline = Some(now + self.config.interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(interval: u64, timeout: u64) -> PingConfig {
        PingConfig {
            interval: Duration::from_secs(interval),
            pong_timeout: Duration::from_secs(timeout),
            payload: "hello there".into(),
        }
    }

    #[test]
    fn off_when_interval_is_zero() {
        let t0 = Instant::now();
        let mut timer = PingTimer::new(config(0, 5), t0);
        assert_eq!(timer.poll_timeout(), None);
        assert_eq!(timer.handle_timeout(t0 + Duration::from_secs(1000)), None);
    }

    #[test]
    fn ping_pong_cycle() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut timer = PingTimer::new(config(10, 5), t0);
        assert_eq!(timer.poll_timeout(), Some(t0 + s(10)));
        assert_eq!(timer.handle_timeout(t0 + s(9)), None);
        assert_eq!(
            timer.handle_timeout(t0 + s(10)),
            Some(PingAction::SendPing(b"hello there".to_vec()))
        );
        assert!(timer.awaiting_pong());
        assert_eq!(timer.poll_timeout(), Some(t0 + s(15)));
        timer.on_pong(t0 + s(11));
        assert!(!timer.awaiting_pong());
        assert_eq!(timer.poll_timeout(), Some(t0 + s(21)));
        // A stray pong changes nothing.
        timer.on_pong(t0 + s(12));
        assert_eq!(timer.poll_timeout(), Some(t0 + s(21)));
    }

    #[test]
    fn missing_pong_times_out_once() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut timer = PingTimer::new(config(1, 1), t0);
        assert!(matches!(
            timer.handle_timeout(t0 + s(1)),
            Some(PingAction::SendPing(_))
        ));
        assert_eq!(
            timer.handle_timeout(t0 + s(1) + Duration::from_millis(999)),
            None
        );
        assert_eq!(
            timer.handle_timeout(t0 + s(2)),
            Some(PingAction::PongTimedOut)
        );
        assert_eq!(timer.poll_timeout(), None);
        assert_eq!(timer.handle_timeout(t0 + s(10)), None);
    }
}
