"""The dev CSMS builds its web UI's forms from the official OCPP 1.6 request schemas of the
actions a central system sends, copied into crates/csms/schemas/v16 (the binary carries them):
they must be byte for byte the PyPI `ocpp` package's, the same files every message type is
checked against (test_ocpp_schemas.py), and there must be one for each such action."""

from __future__ import annotations

from pathlib import Path

import ocpp

V16 = Path(ocpp.__file__).resolve().parent / "v16" / "schemas"
COPIED = Path(__file__).resolve().parent.parent.parent / "crates" / "csms" / "schemas" / "v16"

# The actions a central system sends (OCPP 1.6 edition 2 and the Security whitepaper), and
# DataTransfer, which both sides send.
CSMS_ACTIONS = sorted([
    "CancelReservation", "CertificateSigned", "ChangeAvailability", "ChangeConfiguration",
    "ClearCache", "ClearChargingProfile", "DataTransfer", "DeleteCertificate",
    "ExtendedTriggerMessage", "GetCompositeSchedule", "GetConfiguration", "GetDiagnostics",
    "GetInstalledCertificateIds", "GetLocalListVersion", "GetLog", "InstallCertificate",
    "RemoteStartTransaction", "RemoteStopTransaction", "ReserveNow", "Reset",
    "SendLocalList", "SetChargingProfile", "SignedUpdateFirmware", "TriggerMessage",
    "UnlockConnector", "UpdateFirmware",
])


def test_one_copy_per_csms_action():
    assert sorted(p.stem for p in COPIED.glob("*.json")) == CSMS_ACTIONS


def test_the_copies_are_the_official_schemas():
    for action in CSMS_ACTIONS:
        assert (COPIED / f"{action}.json").read_bytes() == (V16 / f"{action}.json").read_bytes(), action
