"""The dev CSMS of `ferrocharge sil` driven end to end through its HTTP API (docs/csms-api.md),
as its web UI or a script drives it: the two web UIs link each other, a SetChargingProfile changes the limit the station
offers, a RemoteStartTransaction starts a session whose meter values the CSMS keeps (and keeps
across a restart), the tags decide what the station's Authorize gets, and the registration
answer set for the charge point is what its BootNotification gets. Every wait is on the
station's or the CSMS's state, with a timeout."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dev_csms import Sil

POWER = {"Core": {"MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import"}}


@pytest.fixture
def make_sil(ferrocharge_bin, tmp_path):
    made: list[Sil] = []

    def make(**kwargs) -> Sil:
        dir = tmp_path / f"sil{len(made)}"
        dir.mkdir()
        sil = Sil(ferrocharge_bin, dir, **kwargs)
        made.append(sil)
        sil.wait_booted()
        return sil

    yield make
    for sil in made:
        sil.stop()


def profile(limit: float, profile_id: int = 1) -> dict:
    start = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"connectorId": 1, "csChargingProfiles": {
        "chargingProfileId": profile_id, "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
        "chargingSchedule": {"chargingRateUnit": "A", "startSchedule": start,
                             "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}}}


def connector(state: dict, n: int = 1) -> dict:
    return state["connectors"][n - 1]


def test_sil_links_the_station_ui_and_the_csms_ui_to_each_other(make_sil):
    sil = make_sil()
    assert sil.state()["ocpp"]["csms_web_ui"] == f"http://{sil.csms_http}/"
    assert sil.csms("GET", "/charge-points/cp001")["station_ui"] == f"http://{sil.addr}/"


def test_set_charging_profile_from_the_csms_api_limits_the_station(make_sil):
    sil = make_sil()
    before = connector(sil.state())["limit_a"]
    assert before is not None and before > 10

    assert sil.call("SetChargingProfile", profile(10)) == {
        "result": "answered", "payload": {"status": "Accepted"}}
    state = sil.wait_state(lambda s: connector(s)["limit_a"] == 10)
    assert connector(state)["limit_source"] == "ocpp_profile"

    composite = sil.call("GetCompositeSchedule", {"connectorId": 1, "duration": 600})
    assert composite["result"] == "answered"
    schedule = composite["payload"]["chargingSchedule"]
    assert composite["payload"]["status"] == "Accepted"
    assert (schedule["chargingRateUnit"], schedule["chargingSchedulePeriod"]) == (
        "A", [{"startPeriod": 0, "limit": 10.0}])

    assert sil.call("ClearChargingProfile", {"id": 1}) == {
        "result": "answered", "payload": {"status": "Accepted"}}
    sil.wait_state(lambda s: connector(s)["limit_a"] == before)

    # Each call is in the CSMS's message log, the answer tagged with its CALL's action, with
    # the message id the station logged too.
    frames = sil.csms("GET", "/charge-points/cp001/frames?action=SetChargingProfile")
    assert [(f["direction"], f["message_type"]) for f in frames] == [
        ("sent", "CALL"), ("received", "CALLRESULT")]
    station_ids = {json.loads(f["frame"])[1] for f in sil.api("GET", "/frames")["frames"]
                   if f.get("action") == "SetChargingProfile"}
    assert frames[0]["message_id"] in station_ids


def test_remote_start_from_the_csms_api_starts_a_session_kept_with_its_meter_values(make_sil):
    sil = make_sil(ocpp_overrides=POWER)
    sil.api("POST", "/connectors/1/plug-in")
    assert sil.call("RemoteStartTransaction", {"connectorId": 1, "idTag": "DEADBEEF"}) == {
        "result": "answered", "payload": {"status": "Accepted"}}
    state = sil.wait_state(lambda s: connector(s)["transaction_id"] is not None
                           and connector(s)["power_w"] > 0)
    tx_id = connector(state)["transaction_id"]

    running = sil.wait_csms(lambda ts: len(ts) == 1, "/transactions?active=true")
    assert {k: running[0][k] for k in ("id", "charge_point_id", "connector_id", "id_tag",
                                       "id_tag_status", "meter_stop", "stop_reason")} == {
        "id": tx_id, "charge_point_id": "cp001", "connector_id": 1, "id_tag": "DEADBEEF",
        "id_tag_status": "Accepted", "meter_stop": None, "stop_reason": None}

    def sampled(t):
        measurands = {s.get("measurand") for mv in t["meter_values"] for s in mv["sampledValue"]}
        return {"Energy.Active.Import.Register", "Power.Active.Import"} <= measurands \
            and t["meter_value_count"] >= 2

    sil.wait_csms(sampled, f"/transactions/{tx_id}")
    charge_point = sil.csms("GET", "/charge-points/cp001")
    assert charge_point["active_transactions"] == [tx_id]
    assert [c["status"] for c in charge_point["connectors"] if c["id"] == 1] == ["Charging"]

    assert sil.call("RemoteStopTransaction", {"transactionId": tx_id}) == {
        "result": "answered", "payload": {"status": "Accepted"}}
    stopped = sil.wait_csms(lambda t: t["meter_stop"] is not None, f"/transactions/{tx_id}")
    assert stopped["stop_reason"] == "Remote"
    assert stopped["energy_wh"] == stopped["meter_stop"] - stopped["meter_start"]
    assert stopped["energy_wh"] > 0

    # The CSMS keeps it across a restart of `sil` (its database is under the data dir).
    assert sil.graceful_stop() == 0
    sil.restart()
    sil.wait_booted()
    kept = sil.csms("GET", f"/transactions/{tx_id}")
    assert {k: kept[k] for k in ("meter_start", "meter_stop", "stop_reason", "meter_value_count")} \
        == {k: stopped[k] for k in ("meter_start", "meter_stop", "stop_reason", "meter_value_count")}


def test_tags_set_in_the_csms_api_answer_the_stations_authorize(make_sil):
    sil = make_sil()
    blocked = sil.csms("PUT", "/tags/DEADBEEF", {"status": "Blocked"})
    assert blocked["effective_status"] == "Blocked"
    sil.api("POST", "/connectors/1/plug-in")
    sil.api("POST", "/tokens", {"id_tag": "DEADBEEF", "connectors": [1]})
    state = sil.wait_state(lambda s: (connector(s)["authorization"] or {}).get("result") == "Blocked")
    assert connector(state)["transaction_id"] is None

    created = sil.csms("POST", "/tags", {"id_tag": "NEWCARD", "parent_id_tag": "FLEET"}, expect=201)
    assert created["status"] == "Accepted"
    sil.api("POST", "/tokens", {"id_tag": "NEWCARD", "connectors": [1]})
    # A positive id: the CSMS's, once StartTransaction is answered (a negative one is the
    # station's placeholder until then).
    state = sil.wait_state(lambda s: (connector(s)["transaction_id"] or 0) > 0)
    tx = sil.wait_csms(lambda ts: len(ts) == 1, "/transactions?active=true")[0]
    assert (tx["id"], tx["id_tag"], tx["id_tag_status"]) == (
        connector(state)["transaction_id"], "NEWCARD", "Accepted")


def test_the_registration_answer_set_in_the_csms_api_is_what_the_station_gets(make_sil):
    sil = make_sil()
    set_ = sil.csms("PUT", "/charge-points/cp001/registration", {"status": "Pending", "interval": 2})
    assert set_["registration_answer"] == {"status": "Pending", "interval": 2}
    assert sil.call("TriggerMessage", {"requestedMessage": "BootNotification"}) == {
        "result": "answered", "payload": {"status": "Accepted"}}
    sil.wait_state(lambda s: s["ocpp"]["registration"] == "Pending")
    sil.wait_csms(lambda cp: cp["registration"] == "Pending", "/charge-points/cp001")

    # Back to the default: the station's next BootNotification (after the 2 s) is Accepted.
    assert sil.csms("DELETE", "/charge-points/cp001/registration")["registration_answer"] is None
    sil.wait_state(lambda s: s["ocpp"]["registration"] == "Accepted")
    assert sil.csms("GET", "/charge-points/cp001")["registration"] == "Accepted"


def test_sil_prices_sessions_out_of_the_box(make_sil):
    """California Pricing with nothing else installed: the dev CSMS of `sil` prices each session
    from the tag's tariff (SetUserPrice after the Authorize, RunningCost after each MeterValues,
    FinalCost after StopTransaction with a receipt link), the station shows price and cost; the
    CSMS API turns it off, and `sil --no-pricing` starts without it."""
    # The shipped config's wait for SetUserPrice (the generated one has none).
    sil = make_sil(ocpp_overrides={"CostAndPrice": {"WaitForSetUserPriceTimeout": 3000}})
    pricing = sil.csms("GET", "/pricing")
    assert pricing["enabled"] is True
    assert pricing["tags"]["DEADBEEF"] == {"currency": "USD", "kwh_price": 0.3, "hour_price": 0.0,
                                           "flat_fee": 0.5}
    sil.api("POST", "/connectors/1/plug-in")
    sil.api("POST", "/tokens", {"id_tag": "DEADBEEF", "connectors": [1]})
    state = sil.wait_state(lambda s: (connector(s)["pricing"] or {}).get("source") == "user")
    price = connector(state)["pricing"]
    assert price["text"] == "0.30 USD/kWh + 0.50 USD per session"
    assert price["texts"][1] == {"content": "0,30 USD/kWh + 0,50 USD pro Ladevorgang",
                                 "format": "UTF8", "language": "de"}
    state = sil.wait_state(lambda s: connector(s)["transaction_id"] is not None
                           and connector(s)["pricing"]["cost"] is not None)
    tx_id = connector(state)["transaction_id"]
    price = connector(state)["pricing"]
    assert price["status"] == "Running" and price["cost"] >= 0.5, price
    assert price["cost_texts"][0]["content"].endswith(" h") and " USD so far: " in \
        price["cost_texts"][0]["content"]
    sil.api("POST", "/connectors/1/unplug")
    state = sil.wait_state(lambda s: connector(s)["pricing"]["final"])
    price = connector(state)["pricing"]
    assert price["qr_code"] == f"http://{sil.csms_http}/api/v1/transactions/{tx_id}"
    assert price["cost_texts"][0]["content"].startswith("Total ")
    calls = [c for c in sil.csms("GET", "/charge-points/cp001/calls") if c["action"] == "DataTransfer"]
    messages = [c["payload"]["messageId"] for c in calls]
    assert messages[0] == "SetUserPrice" and messages[-1] == "FinalCost"
    assert "RunningCost" in messages
    assert all(c["outcome"] == {"result": "answered", "payload": {"status": "Accepted"}}
               for c in calls)

    # Off through the API: the next session goes on the station's default price.
    pricing["enabled"] = False
    assert sil.csms("PUT", "/pricing", pricing)["enabled"] is False
    sil.api("POST", "/connectors/1/plug-in")
    sil.api("POST", "/tokens", {"id_tag": "DEADBEEF", "connectors": [1]})
    state = sil.wait_state(lambda s: connector(s)["transaction_id"] not in (None, tx_id))
    assert connector(state)["pricing"]["source"] == "default"
    refused = sil.csms("PUT", "/pricing", {**pricing, "default": {"currency": "USD",
                                                                  "kwh_price": -1}}, expect=400)
    assert refused["error"] == "default.kwh_price: a price of 0 or more, found -1"


def test_sil_no_pricing_starts_the_dev_csms_without_it(make_sil):
    sil = make_sil(sil_args=("--no-pricing",))
    assert sil.csms("GET", "/pricing")["enabled"] is False
