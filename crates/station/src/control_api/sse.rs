//! `GET /api/v1/events`: server-sent events. A new subscriber first gets the current state (so a
//! page needs no separate GET to start), then every [`StationEvent`] the runtime broadcasts.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use super::state::StationEvent;
use super::Api;

/// How often an idle stream sends a comment, so proxies and browsers keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

fn to_sse(event: &StationEvent) -> Result<Event, Infallible> {
    Ok(Event::default().event(event.name()).data(event.data()))
}

/// The handler.
pub async fn events(
    State(api): State<Arc<Api>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = api.events.subscribe();
    let first = StationEvent::State(api.control.state());
    let stop = api.stop_streams.clone();
    let events = stream::unfold((Some(first), rx, api), |(first, mut rx, api)| async move {
        if let Some(event) = first {
            return Some((to_sse(&event), (None, rx, api)));
        }
        let event = match rx.recv().await {
            Ok(event) => event,
            // This subscriber fell behind and missed events: the lost frames are gone, but
            // the current state makes the page right again.
            Err(RecvError::Lagged(missed)) => {
                tracing::debug!(missed, "event stream subscriber lagged");
                StationEvent::State(api.control.state())
            }
            Err(RecvError::Closed) => return None,
        };
        Some((to_sse(&event), (None, rx, api)))
    });
    // Streams end when the server stops: graceful shutdown waits for every connection, and an
    // event stream never ends by itself.
    let stopped = async move {
        match stop {
            Some(mut rx) => {
                // An error means the server's side is gone: stop too.
                let _ = rx.wait_for(|stopping| *stopping).await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    Sse::new(events.take_until(stopped)).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}
