"""Smart Charging (OCPP 1.6 §3.13, §5.5, §5.7, §5.16) against the station binary: profiles
composed into GetCompositeSchedule, SetChargingProfile and ClearChargingProfile answers, a
recurring profile, the limit applied to the simulated EVSE and car (seen in MeterValues), and
profiles kept across a restart. Exact messages and fields; every wait is on a message or a
state, bounded by a timeout.

Where OCPP 1.6 leaves room the station does what libocpp does: the composite of a connector is
its TxProfile where one is in force, else its TxDefaultProfile (§3.13.2: a TxProfile overrules
the TxDefaultProfile), the lower of that and the ChargePointMaxProfile; a period without a
limit from any profile shows libocpp's default limit, CompositeScheduleDefaultLimitAmps (48 A);
scheduleStart is the request's time rounded down to the second."""

from __future__ import annotations

import datetime as dt
import time

from ocpp.v16 import call

from core_steps import booted, session
from smart_charging_steps import (NO_LIMIT_A, composite, import_currents, now_utc, periods,
                                  profile, schedule_start, value_of, watts, whole_second)


def test_smart_charging_composite_is_the_lowest_of_max_default_and_tx_profile(make_station, csms):
    station = make_station()
    booted(csms, station)
    _, tx_id = session(csms, station)
    # Every profile counts from t0, a whole second just past; the composite from its
    # scheduleStart (the request's second), so each boundary b shows at b - (start - t0).
    t0 = whole_second(now_utc()) - dt.timedelta(seconds=1)
    station_max = profile(1, "ChargePointMaxProfile", [(0, 20.0), (200, 8.0)], start=t0)
    tx_default = profile(2, "TxDefaultProfile", [(0, 16.0), (100, 14.0)], start=t0)
    tx = profile(3, "TxProfile", [(0, 12.0), (50, 24.0)], start=t0, duration=150,
                 transaction_id=tx_id)
    for connector, p in ((0, station_max), (1, tx_default), (1, tx)):
        answer = csms.call(call.SetChargingProfile(connector_id=connector, cs_charging_profiles=p))
        assert answer == {"status": "Accepted"}, p

    answer = composite(csms, 1, 300)
    start = schedule_start(answer)
    d = int((start - t0).total_seconds())
    assert 0 < d < 10, answer
    assert answer == {
        "status": "Accepted",
        "connectorId": 1,
        "scheduleStart": answer["scheduleStart"],
        "chargingSchedule": {
            "duration": 300,
            "startSchedule": answer["chargingSchedule"]["startSchedule"],
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": periods(
                (0, 12.0),          # TxProfile 12 A (under the station's 20 A)
                (50 - d, 20.0),     # TxProfile 24 A, cut to the station's 20 A
                (150 - d, 14.0),    # TxProfile over: the TxDefaultProfile's 14 A
                (200 - d, 8.0),     # the station's 8 A under the TxDefaultProfile's 14 A
            ),
        },
    }
    # In W: the same periods, A × 230 V (SupplyVoltage) × 3 phases (no period gives fewer).
    answer = composite(csms, 1, 300, "W")
    d = int((schedule_start(answer) - t0).total_seconds())
    assert answer["chargingSchedule"]["chargingRateUnit"] == "W"
    assert answer["chargingSchedule"]["chargingSchedulePeriod"] == periods(
        (0, 12.0 * 690), (50 - d, 20.0 * 690), (150 - d, 14.0 * 690), (200 - d, 8.0 * 690))
    # The EVSE is held to the limit in force now.
    station.wait_state(lambda s: s["connectors"][0]["limit_a"] == 12)


