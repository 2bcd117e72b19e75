//! The reconnect decisions of a [`Connection`](crate::Connection), sans-IO: which options to
//! use, how long to wait after a failure or a drop, and when a trial of new options falls back
//! to the previous ones.
//!
//! A trial ([`Supervisor::try_options`]) is libocpp's `switchSecurityProfile`: the new options
//! get a fixed number of attempts; the first connection confirms them, and if none succeeds the
//! previous options come back (and are used at once). libocpp gives the new profile
//! `max_connection_attempts = 1`, which its `<=` check turns into two attempts; here the count
//! is explicit.

use std::time::Duration;

use crate::backoff::{Backoff, Jitter};
use crate::error::ConfigError;
use crate::options::ConnectionOptions;
use crate::ping::PingConfig;
use crate::profile::SecurityProfile;
use crate::uri::CsmsUrl;

/// A trial of new options ended in the previous ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FellBack {
    /// The profile of the options that did not connect.
    pub tried: SecurityProfile,
    /// The profile of the options restored.
    pub restored: SecurityProfile,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterFailure {
    /// Wait this long, then try again.
    pub retry_in: Duration,
    /// Set when this failure ended a trial: the previous options are back.
    pub fell_back: Option<FellBack>,
}

#[derive(Debug, Clone)]
struct Trial {
    previous: ConnectionOptions,
    previous_url: CsmsUrl,
    attempts_left: u32,
}

/// The reconnect state; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Supervisor {
    options: ConnectionOptions,
    url: CsmsUrl,
    trial: Option<Trial>,
    backoff: Backoff,
}

impl Supervisor {
    /// Starts with `options`.
    pub fn new(options: ConnectionOptions) -> Result<Supervisor, ConfigError> {
        let url = options.validate()?;
        let backoff = Backoff::new(options.backoff);
        Ok(Supervisor {
            options,
            url,
            trial: None,
            backoff,
        })
    }

    /// The options of the next attempt.
    pub fn options(&self) -> &ConnectionOptions {
        &self.options
    }

    /// The URL of the next attempt.
    pub fn url(&self) -> &CsmsUrl {
        &self.url
    }

    /// Whether new options are on trial.
    pub fn on_trial(&self) -> bool {
        self.trial.is_some()
    }

    /// A connection opened: the back-off starts again and options on trial are kept.
    pub fn on_connected(&mut self) {
        self.backoff.reset();
        if self.trial.take().is_some() {
            tracing::info!(profile = %self.options.security_profile, "new connection options confirmed");
        }
    }

    /// An attempt failed.
    pub fn on_connect_failed(&mut self, jitter: &mut impl Jitter) -> AfterFailure {
        if let Some(trial) = &mut self.trial {
            trial.attempts_left = trial.attempts_left.saturating_sub(1);
            if trial.attempts_left == 0 {
                let tried = self.options.security_profile;
                if let Some(trial) = self.trial.take() {
                    self.options = trial.previous;
                    self.url = trial.previous_url;
                    self.backoff = Backoff::new(self.options.backoff);
                }
                let fell_back = FellBack {
                    tried,
                    restored: self.options.security_profile,
                };
                tracing::warn!(tried = %fell_back.tried, restored = %fell_back.restored,
                    "new connection options failed; falling back to the previous ones");
                return AfterFailure {
                    retry_in: Duration::ZERO,
                    fell_back: Some(fell_back),
                };
            }
        }
        AfterFailure {
            retry_in: self.backoff.next_wait(jitter),
            fell_back: None,
        }
    }

    /// An open connection dropped: the wait before the next attempt.
    pub fn on_disconnected(&mut self, jitter: &mut impl Jitter) -> Duration {
        self.backoff.next_wait(jitter)
    }

    /// Replaces the keep-alive of the current options (and of the options a trial would fall
    /// back to, so a fall-back does not bring the old interval back).
    pub fn set_keep_alive(&mut self, ping: PingConfig) {
        if let Some(trial) = self.trial.as_mut() {
            trial.previous.ping = ping.clone();
        }
        self.options.ping = ping;
    }

    /// Uses `options` from the next attempt on, for good (a trial in progress is dropped).
    pub fn replace(&mut self, options: ConnectionOptions) -> Result<(), ConfigError> {
        self.url = options.validate()?;
        self.backoff = Backoff::new(options.backoff);
        self.options = options;
        self.trial = None;
        Ok(())
    }

