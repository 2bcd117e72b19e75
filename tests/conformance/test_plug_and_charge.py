"""Plug&Charge sessions end to end (docs/plug-and-charge.md): the shipped
config/config-sil-pnc.yaml (SlacSimulator, EvseV2G, PyEvJosev wired as EVerest's
config-sil-ocpp-pnc.yaml) with the development PKI (`ferrocharge pki init`: V2G root and SECC
certificate in the station's store, the car's contract of eMAID DEFRCC00000001), the car
plugged in through the control API as EVerest's test controller's `plug_in_ac_iso` does.

Each scenario names the test of everest-core's
tests/ocpp_tests/test_sets/ocpp16/plug_and_charge_tests.py it mirrors. EVerest's PKI gives
its contract chain OCSP responders, so there the Authorize carries OCSP data; the development
PKI names none, so the station sends the certificate, which CentralContractValidationAllowed
permits (libocpp does the same with such a chain)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance_csms import Csms
from conformance_station import Station, write_config
from core_steps import booted, status

VENDOR = "org.openchargealliance.iso15118pnc"
EMAID = "DEFRCC00000001"
# EVerest's libocpp-config-iso-pnc.json PnC section (ocpp-config-pnc.json ships it).
PNC = {"PnC": {"ISO15118CertificateManagementEnabled": True, "ISO15118PnCEnabled": True,
               "ContractValidationOffline": True, "CentralContractValidationAllowed": True}}


@pytest.fixture
def pnc_station(ferrocharge_bin, tmp_path):
    """Makes the station of config-sil-pnc.yaml with the development PKI in its data dir and
    its store; returns (station, its data dir)."""
    made: list[Station] = []

    def make(csms: Csms, overrides: dict | None = None, pki: bool = True,
             yaml_edit=None) -> tuple[Station, Path]:
        dir = tmp_path / f"station{len(made)}"
        dir.mkdir()
        ocpp = json.loads(json.dumps(PNC))
        for section, values in (overrides or {}).items():
            ocpp.setdefault(section, {}).update(values)
        config, api = write_config(dir, csms.uri(), "config-sil-pnc.yaml", ocpp_overrides=ocpp,
                                   yaml_edit=yaml_edit)
        data = dir / "data"
        if pki:
            subprocess.run([str(ferrocharge_bin), "pki", "init", "--dir", str(data / "pki")],
                           check=True, capture_output=True)
            shutil.copytree(data / "pki" / "station", data / "certs")
        station = Station(ferrocharge_bin, config, api, dir)
        made.append(station)
        station.wait_api()
        return station, data

    yield make
    for station in made:
        station.stop()


def pnc_authorizes(csms: Csms, after: int) -> list[tuple[int, dict]]:
    """The station's Plug&Charge Authorize DataTransfers since `after`: index and data."""
    return [(i, json.loads(p["data"])) for i, (a, p) in enumerate(csms.messages)
            if i >= after and a == "DataTransfer" and p.get("vendorId") == VENDOR
            and p.get("messageId") == "Authorize"]


def plug_in_iso(station: Station, payment: str | None = None) -> None:
    body = {"mode": "iso_ac"}
    if payment is not None:
        body["payment"] = payment
    station.api("POST", "/connectors/1/plug-in", body)


def test_contract_authorized_starts_the_transaction_with_the_emaid(pnc_station):
    """plug_and_charge_tests.py::test_contract_installation_and_authorization_01 (its
    authorization and charging, with a car that needs no installation): the contract goes
    to the CSMS in a DataTransfer Authorize, nothing else authorizes, StartTransaction carries
    the eMAID, the connector charges; the car's stop and unplug end it."""
    csms = Csms(known_tags={EMAID}).start()
    try:
        csms.pnc_authorize_status = "Accepted"
        station, data = pnc_station(csms)
        after = booted(csms, station)
        plug_in_iso(station, "contract")
        index = csms.wait_index("DataTransfer", lambda p: p.get("messageId") == "Authorize",
                                after=after)
        request = csms.messages[index][1]
        assert request["vendorId"] == VENDOR
        chain = (data / "pki" / "car" / "MO_CERT_CHAIN.pem").read_text()
        assert json.loads(request["data"]) == {
            "idToken": {"idToken": EMAID, "type": "eMAID"},
            "certificate": chain,
        }
        start_index = csms.wait_index("StartTransaction", after=index)
        start = csms.messages[start_index][1]
        assert start["connectorId"] == 1 and start["idTag"] == EMAID
        csms.wait_for("StatusNotification", status(1, "Charging"), after=start_index)
        # No OCPP 1.6 Authorize: the contract was validated by the DataTransfer.
        assert "Authorize" not in csms.actions()[after:]
        assert [a for a in csms.actions()[after:start_index] if a == "DataTransfer"] == ["DataTransfer"]
        state = station.state()
        assert state["connectors"][0]["id_tag"] == EMAID
        # EVerest's plug_out_iso: the car stops the session and leaves.
        station.api("POST", "/connectors/1/car-script",
                    {"script": "iso_stop_charging;iso_wait_v2g_session_stopped;unplug",
                     "replace": True})
        stop = csms.wait_for("StopTransaction", after=start_index)
        assert stop["reason"] == "EVDisconnected"
        csms.wait_for("StatusNotification", status(1, "Available"), after=start_index)
    finally:
        csms.close()