def test_smart_charging_tx_profile_without_transaction_is_rejected(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_central_charging_no_transaction."""
    station = make_station()
    booted(csms, station)
    t0 = whole_second(now_utc())
    for tx in (None, 1):
        # With no transaction on the connector, with and without a transactionId.
        p = profile(5, "TxProfile", [(0, 10.0)], start=t0, transaction_id=tx)
        answer = csms.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=p))
        assert answer == {"status": "Rejected"}, p
    # Nothing was installed: no limit on the connector, no TxProfile to clear.
    answer = composite(csms, 1, 60)
    assert answer["chargingSchedule"]["chargingSchedulePeriod"] == periods((0, NO_LIMIT_A))
    assert csms.call(call.ClearChargingProfile(id=5)) == {"status": "Unknown"}
    assert csms.call(call.ClearChargingProfile(
        connector_id=1, charging_profile_purpose="TxProfile")) == {"status": "Unknown"}
    assert station.state()["connectors"][0]["limit_source"] in ("evse", "car")


def test_smart_charging_clear_lifts_every_limit_and_a_second_clear_is_unknown(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_clear_charging_profile."""
    station = make_station()
    booted(csms, station)
    t0 = whole_second(now_utc())
    for connector, p in ((0, profile(1, "ChargePointMaxProfile", [(0, 20.0)], start=t0)),
                         (1, profile(2, "TxDefaultProfile", [(0, 10.0)], start=t0))):
        answer = csms.call(call.SetChargingProfile(connector_id=connector, cs_charging_profiles=p))
        assert answer == {"status": "Accepted"}
    answer = composite(csms, 1, 60)
    assert answer["chargingSchedule"]["chargingSchedulePeriod"] == periods((0, 10.0))
    station.wait_state(lambda s: s["connectors"][0]["limit_a"] == 10)

    # One by id, then every one that is left (no criteria).
    assert csms.call(call.ClearChargingProfile(id=2)) == {"status": "Accepted"}
    answer = composite(csms, 1, 60)
    assert answer["chargingSchedule"]["chargingSchedulePeriod"] == periods((0, 20.0))
    assert csms.call(call.ClearChargingProfile()) == {"status": "Accepted"}

    answer = composite(csms, 1, 60)
    assert answer == {
        "status": "Accepted",
        "connectorId": 1,
        "scheduleStart": answer["scheduleStart"],
        "chargingSchedule": {
            "duration": 60,
            "startSchedule": answer["scheduleStart"],
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": periods((0, NO_LIMIT_A)),
        },
    }
    schedule_start(answer)
    station.wait_state(lambda s: s["connectors"][0]["limit_source"] in ("evse", "car"))
    # A second clear finds nothing: Unknown for each criterion. A clear without any is
    # Accepted whatever it removed, as libocpp's handleClearChargingProfileRequest.
    assert csms.call(call.ClearChargingProfile(id=2)) == {"status": "Unknown"}
    assert csms.call(call.ClearChargingProfile(id=1)) == {"status": "Unknown"}
    assert csms.call(call.ClearChargingProfile(
        charging_profile_purpose="ChargePointMaxProfile")) == {"status": "Unknown"}
    assert csms.call(call.ClearChargingProfile(connector_id=1)) == {"status": "Unknown"}
    assert csms.call(call.ClearChargingProfile()) == {"status": "Accepted"}


def test_smart_charging_daily_recurring_profile_shows_the_period_of_today(make_station, csms):
    station = make_station()
    booted(csms, station)
    # Started yesterday an hour before now: today's cycle began an hour ago, in its
    # 11 A period (from 30 min), and turns to 16 A in an hour (at 2 h).
    t0 = whole_second(now_utc()) - dt.timedelta(days=1, hours=1)
    p = profile(4, "TxDefaultProfile", [(0, 6.0), (1800, 11.0), (7200, 16.0)],
                kind="Recurring", recurrency="Daily", start=t0)
    answer = csms.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=p))
    assert answer == {"status": "Accepted"}

    answer = composite(csms, 1, 86400)
    start = schedule_start(answer)
    d = int((start - t0).total_seconds()) - 86400 - 3600  # seconds since the install's second
    assert 0 <= d < 10, answer
    assert answer["chargingSchedule"]["chargingSchedulePeriod"] == periods(
        (0, 11.0),                     # today's cycle, 1 h in
        (3600 - d, 16.0),              # at 2 h
        (86400 - 3600 - d, 6.0),       # tomorrow's cycle starts
        (86400 - 1800 - d, 11.0),      # and its 30 min period
    )
    assert answer["chargingSchedule"]["duration"] == 86400
    station.wait_state(lambda s: s["connectors"][0]["limit_a"] == 11)


PUBLISH_S = 2
SAMPLED = "Energy.Active.Import.Register,Current.Offered,Current.Import,Power.Active.Import"


def publish_every(seconds: int):
    """A yaml_edit: the OCPP module's PublishChargingScheduleIntervalS."""
    def edit(yaml: str) -> str:
        key = "      ChargePointConfigPath: "
        assert yaml.count(key) == 1
        return yaml.replace(key, f"      PublishChargingScheduleIntervalS: {seconds}\n{key}")
    return edit