    /// Tries `options` for `attempts` attempts (at least 1); if none connects, the current
    /// options come back. During a trial, the options to fall back to stay those in use
    /// before the first trial.
    pub fn try_options(
        &mut self,
        options: ConnectionOptions,
        attempts: u32,
    ) -> Result<(), ConfigError> {
        let url = options.validate()?;
        let (previous, previous_url) = match self.trial.take() {
            Some(trial) => (trial.previous, trial.previous_url),
            None => (self.options.clone(), self.url.clone()),
        };
        self.backoff = Backoff::new(options.backoff);
        self.options = options;
        self.url = url;
        self.trial = Some(Trial {
            previous,
            previous_url,
            attempts_left: attempts.max(1),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backoff::BackoffConfig;
    use crate::{AuthorizationKey, SecurityProfile::*};

    struct NoJitter;
    impl Jitter for NoJitter {
        fn up_to(&mut self, _max: u64) -> u64 {
            0
        }
    }

    fn options(profile: SecurityProfile) -> ConnectionOptions {
        let mut o = ConnectionOptions::new("127.0.0.1:9000/ocpp", "cp001", profile);
        o.authorization_key = Some(AuthorizationKey::new("0123456789abcdef").unwrap());
        o.cert_store = Some(crate::CertificateStore::new("/certs"));
        o.backoff = BackoffConfig::from_seconds(1, 0, 2);
        o
    }

    #[test]
    fn failures_back_off_and_a_connection_resets() {
        let mut s = Supervisor::new(options(BasicAuth)).unwrap();
        let waits: Vec<_> = (0..4)
            .map(|_| s.on_connect_failed(&mut NoJitter).retry_in.as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 4]);
        s.on_connected();
        assert_eq!(s.on_disconnected(&mut NoJitter).as_secs(), 1);
        assert_eq!(s.on_connect_failed(&mut NoJitter).retry_in.as_secs(), 2);
    }

    #[test]
    fn trial_confirmed_by_a_connection() {
        let mut s = Supervisor::new(options(BasicAuth)).unwrap();
        s.try_options(options(TlsBasicAuth), 2).unwrap();
        assert_eq!(s.url().to_string(), "wss://127.0.0.1:9000/ocpp/cp001");
        assert_eq!(
            s.on_connect_failed(&mut NoJitter),
            AfterFailure {
                retry_in: Duration::from_secs(1),
                fell_back: None
            }
        );
        s.on_connected();
        assert!(!s.on_trial());
        // Failures after the confirmation never fall back.
        for _ in 0..5 {
            assert_eq!(s.on_connect_failed(&mut NoJitter).fell_back, None);
        }
        assert_eq!(s.options().security_profile, TlsBasicAuth);
    }

    #[test]
    fn trial_falls_back_after_its_attempts() {
        let mut s = Supervisor::new(options(BasicAuth)).unwrap();
        s.on_connect_failed(&mut NoJitter); // advance the back-off of the old options
        s.try_options(options(TlsBasicAuth), 1).unwrap();
        let after = s.on_connect_failed(&mut NoJitter);
        assert_eq!(
            after,
            AfterFailure {
                retry_in: Duration::ZERO,
                fell_back: Some(FellBack {
                    tried: TlsBasicAuth,
                    restored: BasicAuth
                })
            }
        );
        assert_eq!(s.options().security_profile, BasicAuth);
        assert_eq!(s.url().to_string(), "ws://127.0.0.1:9000/ocpp/cp001");
        assert!(!s.on_trial());
        // The restored options start a fresh back-off.
        assert_eq!(s.on_connect_failed(&mut NoJitter).retry_in.as_secs(), 1);
    }

    #[test]
    fn second_trial_keeps_the_first_fallback_and_replace_ends_trials() {
        let mut s = Supervisor::new(options(Unsecured)).unwrap();
        s.try_options(options(BasicAuth), 1).unwrap();
        s.try_options(options(TlsBasicAuth), 1).unwrap();
        let after = s.on_connect_failed(&mut NoJitter);
        assert_eq!(
            after.fell_back,
            Some(FellBack {
                tried: TlsBasicAuth,
                restored: Unsecured
            })
        );

        s.try_options(options(BasicAuth), 1).unwrap();
        s.replace(options(TlsBasicAuth)).unwrap();
        assert!(!s.on_trial());
        assert_eq!(s.on_connect_failed(&mut NoJitter).fell_back, None);
    }

    #[test]
    fn invalid_options_change_nothing() {
        let mut s = Supervisor::new(options(BasicAuth)).unwrap();
        let mut bad = options(TlsBasicAuth);
        bad.central_system_uri = "ws://127.0.0.1/ocpp".into();
        assert!(s.try_options(bad.clone(), 1).is_err());
        assert!(s.replace(bad).is_err());
        assert_eq!(s.options().security_profile, BasicAuth);
        assert!(!s.on_trial());
    }
}
