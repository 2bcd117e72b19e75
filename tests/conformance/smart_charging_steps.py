"""Steps of the Smart Charging scenarios (test_smart_charging.py): charging profiles as the
`ocpp` package's SetChargingProfile takes them, CSMS calls whose answer is read as it went over
the wire (so that a field the station sends but should not shows), meter values by measurand
and phase. Every wait is on a message or a state, bounded by a timeout."""

from __future__ import annotations

import datetime as dt

from core_steps import timestamp

# libocpp's composite schedule where no profile limits: CompositeScheduleDefaultLimitAmps
# (Internal, default 48 A; the engine's DEFAULT_LIMIT_AMPS).
NO_LIMIT_A = 48.0


def whole_second(t: dt.datetime) -> dt.datetime:
    return t.replace(microsecond=0)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def ocpp_time(t: dt.datetime) -> str:
    """A timestamp as OCPP carries it: RFC 3339, UTC, "Z"."""
    return t.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def profile(profile_id: int, purpose: str, periods: list[tuple[int, float]], *,
            stack_level: int = 0, kind: str = "Absolute", start: dt.datetime | None = None,
            duration: int | None = None, transaction_id: int | None = None,
            recurrency: str | None = None) -> dict:
    """A csChargingProfiles in amperes (the `ocpp` package's snake_case form) with the periods
    (startPeriod, limit)."""
    schedule: dict = {
        "charging_rate_unit": "A",
        "charging_schedule_period": [{"start_period": s, "limit": limit} for s, limit in periods],
    }
    if start is not None:
        schedule["start_schedule"] = ocpp_time(start)
    if duration is not None:
        schedule["duration"] = duration
    out: dict = {
        "charging_profile_id": profile_id, "stack_level": stack_level,
        "charging_profile_purpose": purpose, "charging_profile_kind": kind,
        "charging_schedule": schedule,
    }
    if transaction_id is not None:
        out["transaction_id"] = transaction_id
    if recurrency is not None:
        out["recurrency_kind"] = recurrency
    return out


def call_wire(csms, request, timeout: float = 15) -> dict:
    """Sends a `call.*` request (the `ocpp` package checks both ways against the OCPP 1.6
    schemas) and returns the station's CALLRESULT payload exactly as it went over the wire."""
    n = csms.frame_count()
    csms.call(request, timeout)
    action = type(request).__name__
    _, sent = csms.call_frame(action, after=n, direction="out")
    _, answer = csms.answer_to(sent[1], after=n)
    assert answer[0] == 3, answer
    return answer[2]


def composite(csms, connector: int, duration: int, unit: str | None = "A") -> dict:
    """GetCompositeSchedule as the station answers it on the wire."""
    from ocpp.v16 import call

    return call_wire(csms, call.GetCompositeSchedule(connector_id=connector, duration=duration,
                                                     charging_rate_unit=unit))


def schedule_start(answer: dict) -> dt.datetime:
    """The scheduleStart of an Accepted GetCompositeSchedule, which must be a whole second and
    equal the schedule's startSchedule."""
    start = timestamp(answer["scheduleStart"])
    assert start.microsecond == 0, answer
    assert timestamp(answer["chargingSchedule"]["startSchedule"]) == start, answer
    return start


def periods(*pairs: tuple[int, float]) -> list[dict]:
    """chargingSchedulePeriod as the station sends it (no numberPhases where no profile says)."""
    return [{"startPeriod": s, "limit": limit} for s, limit in pairs]


def measured(meter_values: dict, measurand: str) -> list[dict]:
    """The sampled values of `measurand` in a MeterValues payload (every meterValue)."""
    return [v for mv in meter_values["meterValue"] for v in mv["sampledValue"]
            if v.get("measurand", "Energy.Active.Import.Register") == measurand]


def value_of(meter_values: dict, measurand: str, phase: str | None = None) -> float:
    """The one value of `measurand` (of `phase`, or without one) in a MeterValues payload."""
    found = [v for v in measured(meter_values, measurand) if v.get("phase") == phase]
    assert len(found) == 1, (measurand, phase, meter_values)
    return float(found[0]["value"])


def watts(meter_values: dict) -> float:
    """Power.Active.Import of a MeterValues payload in W."""
    found = [v for v in measured(meter_values, "Power.Active.Import") if "phase" not in v]
    assert len(found) == 1, meter_values
    value = float(found[0]["value"])
    return value * 1000 if found[0].get("unit") == "kW" else value


def import_currents(meter_values: dict) -> list[float]:
    """Current.Import of every phase the payload reports (L1, L2, L3 or none), in A."""
    values = measured(meter_values, "Current.Import")
    assert values, meter_values
    for v in values:
        assert v.get("unit", "A") == "A", v
    return [float(v["value"]) for v in values]
