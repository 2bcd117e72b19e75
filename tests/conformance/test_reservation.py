"""Reservation conformance scenarios (OCPP 1.6 §5.13 ReserveNow, §5.1 CancelReservation, §3.6):
the reserved tag charges with the reservationId in StartTransaction, another tag is refused at
the reserved connector, a tag of the same parentIdTag may use it, a reservation expires or is
cancelled, and one survives a power loss. Against the real station binary; checked on the
exact OCPP messages the test CSMS receives; every wait is bounded by a timeout."""

from __future__ import annotations

from ocpp.v16 import call

from core_steps import booted, status, statuses
from feature_steps import expiry_in, reserved


def reserve(csms, id_tag: str, reservation_id: int, seconds: float = 120,
            connector: int = 1, parent: str | None = None) -> dict:
    return csms.call(call.ReserveNow(connector_id=connector, expiry_date=expiry_in(seconds),
                                     id_tag=id_tag, reservation_id=reservation_id,
                                     parent_id_tag=parent))


def test_the_reserved_tag_charges_with_the_reservation_id(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_reservation_local_start_tx."""
    station = make_station()
    n = booted(csms, station)
    assert reserve(csms, "RFID1", 11) == {"status": "Accepted"}
    reserved(csms, 1, n)
    station.wait_state(lambda s: s["connectors"][0]["status"] == "Reserved")
    # The car alone does not end the reservation.
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    start = csms.wait_for("StartTransaction", after=n)
    assert (start["connectorId"], start["idTag"], start["reservationId"]) == (1, "RFID1", 11)
    csms.wait_for("StatusNotification", status(1, "Charging"), after=n)
    assert statuses(csms, 1, after=n) == ["Reserved", "Preparing", "Charging"]
    # Used up by its transaction.
    assert csms.call(call.CancelReservation(reservation_id=11)) == {"status": "Rejected"}


def test_a_reserved_connector_refuses_another_tag(make_station, csms):
    station = make_station()
    n = booted(csms, station)
    assert reserve(csms, "RFID1", 12) == {"status": "Accepted"}
    reserved(csms, 1, n)
    station.api("POST", "/connectors/1/plug-in")
    m = csms.index()
    # TAG2 is known to the CSMS, yet not for this connector.
    station.api("POST", "/tokens", {"id_tag": "TAG2", "connectors": [1]})
    authorize = csms.wait_for("Authorize", after=m)
    assert authorize == {"idTag": "TAG2"}
    answer = csms.call(call.RemoteStartTransaction(id_tag="REMOTE1", connector_id=1))
    assert answer == {"status": "Rejected"}
    # A heartbeat later: still reserved, nothing started.
    csms.wait_for("Heartbeat", after=csms.index())
    assert csms.find("StartTransaction", after=n) == []
    assert statuses(csms, 1, after=n) == ["Reserved"]
    assert station.state()["connectors"][0]["status"] == "Reserved"


def test_a_tag_of_the_same_parent_uses_the_reservation(make_station, csms):
    """The reservation is for RFID1 of group FLEET; TAG2, whose parentIdTag the CSMS gives as
    FLEET in Authorize.conf, may charge there.
    Mirrors EVerest: authorization_tests.py::test_parent_id_tag_reservation_1."""
    csms.parent_ids["TAG2"] = "FLEET"
    station = make_station()
    n = booted(csms, station)
    assert reserve(csms, "RFID1", 13, parent="FLEET") == {"status": "Accepted"}
    reserved(csms, 1, n)
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "TAG2", "connectors": [1]})
    start = csms.wait_for("StartTransaction", after=n)
    assert (start["idTag"], start["reservationId"]) == ("TAG2", 13)
    csms.wait_for("StatusNotification", status(1, "Charging"), after=n)
    assert statuses(csms, 1, after=n) == ["Reserved", "Preparing", "Charging"]


def test_a_reservation_expires_back_to_available(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_reservation_connector_expire."""
    station = make_station()
    n = booted(csms, station)
    assert reserve(csms, "RFID1", 14, seconds=3) == {"status": "Accepted"}
    i_reserved = reserved(csms, 1, n)
    i_available = csms.wait_index("StatusNotification", status(1, "Available"), after=i_reserved)
    elapsed = csms.times[i_available] - csms.times[i_reserved]
    assert 1.5 < elapsed < 6, elapsed
    assert csms.call(call.CancelReservation(reservation_id=14)) == {"status": "Rejected"}
    # Free for anyone again.
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "TAG2", "connectors": [1]})
    start = csms.wait_for("StartTransaction", after=i_available)
    assert start["idTag"] == "TAG2" and "reservationId" not in start


