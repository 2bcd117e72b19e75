//! The control-API target: a request to one of the routes, with the fuzzer's body, against a
//! station that takes every command. Whatever the body, the answer is 2xx or 4xx: a 5xx
//! would mean the input alone broke the server.

use std::cell::RefCell;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use station::control_api::{
    router, Access, CarScript, HardwareError, MeterOverride, Outcome, PlugIn, Reply,
    StationControl, StationEvent, StationState, StopTransaction, Token,
};
use tower::ServiceExt;

/// A station that takes every command and has no display.
struct Accepting;

fn done() -> Reply<'static> {
    Box::pin(async { Ok(Outcome::done()) })
}

impl StationControl for Accepting {
    fn state(&self) -> StationState {
        station::runtime::state::initial("cp001", 2)
    }
    fn plug_in(&self, _: u32, _: PlugIn) -> Reply<'_> {
        done()
    }
    fn unplug(&self, _: u32) -> Reply<'_> {
        done()
    }
    fn ev_pause(&self, _: u32) -> Reply<'_> {
        done()
    }
    fn ev_resume(&self, _: u32) -> Reply<'_> {
        done()
    }
    fn car_script(&self, _: u32, _: CarScript) -> Reply<'_> {
        done()
    }
    fn hardware_error(&self, _: u32, _: HardwareError) -> Reply<'_> {
        done()
    }
    fn meter(&self, _: u32, _: MeterOverride) -> Reply<'_> {
        done()
    }
    fn token(&self, _: Token) -> Reply<'_> {
        done()
    }
    fn ocpp_disconnect(&self) -> Reply<'_> {
        done()
    }
    fn ocpp_connect(&self) -> Reply<'_> {
        done()
    }
    fn stop(&self) -> Reply<'_> {
        done()
    }
    fn stop_transaction(&self, _: u32, _: StopTransaction) -> Reply<'_> {
        done()
    }
}

thread_local! {
    /// One runtime per thread: building one per input would be most of the work.
    static RUNTIME: RefCell<Option<tokio::runtime::Runtime>> = const { RefCell::new(None) };
}

/// Sends the request `data` describes (`METHOD /path`, a newline, the body) and checks the
/// answer's status.
pub fn request(data: &[u8]) {
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (head, body) = data.split_at(split);
    let body = body.get(1..).unwrap_or_default();
    let Ok(head) = std::str::from_utf8(head) else {
        return;
    };
    let Some((method, path)) = head.trim().split_once(' ') else {
        return;
    };
    let (events, _) = tokio::sync::broadcast::channel::<StationEvent>(16);
    // The API of the station's default address, with no token: the Host sent below.
    let Ok(access) = Access::new(std::net::SocketAddr::from(([127, 0, 0, 1], 8849)), None) else {
        return;
    };
    let app = router(Arc::new(Accepting), events, access);
    let Ok(request) = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("host", "127.0.0.1:8849")
        .body(Body::from(body.to_vec()))
    else {
        return;
    };
    let status = RUNTIME.with(|cell| {
        let mut runtime = cell.borrow_mut();
        if runtime.is_none() {
            *runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok();
        }
        let runtime = runtime.as_ref()?;
        let response = runtime.block_on(app.oneshot(request)).ok()?;
        Some(response.status())
    });
    if let Some(status) = status {
        assert!(
            !status.is_server_error(),
            "{method} {path} answered {status} for the body {:?}",
            String::from_utf8_lossy(body)
        );
    }
}
