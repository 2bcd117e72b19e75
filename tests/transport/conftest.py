"""Fixtures of the transport scenarios: a PKI, CSMS instances and stations, all cleaned up."""

from __future__ import annotations

import pytest

from csms16 import Csms
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