def test_cancel_reservation_accepted_then_rejected_for_an_unknown_id(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_reservation_cancel,
    ocpp_compliance_tests.py::test_reservation_cancel_rejected."""
    station = make_station()
    n = booted(csms, station)
    assert reserve(csms, "RFID1", 15) == {"status": "Accepted"}
    reserved(csms, 1, n)
    assert csms.call(call.CancelReservation(reservation_id=15)) == {"status": "Accepted"}
    csms.wait_for("StatusNotification", status(1, "Available"), after=n)
    assert statuses(csms, 1, after=n) == ["Reserved", "Available"]
    assert csms.call(call.CancelReservation(reservation_id=999)) == {"status": "Rejected"}
    assert csms.call(call.CancelReservation(reservation_id=15)) == {"status": "Rejected"}


def test_a_reservation_survives_a_power_loss(make_station, csms):
    """ReserveNow, then SIGKILL: the station boots with connector 1 Reserved, still refuses
    another tag there, and the reservation can be cancelled by its id."""
    station = make_station()
    n = booted(csms, station)
    assert reserve(csms, "RFID1", 16, seconds=300) == {"status": "Accepted"}
    reserved(csms, 1, n)
    station.kill()
    k = csms.index()
    station.restart()
    boot = csms.wait_index("BootNotification", after=k)
    reserved(csms, 1, boot)
    assert statuses(csms, 1, after=boot)[0] == "Reserved"
    station.wait_state(lambda s: s["ocpp"]["registration"] == "Accepted")
    station.api("POST", "/connectors/1/plug-in")
    m = csms.index()
    station.api("POST", "/tokens", {"id_tag": "TAG2", "connectors": [1]})
    csms.wait_for("Authorize", after=m)
    csms.wait_for("Heartbeat", after=csms.index())
    assert csms.find("StartTransaction", after=k) == []
    assert csms.call(call.CancelReservation(reservation_id=16)) == {"status": "Accepted"}
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=m)


def test_connector_zero_is_reserved_only_when_supported(make_station, csms):
    """ReserveConnectorZeroSupported false (shipped): connector 0 is Rejected. True: Accepted,
    and on a one-connector station the connector stays for the reserved tag: it shows Reserved
    (the last free connector, as everest-core), TAG2 starts nothing, RFID1 charges with the
    reservationId.
    Mirrors EVerest: ocpp_compliance_tests.py::test_reservation_connector_zero_not_supported,
    ocpp_compliance_tests.py::test_reservation_connector_zero_supported."""
    station = make_station()
    booted(csms, station)
    assert reserve(csms, "RFID1", 17, connector=0) == {"status": "Rejected"}
    station.stop()

    k = csms.index()
    station = make_station(ocpp_overrides={"Reservation": {"ReserveConnectorZeroSupported": True}})
    n = booted(csms, station, after=k)
    assert reserve(csms, "RFID1", 18, connector=0) == {"status": "Accepted"}
    reserved(csms, 1, n)
    station.api("POST", "/connectors/1/plug-in")
    m = csms.index()
    station.api("POST", "/tokens", {"id_tag": "TAG2", "connectors": [1]})
    csms.wait_for("Authorize", after=m)
    csms.wait_for("Heartbeat", after=csms.index())
    assert csms.find("StartTransaction", after=n) == []
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    start = csms.wait_for("StartTransaction", after=n)
    assert (start["idTag"], start["reservationId"]) == ("RFID1", 18)
    csms.wait_for("StatusNotification", status(1, "Charging"), after=n)
    # Connector 0 itself stays Available (OCPP 1.6 §4.9 gives it no Reserved).
    assert statuses(csms, 1, after=n) == ["Reserved", "Preparing", "Charging"]
    assert statuses(csms, 0, after=n) == []
    assert csms.call(call.CancelReservation(reservation_id=18)) == {"status": "Rejected"}


def test_a_prevalidated_token_is_not_authorized_but_respects_the_reservation(make_station, csms):
    """A prevalidated token (a payment terminal, a contract) needs no Authorize.req, but a
    connector reserved for someone else stays closed to it; the reservation's own tag charges
    with it, again without Authorize."""
    station = make_station()
    n = booted(csms, station)
    assert reserve(csms, "RFID1", 15) == {"status": "Accepted"}
    reserved(csms, 1, n)
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "TAG2", "connectors": [1], "prevalidated": True})
    # A heartbeat later: nothing was asked, nothing started, still reserved.
    csms.wait_for("Heartbeat", after=csms.index())
    assert csms.find("Authorize", after=n) == []
    assert csms.find("StartTransaction", after=n) == []
    assert station.state()["connectors"][0]["status"] == "Reserved"
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1], "prevalidated": True})
    start = csms.wait_for("StartTransaction", after=n)
    assert (start["connectorId"], start["idTag"], start["reservationId"]) == (1, "RFID1", 15)
    csms.wait_for("StatusNotification", status(1, "Charging"), after=n)
    assert csms.find("Authorize", after=n) == []
    assert statuses(csms, 1, after=n) == ["Reserved", "Preparing", "Charging"]


def test_a_card_swiped_for_the_station_is_not_given_a_connector_reserved_for_another(
        make_station, csms):
    """Two EVSEs, connector 1 reserved for RFID1: TAG2, swiped at the station's reader before
    any car is plugged in, is given connector 2 (Auth's FindFirst among the connectors the
    core says it may use), so its car charges there; connector 1 stays Reserved."""
    station = make_station("config-sil-ocpp.yaml",
                           ocpp_overrides={"Core": {"NumberOfConnectors": 2}})
    n = booted(csms, station, connectors=(1, 2))
    assert reserve(csms, "RFID1", 19) == {"status": "Accepted"}
    reserved(csms, 1, n)
    station.api("POST", "/tokens", {"id_tag": "TAG2"})
    csms.wait_for("Authorize", after=n)
    station.api("POST", "/connectors/2/plug-in")
    start = csms.wait_for("StartTransaction", after=n)
    assert (start["connectorId"], start["idTag"]) == (2, "TAG2")
    assert "reservationId" not in start
    csms.wait_for("StatusNotification", status(2, "Charging"), after=n)
    assert statuses(csms, 1, after=n) == ["Reserved"]
