"""Core conformance scenarios, authorization (OCPP 1.6 §3.4, §4.1, §5.4): an invalid token, a
token of the same group (parentIdTag) stopping a transaction, the authorization cache with
LocalPreAuthorize and ClearCache. Checked on the exact OCPP messages the test CSMS receives;
every wait is on a message or a state, bounded by a timeout."""

from __future__ import annotations

from ocpp.v16 import call

from core_steps import booted, charging, session, statuses, status, unplug_and_wait

CACHE = {"Core": {"AuthorizationCacheEnabled": True, "LocalPreAuthorize": True}}


def test_invalid_token_starts_no_transaction(make_station, csms):
    """Mirrors EVerest: authorization_tests.py::test_authorize_invalid."""
    station = make_station()
    n = booted(csms, station)
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=n)
    f = csms.frame_count()
    station.api("POST", "/tokens", {"id_tag": "STRANGER"})
    auth = csms.wait_index("Authorize", after=n)
    assert csms.messages[auth][1] == {"idTag": "STRANGER"}
    # The CSMS answered Invalid ...
    _, request = csms.call_frame("Authorize", after=f)
    _, answer = csms.answer_to(request[1], after=f, direction="out")
    assert answer == [3, request[1], {"idTagInfo": {"status": "Invalid"}}]
    # ... so a heartbeat later there is still no transaction and the car still waits.
    csms.wait_for("Heartbeat", after=auth)
    assert csms.find("StartTransaction") == []
    assert statuses(csms, 1, after=n) == ["Preparing"]
    state = station.state()["connectors"][0]
    assert (state["transaction_id"], state["status"], state["power_w"]) == (None, "Preparing", 0)


def test_parent_id_tag_stops_the_transaction(make_station, csms):
    """TAG2 belongs to the group of RFID1 (same parentIdTag): presented during RFID1's
    transaction it is authorized, then stops the transaction with reason Local (OCPP 1.6
    §3.4.2); no new transaction starts.
    Mirrors EVerest: authorization_tests.py::test_authorize_parent_id_1,
    ocpp_compliance_tests.py::test_stop_transaction_parent_id_tag."""
    csms.parent_ids = {"RFID1": "FLEET1", "TAG2": "FLEET1"}
    station = make_station()
    booted(csms, station)
    start, tx_id = session(csms, station, "RFID1")
    m = csms.index()
    station.api("POST", "/tokens", {"id_tag": "TAG2"})
    auth = csms.wait_index("Authorize", lambda p: p["idTag"] == "TAG2", after=m)
    stop = csms.wait_for("StopTransaction", after=m)
    assert stop["transactionId"] == tx_id
    assert stop["reason"] == "Local"
    assert stop["idTag"] == "TAG2"
    assert stop["meterStop"] >= start["meterStart"]
    assert auth < csms.index_of(stop)
    csms.wait_for("StatusNotification", status(1, "Finishing"), after=m)
    assert csms.find("StartTransaction", after=m) == []


def test_cached_token_is_accepted_without_authorize(make_station, csms):
    """LocalPreAuthorize with the cache: the first use of RFID1 asks the CSMS (Authorize), the
    next one starts the transaction from the cache without an Authorize.
    Mirrors EVerest: authorization_tests.py::test_authorization_cache_entry_2."""
    station = make_station(ocpp_overrides=CACHE)
    n = booted(csms, station)
    start, tx_id = session(csms, station, "RFID1")
    assert csms.find("Authorize", after=n) == [{"idTag": "RFID1"}]
    unplug_and_wait(csms, station, tx_id)
    m = csms.index()
    start2, tx2 = session(csms, station, "RFID1")
    assert tx2 != tx_id
    assert csms.find("Authorize", after=m) == []
    assert csms.actions()[m:].count("StartTransaction") == 1


def test_clear_cache_makes_the_station_ask_again(make_station, csms):
    """After ClearCache (Accepted) the cached RFID1 is asked for again with Authorize before its
    next transaction starts.
    Mirrors EVerest: ocpp_compliance_tests.py::test_clear_authorization_data_cache."""
    station = make_station(ocpp_overrides=CACHE)
    booted(csms, station)
    _, tx_id = session(csms, station, "RFID1")
    unplug_and_wait(csms, station, tx_id)
    m = csms.index()
    assert csms.call(call.ClearCache()) == {"status": "Accepted"}
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=m)
    station.api("POST", "/tokens", {"id_tag": "RFID1"})
    auth = csms.wait_index("Authorize", after=m)
    assert csms.messages[auth][1] == {"idTag": "RFID1"}
    start, _ = charging(csms, 1, "RFID1", m)
    assert auth < csms.index_of(start)


def test_tokens_are_read_by_the_dummy_token_provider_manual(make_station, csms):
    """The station's card reader is the DummyTokenProviderManual connected to Auth: a token
    naming it is used; naming another module is refused (404) and nothing is asked; a station
    whose Auth has no such provider cannot read cards (409)."""
    station = make_station()
    n = booted(csms, station)
    station.api("POST", "/connectors/1/plug-in")
    answer = station.api("POST", "/tokens", {"id_tag": "RFID1", "provider": "ocpp"}, expect=404)
    assert "no DummyTokenProviderManual 'ocpp'" in answer["error"]
    assert "token_provider_1" in answer["error"]
    station.api("POST", "/tokens", {"id_tag": "RFID1", "provider": "token_provider_1"})
    assert csms.wait_for("Authorize", after=n) == {"idTag": "RFID1"}
    csms.wait_for("StartTransaction", after=n)
    assert len(csms.find("Authorize", after=n)) == 1


def test_a_station_without_a_manual_token_provider_reads_no_cards(make_station, csms):
    def only_ocpp_provides_tokens(yaml: str) -> str:
        manual = ("        - module_id: token_provider_1\n"
                  "          implementation_id: main\n")
        assert manual in yaml
        return yaml.replace(manual, "", 1)

    station = make_station(yaml_edit=only_ocpp_provides_tokens)
    n = booted(csms, station)
    answer = station.api("POST", "/tokens", {"id_tag": "RFID1"}, expect=409)
    assert "no DummyTokenProviderManual connected to Auth" in answer["error"]
    # Remote start (the OCPP module's own token provider) still works.
    csms.call(call.RemoteStartTransaction(id_tag="RFID1", connector_id=1))
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StartTransaction", after=n)


def test_a_token_without_id_tag_is_the_providers_configured_one(make_station, csms):
    def reader_token(yaml: str) -> str:
        old = "  token_provider_1:\n    module: DummyTokenProviderManual\n"
        assert old in yaml
        return yaml.replace(old, old + "    config_implementation:\n      main:\n"
                                         "        token: RFID1\n", 1)

    station = make_station(yaml_edit=reader_token)
    n = booted(csms, station)
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"connectors": [1]})
    assert csms.wait_for("Authorize", after=n) == {"idTag": "RFID1"}
    assert csms.wait_for("StartTransaction", after=n)["idTag"] == "RFID1"
