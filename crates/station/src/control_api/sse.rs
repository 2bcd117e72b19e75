//! `GET /api/v1/events`: server-sent events. A new subscriber first gets the current state (so a
//! page needs no separate GET to start), then every [`StationEvent`] the runtime broadcasts.
//!
//! With `?after=N` (the `seq` of the last frame the client has, e.g. the last of the frames the
//! page came with), the frames the station kept that came after N follow the state, and then
//! the live events without repeating them: no frame is lost between the page and the stream.
//! An N the station has not reached yet is from another run of the process: nothing is
//! replayed then.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::Uri;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use super::state::StationEvent;
use super::Api;

/// How often an idle stream sends a comment, so proxies and browsers keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `after` of the query (`?after=N`), when it is a number; anything else is ignored, as a
/// browser's query extras would be.
fn after(uri: &Uri) -> Option<u64> {
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("after="))
        .and_then(|n| n.parse().ok())
}

fn to_sse(event: &StationEvent) -> Result<Event, Infallible> {
    Ok(Event::default().event(event.name()).data(event.data()))
}

/// The first events of a stream: the state, then the kept frames after `after`; and the
/// number of the last frame they include (live frames up to it are not sent again).
fn opening(api: &Api, after: Option<u64>) -> (Vec<StationEvent>, u64) {
    let mut first = vec![StationEvent::State(Box::new(api.control.state()))];
    let Some(after) = after else {
        return (first, 0);
    };
    let kept = api.control.recent_frames();
    let newest = kept.last().map_or(0, |f| f.seq);
    if after > newest {
        // From another run of the process (or no frame yet): nothing to resume.
        return (first, 0);
    }
    first.extend(
        kept.into_iter()
            .filter(|f| f.seq > after)
            .map(|f| StationEvent::Ocpp(Box::new(f))),
    );
    (first, newest)
}

/// The handler.
pub async fn events(
    State(api): State<Arc<Api>>,
    uri: Uri,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribed before the kept frames are read: a frame logged in between is in one or the
    // other (or both, and then skipped live), never in neither.
    let rx = api.events.subscribe();
    let (first, replayed) = opening(&api, after(&uri));
    let first = futures_util::stream::iter(first.into_iter().map(|e| to_sse(&e)));
    let stop = api.stop_streams.clone();
    let live = stream::unfold((rx, api), move |(mut rx, api)| async move {
        loop {
            let event = match rx.recv().await {
                Ok(StationEvent::Ocpp(f)) if f.seq != 0 && f.seq <= replayed => continue,
                Ok(event) => event,
                // This subscriber fell behind and missed events: the lost frames are gone,
                // but the current state makes the page right again.
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "event stream subscriber lagged");
                    StationEvent::State(Box::new(api.control.state()))
                }
                Err(RecvError::Closed) => return None,
            };
            return Some((to_sse(&event), (rx, api)));
        }
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
    Sse::new(first.chain(live).take_until(stopped))
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_is_read_from_the_query() {
        let uri = |s: &str| s.parse::<Uri>().unwrap();
        assert_eq!(after(&uri("/api/v1/events?after=42")), Some(42));
        assert_eq!(after(&uri("/api/v1/events?x=1&after=7")), Some(7));
        assert_eq!(after(&uri("/api/v1/events")), None);
        assert_eq!(after(&uri("/api/v1/events?after=-1")), None);
    }
}
