"""Local authorization list conformance scenarios (OCPP 1.6 §3.5.3, §5.15 SendLocalList, §5.10
GetLocalListVersion): Full and Differential updates with their versions, VersionMismatch, an
update longer than SendLocalListMaxLength, NotSupported / -1 with the list disabled, the list
kept across a restart and used offline (LocalAuthorizeOffline). Against the real station
binary; every wait is bounded by a timeout."""

from __future__ import annotations

from ocpp.v16 import call
from ocpp.v16.enums import UpdateType

from core_steps import FAST_RECONNECT, booted, status
from feature_steps import wait_offline, wait_online


def entry(id_tag: str, state: str | None = "Accepted", parent: str | None = None) -> dict:
    if state is None:
        return {"id_tag": id_tag}
    info = {"status": state}
    if parent is not None:
        info["parent_id_tag"] = parent
    return {"id_tag": id_tag, "id_tag_info": info}


def send(csms, version: int, update: UpdateType, entries: list[dict]) -> dict:
    return csms.call(call.SendLocalList(list_version=version, update_type=update,
                                        local_authorization_list=entries))


def version(csms) -> int:
    return csms.call(call.GetLocalListVersion())["listVersion"]


def test_full_then_differential_updates_with_their_versions(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_get_local_list_version_flow,
    ocpp_compliance_tests.py::test_send_local_list,
    ocpp_compliance_tests.py::test_send_local_list_ver_mismatch."""
    station = make_station()
    booted(csms, station)
    assert version(csms) == 0, "an empty list"
    answer = send(csms, 5, UpdateType.full, [entry("LIST1"), entry("LIST2", "Blocked")])
    assert answer == {"status": "Accepted"}
    assert version(csms) == 5
    answer = send(csms, 6, UpdateType.differential, [entry("LIST3"), entry("LIST2", None)])
    assert answer == {"status": "Accepted"}
    assert version(csms) == 6
    # Not newer than the installed version: VersionMismatch, nothing changes.
    for stale in (6, 4):
        answer = send(csms, stale, UpdateType.differential, [entry("LIST4")])
        assert answer == {"status": "VersionMismatch"}
    assert version(csms) == 6
    # A Full update takes the version as sent, even a lower one.
    assert send(csms, 2, UpdateType.full, [entry("LIST1")]) == {"status": "Accepted"}
    assert version(csms) == 2


def test_an_update_longer_than_send_local_list_max_length_fails(make_station, csms):
    station = make_station(ocpp_overrides={"LocalAuthListManagement": {
        "SendLocalListMaxLength": 2, "LocalAuthListMaxLength": 3}})
    booted(csms, station)
    three = [entry("LIST1"), entry("LIST2"), entry("LIST3")]
    assert send(csms, 1, UpdateType.full, three) == {"status": "Failed"}
    assert version(csms) == 0
    assert send(csms, 1, UpdateType.full, three[:2]) == {"status": "Accepted"}
    # Within SendLocalListMaxLength, but the list would outgrow LocalAuthListMaxLength.
    answer = send(csms, 2, UpdateType.differential, [entry("LIST4"), entry("LIST5")])
    assert answer == {"status": "Failed"}
    assert version(csms) == 1


def test_the_list_disabled_is_not_supported(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_get_local_list_version,
    ocpp_compliance_tests.py::test_send_local_list_not_supported."""
    station = make_station(ocpp_overrides={"LocalAuthListManagement": {
        "LocalAuthListEnabled": False}})
    booted(csms, station)
    assert send(csms, 1, UpdateType.full, [entry("LIST1")]) == {"status": "NotSupported"}
    assert version(csms) == -1


def test_the_list_survives_a_restart(make_station, csms):
    station = make_station()
    booted(csms, station)
    assert send(csms, 7, UpdateType.full, [entry("LIST1")]) == {"status": "Accepted"}
    station.kill()
    k = csms.index()
    station.restart()
    booted(csms, station, after=k)
    assert version(csms) == 7


def test_the_list_authorizes_offline(make_station, csms):
    """LocalAuthorizeOffline true, AllowOfflineTxForUnknownId false: offline, a tag that is not
    on the list starts nothing, LOCAL1 of the list charges without any Authorize; back online
    the StartTransaction of LOCAL1 is delivered.
    Mirrors EVerest: ocpp_compliance_tests.py::test_start_charging_id_in_authorization_list."""
    csms.known_tags.add("LOCAL1")
    station = make_station(ocpp_overrides={"Core": {"LocalAuthorizeOffline": True},
                                           "Internal": FAST_RECONNECT})
    booted(csms, station)
    assert send(csms, 1, UpdateType.full, [entry("LOCAL1", parent="FLEET")]) == \
        {"status": "Accepted"}
    csms.go_offline()
    wait_offline(station)
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "NOTLISTED", "connectors": [1]})
    station.api("POST", "/tokens", {"id_tag": "LOCAL1", "connectors": [1]})
    # The transaction starts offline, for LOCAL1 only.
    station.wait_state(lambda s: s["connectors"][0]["id_tag"] == "LOCAL1", timeout=10)
    k = csms.index()
    csms.go_online()
    wait_online(station)
    start = csms.wait_for("StartTransaction", after=k)
    assert (start["connectorId"], start["idTag"]) == (1, "LOCAL1")
    csms.wait_for("StatusNotification", status(1, "Charging"), after=k)
    assert [p["idTag"] for p in csms.find("StartTransaction")] == ["LOCAL1"]
    assert [p for p in csms.find("Authorize") if p["idTag"] in ("LOCAL1", "NOTLISTED")] == []
