//! Diagnostics through `tracing` on stdout (where `ferrocharge csms` prints one line per
//! message), level from RUST_LOG (default info), held back until the banner is out.
//!
//! A station logs while it starts (its files, its configuration); the banner that tells a
//! person where the web UI, the CSMS and the message log are can only be printed once the
//! station has started. So log lines wait in memory until [`Held::release`], which comes right
//! after the banner, or when the [`Held`] guard goes (an error, a panic): nothing is lost, the
//! banner is simply first.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use tracing_subscriber::fmt::MakeWriter;

/// At most this much output is held; past it, the held lines go out and the rest follows
/// unheld (RUST_LOG=trace on a slow start should not grow without bound).
const HOLD_LIMIT: usize = 1 << 20;

/// The log output waiting for the banner: `Some` while held.
type Shared = Arc<Mutex<Option<Vec<u8>>>>;

fn lock(shared: &Shared) -> MutexGuard<'_, Option<Vec<u8>>> {
    // A writer that panicked mid-line leaves the buffer usable.
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes what is held, if anything, to stdout and stops holding.
fn release(held: &mut Option<Vec<u8>>) {
    release_into(held, &mut io::stdout().lock());
}

fn release_into(held: &mut Option<Vec<u8>>, out: &mut impl Write) {
    if let Some(lines) = held.take() {
        // Nowhere to report a failing stdout: the lines are lost as unheld ones would be.
        let _ = out.write_all(&lines);
        let _ = out.flush();
    }
}

/// Holds the log output until released; releases it when dropped.
#[must_use = "log output is held until this is released or dropped"]
pub struct Held {
    shared: Shared,
}

impl Held {
    /// Writes the log lines held so far to stdout and lets the following ones through.
    pub fn release(&self) {
        release(&mut lock(&self.shared));
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.release();
    }
}

/// Sets up `tracing`; its output is held until the returned guard is released.
pub fn init() -> anyhow::Result<Held> {
    init_at(tracing::Level::INFO)
}

/// As [`init`], at `default` when RUST_LOG says nothing (a fleet of thousands of stations
/// logs warnings only: each station's connection and boot at info would drown the summary).
pub fn init_at(default: tracing::Level) -> anyhow::Result<Held> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| tracing_subscriber::filter::Targets::new().with_default(default));
    let shared: Shared = Arc::new(Mutex::new(Some(Vec::new())));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_writer(HoldingStdout(shared.clone())),
        )
        .with(filter)
        .try_init()
        .context("cannot set up logging")?;
    Ok(Held { shared })
}

/// The writer of the log: stdout, or the hold while there is one.
struct HoldingStdout(Shared);

impl<'a> MakeWriter<'a> for HoldingStdout {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> LineWriter<'a> {
        LineWriter(&self.0)
    }
}

/// One log line's writer (the fmt layer writes each line whole).
struct LineWriter<'a>(&'a Shared);

impl Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut held = lock(self.0);
        if let Some(lines) = held.as_mut() {
            if lines.len() + buf.len() <= HOLD_LIMIT {
                lines.extend_from_slice(buf);
                return Ok(buf.len());
            }
            release(&mut held);
        }
        // Still under the lock: a line cannot overtake the held ones being written out.
        io::stdout().lock().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stdout().lock().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_held_until_released_once() {
        let shared: Shared = Arc::new(Mutex::new(Some(Vec::new())));
        let writer = HoldingStdout(shared.clone());
        assert_eq!(writer.make_writer().write(b"one\n").ok(), Some(4));
        assert_eq!(writer.make_writer().write(b"two\n").ok(), Some(4));
        let mut out = Vec::new();
        release_into(&mut lock(&shared), &mut out);
        assert_eq!(out, b"one\ntwo\n");
        assert!(lock(&shared).is_none());
        release_into(&mut lock(&shared), &mut out);
        assert_eq!(out, b"one\ntwo\n", "released once");
    }
}