def full_draw(mv: dict) -> bool:
    """The car draws its 16 A on 3 phases from the EVSE's 32 A."""
    return (value_of(mv, "Current.Offered") == 32 and import_currents(mv) == [16.0] * 3
            and watts(mv) == 16 * 230 * 3)


def test_smart_charging_limit_in_a_session_lowers_the_car_until_cleared(make_station, csms):
    station = make_station(
        yaml_edit=publish_every(PUBLISH_S),
        ocpp_overrides={"Core": {"MeterValuesSampledData": SAMPLED, "MeterValueSampleInterval": 1}})
    booted(csms, station)
    _, tx_id = session(csms, station)

    def of_tx(p: dict) -> bool:
        return p.get("transactionId") == tx_id

    csms.wait_for("MeterValues", lambda p: of_tx(p) and full_draw(p))
    assert station.state()["connectors"][0]["limit_source"] in ("evse", "car")

    limit = 8.0
    p = profile(7, "TxProfile", [(0, limit)], kind="Relative", stack_level=1,
                transaction_id=tx_id)
    n = csms.index()
    answer = csms.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=p))
    assert answer == {"status": "Accepted"}
    accepted = time.monotonic()
    # The EVSE offers the limit and the car draws no more within one publication interval.
    station.wait_state(lambda s: s["connectors"][0]["limit_a"] == limit
                       and 0 < s["connectors"][0]["power_w"] <= limit * 230 * 3,
                       timeout=PUBLISH_S)
    # MeterValues show it within that interval and one sample interval: the EVSE offers the
    # limit and the car draws it (the regulated car takes all it is offered, up to its 16 A) on
    # every phase. A sample taken between the new PWM and the car's next step may still show
    # the old current (IEC 61851-1 gives a car seconds to follow); every later one is limited.
    def limited(p: dict) -> bool:
        return (of_tx(p) and value_of(p, "Current.Offered") == limit
                and import_currents(p) == [limit] * 3)
    first = csms.wait_for("MeterValues", limited, after=n)
    assert csms.times[csms.index_of(first)] - accepted < PUBLISH_S + 1
    samples = csms.wait_count("MeterValues", 3, of_tx, after=csms.index_of(first))
    for mv in samples:
        assert value_of(mv, "Current.Offered") == limit, mv
        assert import_currents(mv) == [limit] * 3, mv
        assert watts(mv) == limit * 230 * 3, mv

    m = csms.index()
    assert csms.call(call.ClearChargingProfile(id=7)) == {"status": "Accepted"}
    cleared = time.monotonic()
    station.wait_state(lambda s: s["connectors"][0]["limit_source"] in ("evse", "car")
                       and s["connectors"][0]["power_w"] == 16 * 230 * 3, timeout=PUBLISH_S)
    restored = csms.wait_for("MeterValues", lambda p: of_tx(p) and full_draw(p), after=m)
    assert csms.times[csms.index_of(restored)] - cleared < PUBLISH_S + 1


def test_smart_charging_profiles_survive_a_restart(make_station, csms):
    station = make_station()
    booted(csms, station)
    t0 = whole_second(now_utc()) - dt.timedelta(seconds=1)
    p = profile(9, "TxDefaultProfile", [(0, 10.0), (600, 13.0)], start=t0)
    answer = csms.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=p))
    assert answer == {"status": "Accepted"}
    station.wait_state(lambda s: s["connectors"][0]["limit_a"] == 10)

    # Power loss right after the answer: the profile was stored before it went out.
    station.kill()
    n = csms.index()
    station.restart()
    booted(csms, station, after=n)
    answer = composite(csms, 1, 900)
    d = int((schedule_start(answer) - t0).total_seconds())
    assert 0 < d < 30, answer
    assert answer["status"] == "Accepted" and answer["connectorId"] == 1
    assert answer["chargingSchedule"]["chargingSchedulePeriod"] == periods(
        (0, 10.0), (600 - d, 13.0))
    # The restored profile limits the EVSE again, and it is still there to clear.
    station.wait_state(lambda s: s["connectors"][0]["limit_a"] == 10)
    assert csms.call(call.ClearChargingProfile(id=9)) == {"status": "Accepted"}
