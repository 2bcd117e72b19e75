//! What the codec and the endpoint log for frames they drop or rewrite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Instant;

use ocpp_rpc::{Config, Frame, Role, Rpc};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Records every event as "LEVEL field=value ...".
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={:?}", field.name(), value));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = Line(event.metadata().level().to_string());
        event.record(&mut line);
        self.0.lock().unwrap().push(line.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn captured(f: impl FnOnce()) -> Vec<String> {
    let capture = Capture::default();
    tracing::subscriber::with_default(capture.clone(), f);
    let lines = capture.0.lock().unwrap().clone();
    lines
}

#[test]
fn unknown_error_code_is_logged_with_the_original() {
    let lines = captured(|| {
        let _ = Frame::parse(r#"[4,"1","RpcFrameworkError","",{}]"#);
    });
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(&Level::WARN.to_string()), "{lines:?}");
    assert!(lines[0].contains("RpcFrameworkError"), "{lines:?}");
}

#[test]
fn dropped_frames_are_logged() {
    let now = Instant::now();
    let mut rpc = Rpc::new(Role::ChargePoint, Config::default());
    for frame in [
        "not json",
        r#"[3,"unknown",{}]"#,
        r#"[2,"","Heartbeat",{}]"#,
    ] {
        let lines = captured(|| rpc.handle_frame(frame, now));
        assert!(
            lines.iter().any(|l| l.starts_with("WARN")),
            "{frame}: {lines:?}"
        );
    }
}
