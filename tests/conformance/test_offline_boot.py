"""A station that restarts while the CSMS is unreachable keeps charging (issue 15): the EVSEs
are ready as soon as the station runs, as everest-core's OCPP::ready signals
external_ready_to_start_charging before connecting, so a tag on the local list
(LocalAuthorizeOffline) starts a session at once; when the CSMS is back, BootNotification goes
first, then the transaction messages queued offline, in order, with the transaction id the CSMS
gives. Every wait is on a message or a state, bounded by a timeout."""

from __future__ import annotations

from ocpp.v16 import call
from ocpp.v16.enums import UpdateType

from core_steps import FAST_RECONNECT, booted
from feature_steps import wait_online


def test_restarted_offline_a_listed_tag_charges_and_is_delivered_after_the_boot(
        make_station, csms):
    csms.known_tags.add("LOCAL1")
    station = make_station(ocpp_overrides={"Core": {"LocalAuthorizeOffline": True},
                                           "Internal": FAST_RECONNECT})
    booted(csms, station)
    answer = csms.call(call.SendLocalList(
        list_version=1, update_type=UpdateType.full,
        local_authorization_list=[{"id_tag": "LOCAL1", "id_tag_info": {"status": "Accepted"}}]))
    assert answer == {"status": "Accepted"}

    # Power loss, and the CSMS unreachable when the station comes back.
    station.kill()
    csms.go_offline()
    k = csms.index()
    station.restart()
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "LOCAL1", "connectors": [1]})
    state = station.wait_state(
        lambda s: s["connectors"][0]["status"] == "Charging" and s["ocpp"]["queued"] >= 1,
        timeout=5)
    assert state["ocpp"]["registration"] is None and not state["ocpp"]["connected"], state
    assert state["connectors"][0]["id_tag"] == "LOCAL1"
    assert csms.index() == k, "nothing reached the CSMS"

    # The CSMS is back: BootNotification, then what was queued, oldest first.
    csms.go_online()
    wait_online(station)
    boot = csms.wait_index("BootNotification", after=k)
    start_at = csms.wait_index("StartTransaction", after=k)
    assert boot == k and start_at > boot, csms.messages[k:]
    start = csms.messages[start_at][1]
    assert (start["connectorId"], start["idTag"]) == (1, "LOCAL1")
    tx_id = csms.tx_of(1)
    station.wait_state(lambda s: s["connectors"][0]["transaction_id"] == tx_id)
    # Every transaction message after it carries the CSMS's id, none a made-up one.
    mv = csms.wait_for("MeterValues", after=start_at)
    assert mv["transactionId"] == tx_id
    assert all(p.get("transactionId", tx_id) == tx_id
               for a, p in csms.messages[k:] if a in ("MeterValues", "StopTransaction"))
    # Between the two only the security event of the start (StartupOfTheDevice), queued
    # before the session.
    assert [a for a, _ in csms.messages[k:start_at]] == [
        "BootNotification", "SecurityEventNotification"]