# The car's CertificateInstallationReq stand-in (docs/plug-and-charge.md): base64 of
# "ferrocharge simulated CertificateInstallationReq eMAID=DEFRCC00000001".
EXI_REQUEST = base64.b64encode(
    f"ferrocharge simulated CertificateInstallationReq eMAID={EMAID}".encode()).decode()


def installing_car(yaml: str) -> str:
    """config-sil-pnc.yaml with PyEvJosev's is_cert_install_needed on."""
    old = "is_cert_install_needed: false"
    assert old in yaml
    return yaml.replace(old, "is_cert_install_needed: true", 1)


def get_ev_certificate_index(csms: Csms, after: int) -> int:
    """Waits for the station's Get15118EVCertificate DataTransfer; checks its fields as
    EVerest's validate_data_transfer_pnc_get_15118_ev_certificate does, and that the
    exiRequest is what the car sent."""
    index = csms.wait_index("DataTransfer",
                            lambda p: p.get("messageId") == "Get15118EVCertificate", after=after)
    request = csms.messages[index][1]
    assert request["vendorId"] == VENDOR
    assert json.loads(request["data"]) == {
        "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
        "action": "Install",
        "exiRequest": EXI_REQUEST,
    }
    return index


def test_contract_installed_then_authorized_starts_the_transaction(pnc_station):
    """plug_and_charge_tests.py::test_contract_installation_and_authorization_01: a car with
    is_cert_install_needed asks for its contract first (Get15118EVCertificate Install, the CSMS
    answers Accepted with an exiResponse); then the contract's Authorize DataTransfer, and
    StartTransaction with the eMAID; the connector charges."""
    csms = Csms(known_tags={EMAID}).start()
    try:
        csms.pnc_authorize_status = "Accepted"
        csms.ev_certificate_answer = {"status": "Accepted",
                                      "exiResponse": base64.b64encode(b"installed").decode()}
        station, _ = pnc_station(csms, yaml_edit=installing_car)
        after = booted(csms, station)
        plug_in_iso(station, "contract")
        install = get_ev_certificate_index(csms, after)
        authorize = csms.wait_index("DataTransfer", lambda p: p.get("messageId") == "Authorize",
                                    after=install)
        assert json.loads(csms.messages[authorize][1]["data"])["idToken"] == {
            "idToken": EMAID, "type": "eMAID"}
        start_index = csms.wait_index("StartTransaction", after=authorize)
        start = csms.messages[start_index][1]
        assert start["connectorId"] == 1 and start["idTag"] == EMAID
        csms.wait_for("StatusNotification", status(1, "Charging"), after=start_index)
        # Exactly the two PnC DataTransfers, in this order, and no OCPP 1.6 Authorize.
        assert [i for i, (a, _) in enumerate(csms.messages[:start_index])
                if i >= after and a == "DataTransfer"] == [install, authorize]
        assert "Authorize" not in csms.actions()[after:]
    finally:
        csms.close()


@pytest.mark.parametrize("answer", [{"status": "Failed", "exiResponse": ""}, None],
                         ids=["failed", "data_transfer_unknown_vendor"])
