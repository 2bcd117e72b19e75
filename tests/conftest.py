"""Shared pytest fixtures: building the workspace's binaries once per test session."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def cargo_target_dir() -> Path:
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(json.loads(meta.stdout)["target_directory"])


@pytest.fixture(scope="session")
def roundtrip_bin() -> Path:
    """The ocpp-types `roundtrip` example: decodes and re-encodes one payload a line."""
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "ocpp-types", "--example", "roundtrip"],
        cwd=REPO,
        check=True,
        env={**os.environ},
    )
    path = cargo_target_dir() / "debug" / "examples" / "roundtrip"
    assert path.exists(), path
    return path


@pytest.fixture(scope="session")
def connect_bin() -> Path:
    """The ocpp-ws `connect` example: a charge point's websocket transport (and ocpp-rpc) that
    sends one BootNotification and prints one JSON line per transport event."""
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "ocpp-ws", "--example", "connect"],
        cwd=REPO,
        check=True,
        env={**os.environ},
    )
    path = cargo_target_dir() / "debug" / "examples" / "connect"
    assert path.exists(), path
    return path
