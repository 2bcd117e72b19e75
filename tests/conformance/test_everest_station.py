"""EVerest's own OCPP test station runs unchanged.

everest-core's OCPP test suite starts its SIL station from
tests/ocpp_tests/test_sets/everest-aux/config/everest-config-sil-ocpp.yaml, with the
libocpp-config-test.json beside it (ChargePointId cp001, CentralSystemURI 127.0.0.1:9000/cp001).
This runs that YAML as it is, against a CSMS on the port its OCPP config names, and charges once.

Because the files are used unchanged, the station uses the defaults for everything they do not
set: data_dir /tmp/ferrocharge (user config), DatabasePath /tmp/ocpp_1_6_charge_point, message
logs in /tmp/everest_ocpp_logs, the control API on 127.0.0.1:8849. A transaction left open there
by an earlier run is stopped with PowerLoss at start, and a StopTransaction an earlier run had
not seen answered (the station is stopped as soon as the CSMS has it) is delivered again: that
is the queue doing its job. So that such a replay can never pass for this run's transaction,
the CSMS numbers this run's transactions from a fresh random base.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from ocpp.v16 import call

from conformance_csms import Csms
from conformance_station import REPO, Station

EVEREST_AUX = (REPO.parent / "shared" / "reference" / "everest-core" / "tests" / "ocpp_tests"
               / "test_sets" / "everest-aux" / "config")


def test_everest_test_station_runs_unchanged(ferrocharge_bin, tmp_path: Path):
    yaml = EVEREST_AUX / "everest-config-sil-ocpp.yaml"
    if not yaml.exists():
        pytest.skip(f"EVerest's reference configs are not beside the repository ({EVEREST_AUX})")
    csms = Csms(port=9000, first_transaction_id=random.randint(10_000, 1_000_000_000)).start()
    station = Station(ferrocharge_bin, yaml, "127.0.0.1:8849", tmp_path)
    try:
        boot = csms.wait_for("BootNotification")
        assert csms.paths[0] == "/cp001"
        assert boot["chargePointVendor"] and boot["chargePointModel"]
        station.wait_api()
        after = csms.index()
        # A StartTransaction an earlier run left queued may be replayed now: this run's one is
        # the one stamped after the plug-in (1 s of slack for rounding).
        plugged_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
        station.api("POST", "/connectors/1/plug-in")
        csms.wait_for("StatusNotification",
                      lambda p: p["connectorId"] == 1 and p["status"] == "Preparing", after=after)
        station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
        assert csms.wait_for("Authorize", after=after) == {"idTag": "RFID1"}
        start = csms.wait_for(
            "StartTransaction",
            lambda p: p["idTag"] == "RFID1"
            and dt.datetime.fromisoformat(p["timestamp"].replace("Z", "+00:00")) >= plugged_at,
            after=after)
        assert start["connectorId"] == 1
        tx_id = csms.tx_of(1)
        station.api("POST", "/connectors/1/unplug")
        # Matched by id: StopTransactions an earlier run left queued may come first.
        stop = csms.wait_for("StopTransaction", lambda p: p["transactionId"] == tx_id,
                             after=after)
        assert stop["reason"] == "EVDisconnected"
    finally:
        station.stop()
        csms.close()


def test_everest_cost_and_price_station_runs_unchanged(ferrocharge_bin, tmp_path: Path):
    """everest-core's California Pricing test station (everest-config-ocpp16-costandprice.yaml
    with libocpp-config-costandprice.json beside it, its ErrorHistory module included) runs
    unchanged. A priced session as EVerest's california_pricing_ocpp16.py runs it:
    SetUserPrice before the start, RunningCost, FinalCost; the TerminalCostAndPriceMessage
    module logs them."""
    yaml = EVEREST_AUX / "everest-config-ocpp16-costandprice.yaml"
    if not yaml.exists():
        pytest.skip(f"EVerest's reference configs are not beside the repository ({EVEREST_AUX})")
    (tmp_path / yaml.name).write_text(yaml.read_text())
    (tmp_path / "libocpp-config-costandprice.json").write_text(
        (EVEREST_AUX / "libocpp-config-costandprice.json").read_text())
    csms = Csms(port=9000, first_transaction_id=random.randint(10_000, 1_000_000_000)).start()
    csms.user_prices["RFID_VALID1"] = {
        "idToken": "RFID_VALID1", "priceText": "GBP 0.12/kWh, no idle fee",
        "priceTextExtra": [{"format": "UTF8", "language": "nl",
                            "content": "€0.12/kWh, geen idle fee"}]}
    csms.known_tags.add("RFID_VALID1")
    station = Station(ferrocharge_bin, tmp_path / yaml.name, "127.0.0.1:8849", tmp_path)
    try:
        csms.wait_for("BootNotification")
        station.wait_api()
        after = csms.index()
        plugged_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
        station.api("POST", "/connectors/1/plug-in")
        csms.wait_for("StatusNotification",
                      lambda p: p["connectorId"] == 1 and p["status"] == "Preparing", after=after)
        station.api("POST", "/tokens", {"id_tag": "RFID_VALID1", "connectors": [1]})
        assert csms.wait_for("Authorize", after=after) == {"idTag": "RFID_VALID1"}
        assert csms.wait_for("DataTransfer.conf", after=after) == {"status": "Accepted"}
        csms.wait_for(
            "StartTransaction",
            lambda p: p["idTag"] == "RFID_VALID1"
            and dt.datetime.fromisoformat(p["timestamp"].replace("Z", "+00:00")) >= plugged_at,
            after=after)
        tx_id = csms.tx_of(1)
        state = station.wait_state(lambda s: (s["connectors"][0]["pricing"] or {})
                                   .get("transaction_id") == tx_id)
        assert state["connectors"][0]["pricing"]["text"] == "GBP 0.12/kWh, no idle fee"
        running = {"transactionId": tx_id, "timestamp": dt.datetime.now(dt.timezone.utc)
                   .isoformat(), "meterValue": 1234000, "cost": 1.345, "state": "Charging",
                   "chargingPrice": {"kWhPrice": 0.123, "hourPrice": 2.00, "flatFee": 42.42}}
        assert csms.call(call.DataTransfer(vendor_id="org.openchargealliance.costmsg",
                                           message_id="RunningCost",
                                           data=json.dumps(running)))["status"] == "Accepted"
        station.wait_state(lambda s: s["connectors"][0]["pricing"]["cost"] == 1.345)
        station.api("POST", "/connectors/1/unplug")
        csms.wait_for("StopTransaction", lambda p: p["transactionId"] == tx_id, after=after)
        final = {"transactionId": tx_id, "cost": 3.31, "priceText": "TOTAL GBP 3.31",
                 "qrCodeText": "https://www.cpo.com/invoices/13546"}
        assert csms.call(call.DataTransfer(vendor_id="org.openchargealliance.costmsg",
                                           message_id="FinalCost",
                                           data=json.dumps(final)))["status"] == "Accepted"
        state = station.wait_state(lambda s: s["connectors"][0]["pricing"]["final"])
        assert state["connectors"][0]["pricing"]["cost"] == 3.31
        log = station.log()
        for line in ("Charging price message (en): GBP 0.12/kWh, no idle fee",
                     "Charging price message (nl): €0.12/kWh, geen idle fee",
                     "Session cost until now: 1.345",
                     "Charging price for category Energy: 0.123",
                     "Session cost until now: 3.31",
                     "Charging price message (en): TOTAL GBP 3.31"):
            assert line in log, line
    finally:
        station.stop()
        csms.close()


def test_everest_iso_station_runs_unchanged(ferrocharge_bin, tmp_path: Path):
    """everest-core's ISO 15118 test station (everest-config-sil-iso.yaml with
    libocpp-config-iso-pnc.json beside it: EvseV2G, PyEvJosev and SlacSimulator, Plug&Charge
    on) runs unchanged; an ISO 15118 car paying externally charges with a card, as
    plug_and_charge_tests.py::test_eim_01 runs it there (card first, then
    `plug_in_ac_iso`): no DataTransfer, StartTransaction with the card, Charging."""
    yaml = EVEREST_AUX / "everest-config-sil-iso.yaml"
    if not yaml.exists():
        pytest.skip(f"EVerest's reference configs are not beside the repository ({EVEREST_AUX})")
    (tmp_path / yaml.name).write_text(yaml.read_text())
    (tmp_path / "libocpp-config-iso-pnc.json").write_text(
        (EVEREST_AUX / "libocpp-config-iso-pnc.json").read_text())
    csms = Csms(port=9000, first_transaction_id=random.randint(10_000, 1_000_000_000)).start()
    csms.known_tags.add("RFID_VALID1")
    station = Station(ferrocharge_bin, tmp_path / yaml.name, "127.0.0.1:8849", tmp_path)
    try:
        csms.wait_for("BootNotification")
        station.wait_api()
        after = csms.index()
        started_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
        station.api("POST", "/tokens", {"id_tag": "RFID_VALID1"})
        assert csms.wait_for("Authorize", after=after) == {"idTag": "RFID_VALID1"}
        station.api("POST", "/connectors/1/plug-in",
                    {"mode": "iso_ac", "payment": "externalpayment"})
        start = csms.wait_for(
            "StartTransaction",
            lambda p: p["idTag"] == "RFID_VALID1"
            and dt.datetime.fromisoformat(p["timestamp"].replace("Z", "+00:00")) >= started_at,
            after=after)
        assert start["connectorId"] == 1
        tx_id = csms.tx_of(1)
        csms.wait_for("StatusNotification",
                      lambda p: p["connectorId"] == 1 and p["status"] == "Charging", after=after)
        station.wait_state(lambda s: s["connectors"][0]["car"] == "drawing")
        station.api("POST", "/connectors/1/car-script",
                    {"script": "iso_stop_charging;iso_wait_v2g_session_stopped;unplug",
                     "replace": True})
        stop = csms.wait_for("StopTransaction", lambda p: p["transactionId"] == tx_id,
                             after=after)
        assert stop["reason"] == "EVDisconnected"
        assert "DataTransfer" not in csms.actions()[after:]
    finally:
        station.stop()
        csms.close()


EVEREST_CONFIG = REPO.parent / "shared" / "reference" / "everest-core" / "config"


@pytest.mark.parametrize("name", ["config-sil-ocpp.yaml", "config-sil-ocpp-pnc.yaml"])
def test_everest_sil_configs_run_unchanged(ferrocharge_bin, tmp_path: Path, name: str):
    """everest-core's own SIL station configs, config/config-sil-ocpp.yaml and
    config-sil-ocpp-pnc.yaml (API, EvAPI, ErrorHistory, the ISO 15118 modules; OCPP with
    libocpp's config-docker.json, which the binary ships), load and charge unchanged: a car
    plugged in at EVSE 1 and a card, StartTransaction, Charging, unplug, StopTransaction. The
    CSMS listens where config-docker.json points (SteVe's default URL)."""
    yaml = EVEREST_CONFIG / name
    if not yaml.exists():
        pytest.skip(f"EVerest's reference configs are not beside the repository ({EVEREST_CONFIG})")
    csms = Csms(port=8180, first_transaction_id=random.randint(10_000, 1_000_000_000)).start()
    station = Station(ferrocharge_bin, yaml, "127.0.0.1:8849", tmp_path)
    try:
        csms.wait_for("BootNotification")
        assert csms.paths[0] == "/steve/websocket/CentralSystemService/cp001"
        station.wait_api()
        after = csms.index()
        plugged_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
        station.api("POST", "/connectors/1/plug-in")
        csms.wait_for("StatusNotification",
                      lambda p: p["connectorId"] == 1 and p["status"] == "Preparing", after=after)
        station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
        assert csms.wait_for("Authorize", after=after) == {"idTag": "RFID1"}
        start = csms.wait_for(
            "StartTransaction",
            lambda p: p["idTag"] == "RFID1"
            and dt.datetime.fromisoformat(p["timestamp"].replace("Z", "+00:00")) >= plugged_at,
            after=after)
        assert start["connectorId"] == 1
        tx_id = csms.tx_of(1)
        csms.wait_for("StatusNotification",
                      lambda p: p["connectorId"] == 1 and p["status"] == "Charging", after=after)
        station.api("POST", "/connectors/1/unplug")
        stop = csms.wait_for("StopTransaction", lambda p: p["transactionId"] == tx_id,
                             after=after)
        assert stop["reason"] == "EVDisconnected"
    finally:
        station.stop()
        csms.close()
