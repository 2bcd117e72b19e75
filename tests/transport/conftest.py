"""Fixtures of the transport scenarios: a PKI, CSMS instances and stations, all cleaned up."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from csms16 import Csms
from headless import REPO, Headless
from pki import Ca
from station import Station


@pytest.fixture
def csms_ca() -> Ca:
    return Ca("Test CSMS Root CA")


@pytest.fixture
def make_csms():
    made: list[Csms] = []

    def make(**kwargs) -> Csms:
        csms = Csms(**kwargs).start()
        made.append(csms)
        return csms

    yield make
    for csms in made:
        csms.close()


@pytest.fixture
def make_station(connect_bin):
    made: list[Station] = []

    def make(*args: str) -> Station:
        station = Station(connect_bin, *args)
        made.append(station)
        return station

    yield make
    for station in made:
        station.stop()


@pytest.fixture(scope="session")
def headless_bin() -> Path:
    """The chargepoint `headless` example: the charge-point core and its tokio driver with idle
    connectors, one JSON line per notable event (built once per session)."""
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "chargepoint", "--example", "headless"],
        cwd=REPO,
        check=True,
        env={**os.environ},
    )
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=REPO, check=True, capture_output=True, text=True,
    )
    path = Path(json.loads(meta.stdout)["target_directory"]) / "debug" / "examples" / "headless"
    assert path.exists(), path
    return path


@pytest.fixture
def make_headless(headless_bin):
    made: list[Headless] = []

    def make(*args: str) -> Headless:
        station = Headless(headless_bin, *args)
        made.append(station)
        return station

    yield make
    for station in made:
        station.stop()
