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

    def make(csms: Csms, overrides: dict | None = None, pki: bool = True) -> tuple[Station, Path]:
        dir = tmp_path / f"station{len(made)}"
        dir.mkdir()
        ocpp = json.loads(json.dumps(PNC))
        for section, values in (overrides or {}).items():
            ocpp.setdefault(section, {}).update(values)
        config, api = write_config(dir, csms.uri(), "config-sil-pnc.yaml", ocpp_overrides=ocpp)
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
    authorization and charging; the contract installation is not simulated): the contract goes
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
