"""Steps the Core conformance scenarios (test_core_*.py) share: waiting for the boot, a session
from plug-in to Charging, reading meter values and timestamps. Every wait is on a message or a
state, bounded by a timeout."""

from __future__ import annotations

import datetime as dt
import math

TIMEOUT = 15

# Reconnect at once (1 s, no random part, no growth) after the CSMS went away, so a scenario
# that takes the CSMS offline does not wait for libocpp's default back-off (3 s + up to 10 s,
# doubled three times).
FAST_RECONNECT = {"RetryBackoffWaitMinimum": 1, "RetryBackoffRandomRange": 0,
                  "RetryBackoffRepeatTimes": 0}


def status(connector: int, value: str):
    return lambda p: p["connectorId"] == connector and p["status"] == value


def booted(csms, station, connectors=(1,), after: int = 0) -> int:
    """Waits for the boot's StatusNotifications (after message index `after`); returns the
    message index after them."""
    for c in (0, *connectors):
        csms.wait_for("StatusNotification", status(c, "Available"), after=after)
    station.wait_state(lambda s: s["ocpp"]["registration"] == "Accepted" and s["ocpp"]["connected"])
    return csms.index()


def charging(csms, connector: int, id_tag: str, after: int) -> tuple[dict, int]:
    """After an authorization: StartTransaction, Charging and a MeterValues of the transaction;
    returns the StartTransaction's payload and the transaction id."""
    start = csms.wait_for("StartTransaction", lambda p: p["connectorId"] == connector, after=after)
    assert start["idTag"] == id_tag
    assert isinstance(start["meterStart"], int) and start["meterStart"] >= 0
    tx_id = csms.tx_of(connector)
    csms.wait_for("StatusNotification", status(connector, "Charging"), after=after)
    mv = csms.wait_for("MeterValues", lambda p: p.get("transactionId") == tx_id, after=after)
    assert mv["connectorId"] == connector
    return start, tx_id


def session(csms, station, id_tag: str = "RFID1", connector: int = 1) -> tuple[dict, int]:
    """Plug-in, then the token for `connector`, until the transaction charges; returns the
    StartTransaction's payload and the transaction id."""
    n = csms.index()
    station.api("POST", f"/connectors/{connector}/plug-in")
    csms.wait_for("StatusNotification", status(connector, "Preparing"), after=n)
    station.api("POST", "/tokens", {"id_tag": id_tag, "connectors": [connector]})
    start, tx_id = charging(csms, connector, id_tag, n)
    station.wait_state(lambda s: s["connectors"][connector - 1]["transaction_id"] == tx_id)
    return start, tx_id


def unplug_and_wait(csms, station, tx_id: int, connector: int = 1) -> dict:
    """Unplugs the car; returns the StopTransaction once the connector is Available again."""
    m = csms.index()
    station.api("POST", f"/connectors/{connector}/unplug")
    stop = csms.wait_for("StopTransaction", lambda p: p["transactionId"] == tx_id, after=m)
    csms.wait_for("StatusNotification", status(connector, "Available"), after=m)
    return stop


def statuses(csms, connector: int, after: int = 0, before: int | None = None) -> list[str]:
    """The statuses StatusNotification reported for `connector`, in order."""
    return [p["status"] for a, p in csms.messages[after:before]
            if a == "StatusNotification" and p["connectorId"] == connector]


def timestamp(text: str) -> dt.datetime:
    """An OCPP timestamp (RFC 3339) as an aware datetime."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def sampled(meter_values: dict, measurand: str = "Energy.Active.Import.Register") -> dict:
    """The sampled value of `measurand` (no phase) in a MeterValues payload's first meterValue."""
    values = meter_values["meterValue"][0]["sampledValue"]
    found = [v for v in values
             if v.get("measurand", "Energy.Active.Import.Register") == measurand
             and "phase" not in v]
    assert len(found) == 1, values
    return found[0]


def energy_wh(meter_values: dict) -> float:
    """The energy register of a MeterValues payload, in Wh."""
    value = sampled(meter_values)
    wh = float(value["value"])
    return wh * 1000 if value.get("unit") == "kWh" else wh


def round_half_up(x: float) -> int:
    """Rust's f64::round for the non-negative values of a meter."""
    return math.floor(x + 0.5)


def context(meter_values: dict) -> str:
    """The reading context of a MeterValues payload's first sampled value."""
    return meter_values["meterValue"][0]["sampledValue"][0].get("context", "Sample.Periodic")