def test_contract_installation_failed_no_authorization_no_transaction(pnc_station, answer):
    """The CSMS answers the car's Get15118EVCertificate Install with status Failed, or refuses
    the DataTransfer (UnknownVendorId) (EVerest has no test of either; libocpp hands EvseV2G the
    failure, whose CertificateInstallationRes FAILED ends the car's session, as Josev does on a
    FAILED response code): no Authorize DataTransfer, no transaction; the car's V2G session
    ends (the car, told to unplug once it has, leaves)."""
    csms = Csms(known_tags={EMAID}).start()
    try:
        csms.pnc_authorize_status = "Accepted"
        csms.ev_certificate_answer = answer
        station, _ = pnc_station(csms, yaml_edit=installing_car)
        after = booted(csms, station)
        plug_in_iso(station, "contract")
        install = get_ev_certificate_index(csms, after)
        station.api("POST", "/connectors/1/car-script",
                    {"script": "iso_wait_v2g_session_stopped;unplug", "replace": True})
        csms.wait_for("StatusNotification", status(1, "Available"), after=install)
        assert [a for a in csms.actions()[install + 1:]
                if a in ("DataTransfer", "Authorize", "StartTransaction")] == []
        # Plugged in, the connector stayed Preparing until the car left.
        assert [p["status"] for a, p in csms.messages[after:]
                if a == "StatusNotification" and p["connectorId"] == 1] == [
            "Preparing", "Available"]
    finally:
        csms.close()


def refused_in_state(station: Station, result: str) -> dict:
    """Waits until the state shows the eMAID refused at connector 1 with `result`."""
    return station.wait_state(
        lambda s: (s["connectors"][0].get("authorization") or {}).get("id_tag") == EMAID
        and s["connectors"][0]["authorization"]["result"] == result)


def unplug_and_wait_available(station: Station, csms: Csms, after: int) -> None:
    station.api("POST", "/connectors/1/car-script", {"script": "unplug", "replace": True})
    csms.wait_for("StatusNotification", status(1, "Available"), after=after)


def test_contract_rejected_no_transaction_not_even_with_a_card(pnc_station):
    """plug_and_charge_tests.py::test_pnc_reject (and test_contract_installation_and_authorization_02):
    the CSMS rejects the contract's Authorize; no transaction starts, and a valid card swiped
    afterwards does not start one either (the V2G session failed; the EVSE takes no other
    authorization until the car is unplugged). Unplugged, the connector is Available."""
    csms = Csms(known_tags={"RFID1"}).start()
    try:
        csms.pnc_authorize_status = "Invalid"
        station, _ = pnc_station(csms)
        after = booted(csms, station)
        plug_in_iso(station, "contract")
        csms.wait_for("StatusNotification", status(1, "Preparing"), after=after)
        index = csms.wait_index("DataTransfer", lambda p: p.get("messageId") == "Authorize",
                                after=after)
        refused_in_state(station, "Invalid")
        # Swiped at the station's reader (no connector named), as EVerest's test controller.
        station.api("POST", "/tokens", {"id_tag": "RFID1"})
        assert csms.wait_for("Authorize", after=index) == {"idTag": "RFID1"}
        station.wait_state(
            lambda s: (s["connectors"][0].get("authorization") or {}).get("id_tag") == "RFID1")
        unplug_and_wait_available(station, csms, index)
        assert "StartTransaction" not in csms.actions()
    finally:
        csms.close()


def test_eim_with_an_iso_car_sends_no_pnc_message(pnc_station):
    """plug_and_charge_tests.py::test_eim_01: a card swiped first, then an ISO 15118 car
    plugged in (payment auto): the car pays externally, no DataTransfer at all, the
    transaction starts with the card's idTag and charges. Then a car that selects external
    payment itself (plugged in first, card second) charges the same way."""
    csms = Csms(known_tags={"RFID1", EMAID}).start()
    try:
        csms.pnc_authorize_status = "Accepted"
        station, _ = pnc_station(csms)
        after = booted(csms, station)
        station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
        assert csms.wait_for("Authorize", after=after) == {"idTag": "RFID1"}
        plug_in_iso(station)
        start_index = csms.wait_index("StartTransaction", after=after)
        assert csms.messages[start_index][1]["idTag"] == "RFID1"
        csms.wait_for("StatusNotification", status(1, "Charging"), after=start_index)
        stop_index = csms.index()
        unplug_and_wait_available(station, csms, stop_index)
        csms.wait_for("StopTransaction", after=stop_index)

        second = csms.index()
        plug_in_iso(station, "externalpayment")
        csms.wait_for("StatusNotification", status(1, "Preparing"), after=second)
        station.wait_state(lambda s: s["connectors"][0]["evse_state"] == "WaitingForAuthentication")
        station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
        start = csms.wait_for("StartTransaction", after=second)
        assert start["idTag"] == "RFID1"
        csms.wait_for("StatusNotification", status(1, "Charging"), after=second)
        assert "DataTransfer" not in csms.actions()
    finally:
        csms.close()


