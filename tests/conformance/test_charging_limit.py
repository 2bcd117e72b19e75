"""The station applies the Smart Charging limit the core computes (StationCommand::ChargingLimit)
to the EVSE, as everest-core's OCPP module sets the external limit of the EVSE's energy node:
a TxProfile of 8 A during a transaction lowers what the EVSE offers and the car draws, and
clearing it lifts the limit. Every wait is on a message or a state, bounded by a timeout."""

from __future__ import annotations

from ocpp.v16 import call

from core_steps import booted, session


def test_tx_profile_limits_the_evse_until_cleared(make_station, csms):
    station = make_station()
    booted(csms, station)
    _, tx_id = session(csms, station)
    full = station.wait_state(lambda s: s["connectors"][0]["power_w"] > 0)["connectors"][0]
    assert full["limit_source"] in ("evse", "car")
    profile = {
        "charging_profile_id": 7, "stack_level": 1, "transaction_id": tx_id,
        "charging_profile_purpose": "TxProfile", "charging_profile_kind": "Relative",
        "charging_schedule": {"charging_rate_unit": "A",
                              "charging_schedule_period": [{"start_period": 0, "limit": 8.0}]},
    }
    answer = csms.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=profile))
    assert answer == {"status": "Accepted"}
    limited = station.wait_state(lambda s: s["connectors"][0]["limit_a"] == 8
                                 and 0 < s["connectors"][0]["power_w"] < full["power_w"])
    # The state says where the limit comes from: the CSMS's profile.
    assert limited["connectors"][0]["limit_source"] == "ocpp_profile"
    assert limited["connectors"][0]["transaction_id"] == tx_id
    answer = csms.call(call.ClearChargingProfile(id=7))
    assert answer == {"status": "Accepted"}
    station.wait_state(lambda s: s["connectors"][0]["limit_source"] in ("evse", "car")
                       and s["connectors"][0]["power_w"] > limited["connectors"][0]["power_w"])
