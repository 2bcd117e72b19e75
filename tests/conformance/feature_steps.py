"""Steps the feature-profile scenarios (test_reservation.py, test_local_list.py, test_trigger.py)
share: expiry dates, the order of an answer and the CALL it triggers on the wire, waiting for
the station to be offline or back. Every wait is on a message, a frame or a state, bounded by a
timeout."""

from __future__ import annotations

import datetime as dt
import json

from core_steps import status

# A CSMS and a station that send nothing of their own for a long while (no heartbeat, no
# periodic meter values), so that the frames a scenario looks at are the ones it caused.
QUIET = {"Core": {"MeterValueSampleInterval": 0, "ClockAlignedDataInterval": 0}}


def expiry_in(seconds: float) -> str:
    """An expiryDate `seconds` from now (UTC, RFC 3339 with milliseconds)."""
    at = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def reserved(csms, connector: int, after: int) -> int:
    """Waits for the StatusNotification Reserved of `connector`; returns its message index."""
    return csms.wait_index("StatusNotification", status(connector, "Reserved"), after=after)


def answer_then_call(csms, request, action: str, after_frame: int) -> tuple[int, int, list]:
    """After `csms.call(request)` (sent at frame index >= after_frame): the frame index of the
    station's answer, the frame index of the first CALL `action` the station sent after the
    request, and that CALL."""
    request_name = type(request).__name__
    _, sent = csms.call_frame(request_name, after=after_frame, direction="out")
    i_answer, _ = csms.answer_to(sent[1], after=after_frame)
    i_call, frame = csms.call_frame(action, after=after_frame)
    return i_answer, i_call, frame


def calls_since(csms, after_frame: int) -> list[str]:
    """The actions of the CALLs the station sent from frame index `after_frame` on."""
    out = []
    for direction, text in list(csms.frames[after_frame:]):
        if direction != "in":
            continue
        try:
            parsed = json.loads(text)
        except ValueError:
            continue
        if isinstance(parsed, list) and len(parsed) == 4 and parsed[0] == 2:
            out.append(parsed[2])
    return out


def wait_offline(station) -> None:
    """Until the station knows it lost the CSMS."""
    station.wait_state(lambda s: not s["ocpp"]["connected"])


def wait_online(station) -> None:
    """Until the station is connected and registered again."""
    station.wait_state(lambda s: s["ocpp"]["connected"] and s["ocpp"]["registration"] == "Accepted")