def mo_root_hash_data(data: Path) -> dict:
    from cryptography import x509
    from test_pnc_certificates import hash_data

    root = x509.load_pem_x509_certificate((data / "pki" / "ca" / "MO_ROOT_CA.pem").read_bytes())
    return hash_data(root, root)


def delete_mo_root(csms: Csms, data: Path) -> None:
    from test_pnc_certificates import data_transfer, inner

    answer = data_transfer(csms, "DeleteCertificate",
                           {"certificateHashData": mo_root_hash_data(data)})
    assert inner(answer) == {"status": "Accepted"}


def test_mo_root_deleted_central_validation_allowed_sends_the_certificate(pnc_station):
    """plug_and_charge_tests.py::test_contract_installation_and_authorization_03: with the MO
    root deleted the station cannot check the contract; CentralContractValidationAllowed has it
    sent to the CSMS (the certificate, no OCSP data), which accepts it: StartTransaction with
    the eMAID, Charging."""
    csms = Csms(known_tags={EMAID}).start()
    try:
        csms.pnc_authorize_status = "Accepted"
        station, data = pnc_station(csms)
        after = booted(csms, station)
        delete_mo_root(csms, data)
        plug_in_iso(station, "contract")
        index = csms.wait_index("DataTransfer", lambda p: p.get("messageId") == "Authorize",
                                after=after)
        sent = json.loads(csms.messages[index][1]["data"])
        assert sent["idToken"] == {"idToken": EMAID, "type": "eMAID"}
        assert "certificate" in sent and "iso15118CertificateHashData" not in sent
        start = csms.wait_for("StartTransaction", after=index)
        assert start["idTag"] == EMAID
        csms.wait_for("StatusNotification", status(1, "Charging"), after=index)
    finally:
        csms.close()


def test_mo_root_deleted_without_central_validation_nothing_is_sent(pnc_station):
    """plug_and_charge_tests.py::test_contract_installation_and_authorization_04: the MO root
    deleted and CentralContractValidationAllowed false: the contract is Invalid at the station,
    neither an Authorize nor a StartTransaction goes out; unplugged, Available."""
    csms = Csms(known_tags={EMAID}).start()
    try:
        csms.pnc_authorize_status = "Accepted"
        station, data = pnc_station(csms, {"PnC": {"CentralContractValidationAllowed": False}})
        after = booted(csms, station)
        delete_mo_root(csms, data)
        plug_in_iso(station, "contract")
        csms.wait_for("StatusNotification", status(1, "Preparing"), after=after)
        refused_in_state(station, "Invalid")
        unplug_and_wait_available(station, csms, after)
        actions = csms.actions()[after:]
        assert "StartTransaction" not in actions and "Authorize" not in actions
        assert not [p for a, p in csms.messages[after:]
                    if a == "DataTransfer" and p.get("messageId") == "Authorize"]
    finally:
        csms.close()


def test_offline_contract_validated_against_the_local_list(pnc_station):
    """Offline contract validation (OCPP 2.0.1 C07.FR.08/09 as libocpp's
    data_transfer_pnc_authorize; EVerest's plug_and_charge_tests has no scenario for it): the
    CSMS unreachable, ContractValidationOffline and LocalAuthorizeOffline, the eMAID in the
    local authorization list: the chain verifies against the installed MO root, the contract is
    Accepted without any message, the car charges, and StartTransaction with the eMAID goes
    once the CSMS is back."""
    from ocpp.v16 import call
    from ocpp.v16.enums import UpdateType

    csms = Csms(known_tags={EMAID}).start()
    try:
        station, _ = pnc_station(csms, {"Core": {"LocalAuthorizeOffline": True},
                                        "LocalAuthListManagement": {"LocalAuthListEnabled": True}})
        after = booted(csms, station)
        answer = csms.call(call.SendLocalList(
            list_version=1, update_type=UpdateType.full,
            local_authorization_list=[{"id_tag": EMAID, "id_tag_info": {"status": "Accepted"}}]))
        assert answer == {"status": "Accepted"}
        csms.go_offline()
        station.wait_state(lambda s: not s["ocpp"]["connected"])
        offline_at = csms.index()
        plug_in_iso(station, "contract")
        station.wait_state(lambda s: s["connectors"][0]["status"] == "Charging"
                           and s["connectors"][0]["id_tag"] == EMAID)
        csms.go_online()
        start = csms.wait_for("StartTransaction", after=offline_at)
        assert start["idTag"] == EMAID
        assert "DataTransfer" not in csms.actions()[after:]
    finally:
        csms.close()
