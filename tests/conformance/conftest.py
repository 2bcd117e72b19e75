"""Fixtures of the conformance scenarios: the station binary (built once per session), a CSMS
per test and stations started from generated configs, always stopped at teardown."""

from __future__ import annotations

import json
import logging
import os
import subprocess
from pathlib import Path

import pytest

from conformance_csms import Csms
from file_servers import FtpServer, HttpServer
from conformance_station import REPO, Station, write_config


@pytest.fixture(scope="session")
def ferrocharge_bin() -> Path:
    """The station binary: built once per session (debug), or FERROCHARGE_BIN if set (a binary
    built beforehand, e.g. while the tree is being edited)."""
    if os.environ.get("FERROCHARGE_BIN"):
        path = Path(os.environ["FERROCHARGE_BIN"])
        assert path.exists(), path
        return path
    subprocess.run(["cargo", "build", "--quiet", "-p", "ferrocharge"], cwd=REPO, check=True,
                   env={**os.environ})
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=REPO,
                          check=True, capture_output=True, text=True)
    path = Path(json.loads(meta.stdout)["target_directory"]) / "debug" / "ferrocharge"
    assert path.exists(), path
    return path


@pytest.fixture
def csms():
    server = Csms().start()
    yield server
    server.close()


@pytest.fixture
def make_station(ferrocharge_bin, csms, tmp_path):
    made: list[Station] = []

    def make(yaml_name: str = "config-sil-one-evse.yaml", wait: bool = True,
             rust_log: str = "info", **kwargs) -> Station:
        dir = tmp_path / f"station{len(made)}"
        dir.mkdir()
        config, api = write_config(dir, csms.uri(), yaml_name, **kwargs)
        station = Station(ferrocharge_bin, config, api, dir, rust_log=rust_log)
        made.append(station)
        if wait:
            station.wait_api()
        return station

    yield make
    for station in made:
        station.stop()


@pytest.fixture
def ftp(tmp_path):
    logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
    root = tmp_path / "ftp"
    root.mkdir()
    server = FtpServer(root)
    yield server
    server.close()


@pytest.fixture
def http_server(tmp_path):
    root = tmp_path / "http"
    root.mkdir()
    server = HttpServer(root)
    yield server
    server.close()
