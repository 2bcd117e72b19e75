"""The energy tree of config-sil-ocpp.yaml (two EVSEs under the grid connection point) shares the
station's limits among the EVSEs that charge, as everest-core's EnergyManager does: a
ChargePointMaxProfile (connector 0) lands on the grid connection point's node and is split
between both EVSEs, an EVSE that stops leaves its share to the other, and the grid connection's
fuse_limit_A caps the sum with no profile at all. Checked on the MeterValues the CSMS receives
(Current.Offered and Current.Import every second). Every wait is on a message or a state,
bounded by a timeout."""

from __future__ import annotations

import datetime as dt

from ocpp.v16 import call

from core_steps import booted, session, unplug_and_wait
from smart_charging_steps import import_currents, now_utc, profile, value_of, whole_second

SAMPLED = "Energy.Active.Import.Register,Current.Offered,Current.Import,Power.Active.Import"
OCPP = {"Core": {"NumberOfConnectors": 2, "MeterValuesSampledData": SAMPLED,
                 "MeterValueSampleInterval": 1}}
# The car of each EVSE draws 16 A on 3 phases (EvManager's default plug-in).
CAR_A = 16.0


def grid_fuse(amps: float):
    """A yaml_edit: the grid connection point's fuse_limit_A."""
    def edit(yaml: str) -> str:
        old = "      fuse_limit_A: 40.0\n"
        assert yaml.count(old) == 1
        return yaml.replace(old, f"      fuse_limit_A: {amps}\n")
    return edit


def two_sessions(make_station, csms, **kwargs):
    station = make_station("config-sil-ocpp.yaml", ocpp_overrides=OCPP, **kwargs)
    booted(csms, station, connectors=(1, 2))
    _, tx1 = session(csms, station, "RFID1", connector=1)
    _, tx2 = session(csms, station, "TAG2", connector=2)
    return station, tx1, tx2


def settled(csms, tx_id: int, offered: float, drawn: float, after: int) -> int:
    """Waits for a MeterValues of the transaction that offers `offered` and shows the car
    drawing `drawn` on every phase; returns its message index."""
    def ok(p: dict) -> bool:
        return (p.get("transactionId") == tx_id and value_of(p, "Current.Offered") == offered
                and import_currents(p) == [drawn] * 3)
    mv = csms.wait_for("MeterValues", ok, after=after)
    return csms.index_of(mv)


def meter_values_after(csms, after: int) -> list[tuple[int, dict]]:
    """(message index, payload) of every MeterValues after `after`."""
    return [(i, p) for i, (a, p) in enumerate(list(csms.messages)) if i >= after and a == "MeterValues"]


def assert_shared(csms, tx1: int, tx2: int, each: float, total: float, after: int) -> None:
    """Three more samples of each transaction offer `each`, and at every sample of one the
    latest sample of the other adds up to at most `total` A on every phase."""
    csms.wait_count("MeterValues", 3, lambda p: p.get("transactionId") == tx1, after=after)
    csms.wait_count("MeterValues", 3, lambda p: p.get("transactionId") == tx2, after=after)
    latest: dict[int, list[float]] = {}
    sums = 0
    for _, p in meter_values_after(csms, after):
        tx = p.get("transactionId")
        if tx not in (tx1, tx2):
            continue
        assert value_of(p, "Current.Offered") == each, p
        latest[tx] = import_currents(p)
        if len(latest) == 2:
            for a, b in zip(latest[tx1], latest[tx2]):
                assert a + b <= total + 1e-6, (latest, p)
            sums += 1
    assert sums >= 3


def test_station_limit_is_shared_and_passed_on_when_an_evse_stops(make_station, csms):
    station, tx1, tx2 = two_sessions(make_station, csms)
    # The grid connection's 40 A fuse, shared: 20 A each, of which each car takes its 16 A.
    n = csms.index()
    settled(csms, tx1, 20.0, CAR_A, after=n)
    settled(csms, tx2, 20.0, CAR_A, after=n)

    limit = 20.0
    p = profile(1, "ChargePointMaxProfile", [(0, limit)],
                start=whole_second(now_utc()) - dt.timedelta(seconds=1))
    n = csms.index()
    answer = csms.call(call.SetChargingProfile(connector_id=0, cs_charging_profiles=p))
    assert answer == {"status": "Accepted"}
    state = station.wait_state(lambda s: [c["limit_a"] for c in s["connectors"]] == [10, 10])
    assert [c["transaction_id"] for c in state["connectors"]] == [tx1, tx2]
    # The state says why: the station's profile, shared by the two.
    assert [c["limit_source"] for c in state["connectors"]] == ["ocpp_profile"] * 2
    # Each EVSE offers half of the station's 20 A and its car draws no more.
    m = max(settled(csms, tx1, 10.0, 10.0, after=n), settled(csms, tx2, 10.0, 10.0, after=n))
    assert_shared(csms, tx1, tx2, each=10.0, total=limit, after=m + 1)

    # EVSE 2's car leaves: EVSE 1 gets the station's whole 20 A and its car its 16 A again.
    n = csms.index()
    unplug_and_wait(csms, station, tx2, connector=2)
    settled(csms, tx1, 20.0, CAR_A, after=n)
    state = station.wait_state(lambda s: s["connectors"][0]["limit_a"] == 20)
    assert state["connectors"][0]["transaction_id"] == tx1


def test_grid_fuse_caps_the_sum_without_a_profile(make_station, csms):
    fuse = 24.0
    station, tx1, tx2 = two_sessions(make_station, csms, yaml_edit=grid_fuse(fuse))
    n = csms.index()
    m = max(settled(csms, tx1, fuse / 2, fuse / 2, after=n),
            settled(csms, tx2, fuse / 2, fuse / 2, after=n))
    state = station.wait_state(lambda s: [c["limit_a"] for c in s["connectors"]] == [12, 12])
    assert [c["transaction_id"] for c in state["connectors"]] == [tx1, tx2]
    assert [c["limit_source"] for c in state["connectors"]] == ["fuse"] * 2
    assert_shared(csms, tx1, tx2, each=fuse / 2, total=fuse, after=m + 1)
