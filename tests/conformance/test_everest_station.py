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
import random
from pathlib import Path

import pytest

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
