//! `GET /api/v1/events`: server-sent events, what the web UI lives on.
//!
//! A new stream first gets `charge_points` (every charge point, as `GET
//! /api/v1/charge-points` lists them) and `tags`; with `?after=N` (the `seq` of the last frame
//! the client has) the kept frames after N follow, so nothing is lost between a `GET .../frames`
//! and the stream. Then, live:
//!
//! | event | data |
//! |---|---|
//! | `charge_point` | one charge point that changed |
//! | `transaction` | one transaction that started, got meter values or stopped (without its meter values) |
//! | `tags` | every tag, after a change |
//! | `frame` | a frame of a message log |
//! | `call` | a CSMS-initiated call, when sent and when it got its outcome |
//!
//! With `?charge_point=ID` only the events of that charge point come (and `tags`). A stream that
//! falls behind gets `charge_points` and `tags` again (the frames it missed are in `GET
//! .../frames`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::Uri;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;

use super::views::{ChargePointView, TagView, TransactionView};
use super::{ApiError, ApiState};
use crate::updates::Update;

/// How often an idle stream sends a comment, so proxies and browsers keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The query: resume the frames after `after`; only the events of `charge_point`.
struct EventsQuery {
    after: Option<u64>,
    charge_point: Option<String>,
}

fn query(uri: &Uri) -> Result<EventsQuery, ApiError> {
    let params = super::query::parse(uri, &["after", "charge_point"])?;
    let after = super::query::get(&params, "after")
        .map(|a| {
            a.parse::<u64>()
                .map_err(|_| ApiError::bad(format!("query: after={a} is not a frame number")))
        })
        .transpose()?;
    Ok(EventsQuery {
        after,
        charge_point: super::query::get(&params, "charge_point").map(str::to_owned),
    })
}

fn event(name: &str, data: &impl Serialize) -> Option<Event> {
    serde_json::to_string(data)
        .ok()
        .map(|text| Event::default().event(name).data(text))
}

/// The `charge_points` and `tags` events: everything as it is now.
fn snapshot(api: &super::Api, only: Option<&str>) -> Vec<Event> {
    let waiting: Vec<(String, Option<ocpp_types::Action>)> = {
        let calls = api.shared.lock_calls();
        let state = api.shared.lock_state();
        state
            .charge_points
            .keys()
            .map(|id| (id.clone(), calls.waiting(id)))
            .collect()
    };
    let state = api.shared.lock_state();
    let now = ocpp_types::DateTime::from_utc(chrono::Utc::now());
    let charge_points: Vec<ChargePointView> = waiting
        .iter()
        .filter(|(id, _)| only.is_none_or(|o| o == id))
        .filter_map(|(id, w)| {
            state
                .charge_points
                .get(id)
                .map(|cp| ChargePointView::new(&state, cp, *w))
        })
        .collect();
    let tags: Vec<TagView> = state.tags.iter().map(|t| TagView::new(t, now)).collect();
    [event("charge_points", &charge_points), event("tags", &tags)]
        .into_iter()
        .flatten()
        .collect()
}

/// The event of `update`, if the stream (of charge point `only`) wants it.
fn live(api: &super::Api, update: &Update, only: Option<&str>) -> Option<Event> {
    let wanted = |cp: &str| only.is_none_or(|o| o == cp);
    match update {
        Update::ChargePoint(id) if wanted(id) => super::charge_points::view(api, id)
            .ok()
            .and_then(|v| event("charge_point", &v)),
        Update::Transaction(id) => {
            let state = api.shared.lock_state();
            let t = state.transactions.get(id)?;
            wanted(&t.charge_point_id)
                .then(|| event("transaction", &TransactionView::summary(t)))
                .flatten()
        }
        Update::Tags => {
            let state = api.shared.lock_state();
            let now = ocpp_types::DateTime::from_utc(chrono::Utc::now());
            let tags: Vec<TagView> = state.tags.iter().map(|t| TagView::new(t, now)).collect();
            event("tags", &tags)
        }
        Update::Frame(f) if wanted(&f.charge_point_id) => event("frame", f.as_ref()),
        Update::Call(c) if wanted(&c.charge_point_id) => event("call", c.as_ref()),
        _ => None,
    }
}

/// The handler.
pub(crate) async fn events(State(api): ApiState, uri: Uri) -> Response {
    let query = match query(&uri) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    // Subscribed before the snapshot is taken: a change in between is in one or the other (or
    // both, which repeats a state), never in neither.
    let rx = api.shared.subscribe_updates();
    let only = query.charge_point.clone();
    let mut first = snapshot(&api, only.as_deref());
    let mut replayed = 0;
    if let Some(after) = query.after {
        let log = api.shared.lock_frames();
        // An `after` the log has not reached is from another run of the CSMS: no replay.
        if after <= log.last_seq() {
            for f in log.frames_after(after) {
                if only.as_deref().is_none_or(|o| o == f.charge_point_id) {
                    first.extend(event("frame", f));
                }
                replayed = f.seq;
            }
        }
    }
    let first = stream::iter(first.into_iter().map(Ok::<Event, Infallible>));
    let stopped = api.stopped.clone();
    let live_events = stream::unfold((rx, Arc::clone(&api)), move |(mut rx, api)| {
        let only = only.clone();
        async move {
            loop {
                let events = match rx.recv().await {
                    Ok(Update::Frame(f)) if f.seq <= replayed => continue,
                    Ok(update) => live(&api, &update, only.as_deref()).into_iter().collect(),
                    Err(RecvError::Lagged(missed)) => {
                        tracing::debug!(missed, "CSMS event stream lagged");
                        snapshot(&api, only.as_deref())
                    }
                    Err(RecvError::Closed) => return None,
                };
                if events.is_empty() {
                    continue;
                }
                let events = stream::iter(events.into_iter().map(Ok::<Event, Infallible>));
                return Some((events, (rx, api)));
            }
        }
    })
    .flatten();
    let until_stopped = async move {
        let mut stopped = stopped;
        // An error means the CSMS is gone: stop too.
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    Sse::new(first.chain(live_events).take_until(until_stopped))
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response()
}
