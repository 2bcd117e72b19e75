//! `GET /api/v1/charge-points/{id}/log.html[?action=A]`: a charge point's message log as a
//! download, in the format of the station's html message log (`station::message_log`, the
//! `html` of Internal.LogMessagesFormat): one self-contained polyglot XHTML page (inline CSS,
//! no scripts), a table row per frame with time, direction, type (with the CALLERROR code),
//! action, message id and the JSON pretty-printed as it went over the wire. A log from the
//! station and one from the CSMS read the same and diff line by line.

use axum::extract::{Path, State};
use axum::http::{header, Uri};
use axum::response::{IntoResponse, Response};

use super::charge_points::{action_filter, view};
use super::json_text::respace;
use super::{answer, ApiError, ApiState};
use crate::frames::{Direction, Frame, MessageType};

/// The station's html log style, unchanged.
const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1d1d1f; }
h1 { font-size: 1.3em; margin: 0 0 0.2em 0; }
p.started { margin: 0 0 1em 0; color: #555; }
table.log { border-collapse: collapse; width: 100%; }
table.log th, table.log td { border: 1px solid #d0d0d0; padding: 6px 8px; vertical-align: top; text-align: left; }
table.log th { background: #2f6f4f; color: white; position: sticky; top: 0; }
tr.ChargePoint { background: #f6f3e6; }
tr.CentralSystem { background: #e8ebf6; }
tr.CALLERROR td.type { color: #a00; font-weight: bold; }
td.action { font-weight: bold; }
td.time { font-family: ui-monospace, monospace; white-space: nowrap; }
td.id { font-family: ui-monospace, monospace; font-size: 0.85em; word-break: break-all; width: 9em; }
td.message { width: 55%; }
pre { margin: 0; font-family: ui-monospace, monospace; font-size: 0.9em; white-space: pre-wrap; }
";

/// The page of `frames` of charge point `id`, made at `now`.
pub(crate) fn page<'a>(id: &str, now: &str, frames: impl Iterator<Item = &'a Frame>) -> String {
    let id = escape(id);
    let now = escape(now);
    let mut page = format!(
        "<!DOCTYPE html>\n\
         <html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n\
         <head>\n<meta charset=\"utf-8\"/>\n\
         <title>OCPP message log {id} {now}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>OCPP message log</h1>\n\
         <p class=\"started\">Charge point {id}, as the dev CSMS saw it; downloaded {now}</p>\n\
         <table class=\"log\">\n\
         <thead><tr><th>Time</th><th>Direction</th><th>Type</th><th>Action</th>\
         <th>Message id</th><th>Message</th></tr></thead>\n<tbody>\n"
    );
    for frame in frames {
        page.push_str(&row(frame));
    }
    page.push_str("</tbody>\n</table>\n</body>\n</html>\n");
    page
}

fn row(frame: &Frame) -> String {
    let (origin, target) = match frame.direction {
        Direction::Received => ("ChargePoint", "CentralSystem"),
        Direction::Sent => ("CentralSystem", "ChargePoint"),
    };
    let kind = match (frame.message_type, &frame.error_code) {
        (MessageType::CallError, Some(code)) => format!("CALLERROR {}", escape(code)),
        (kind, _) => kind.name().to_owned(),
    };
    let pretty = match frame.message_type {
        MessageType::Invalid => frame.text.clone(),
        _ => respace(&frame.text, Some(2)),
    };
    format!(
        "<tr class=\"{origin} {kind_class}\">\
         <td class=\"time\">{time}</td>\
         <td class=\"direction\">{origin} → {target}</td>\
         <td class=\"type\">{kind}</td>\
         <td class=\"action\">{action}</td>\
         <td class=\"id\">{id}</td>\
         <td class=\"message\"><pre>{json}</pre></td></tr>\n",
        kind_class = frame.message_type.name(),
        time = escape(&frame.time.to_string()),
        action = escape(frame.action.as_deref().unwrap_or("")),
        id = escape(frame.message_id.as_deref().unwrap_or("")),
        json = escape(&pretty),
    )
}

/// Escapes text for an element's content (as the station's log does: quotes stay, control
/// characters other than tab and newline become U+FFFD, which XML cannot carry).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// The file name offered: `<id>-<time>.html` with anything but letters, digits, `-`, `_` and
/// `.` made `_`, so no header or path trickery can come from a ChargePointId.
fn file_name(id: &str, now: &str) -> String {
    format!("{id}-{now}.html")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The handler.
pub(crate) async fn download(State(api): ApiState, Path(id): Path<String>, uri: Uri) -> Response {
    let run = || -> Result<Response, ApiError> {
        view(&api, &id)?;
        let action = action_filter(&uri)?;
        let now = ocpp_types::DateTime::from_utc(chrono::Utc::now()).to_string();
        let log = api.shared.lock_frames();
        let frames = log
            .frames(&id)
            .filter(|f| action.is_none() || f.action == action);
        let page = page(&id, &now, frames);
        let disposition = format!("attachment; filename=\"{}\"", file_name(&id, &now));
        Ok((
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            page,
        )
            .into_response())
    };
    answer(run())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::FrameLog;

    #[test]
    fn rows_read_like_the_stations_log() {
        let mut log = FrameLog::default();
        let at = ocpp_types::DateTime::from_unix_millis(1_795_000_000_000)
            .unwrap_or_else(|| panic!("time"));
        log.record(
            "cp<1>",
            Direction::Sent,
            at,
            r#"[2,"7","Reset",{"type":"Soft"}]"#,
        );
        log.record(
            "cp<1>",
            Direction::Received,
            at,
            r#"[4,"7","NotSupported","no <reset>",{}]"#,
        );
        let page = page("cp<1>", "now", log.frames("cp<1>"));
        assert!(page.contains("<title>OCPP message log cp&lt;1&gt; now</title>"));
        assert!(page.contains(
            "<tr class=\"CentralSystem CALL\"><td class=\"time\">2026-11-18T11:06:40.000Z</td>\
             <td class=\"direction\">CentralSystem → ChargePoint</td><td class=\"type\">CALL</td>\
             <td class=\"action\">Reset</td><td class=\"id\">7</td><td class=\"message\"><pre>[\n  2,\n  \"7\",\n  \"Reset\",\n  {\n    \"type\": \"Soft\"\n  }\n]</pre></td></tr>"
        ), "{page}");
        assert!(page.contains(
            "<td class=\"type\">CALLERROR NotSupported</td><td class=\"action\">Reset</td>"
        ));
        assert!(page.contains("\"no &lt;reset&gt;\""));
        assert!(page.ends_with("</tbody>\n</table>\n</body>\n</html>\n"));
    }

    #[test]
    fn file_names_are_plain() {
        assert_eq!(
            file_name("cp\"1/..", "2026-01-01T00:00:00.000Z"),
            "cp_1_..-2026-01-01T00_00_00.000Z.html"
        );
    }
}
