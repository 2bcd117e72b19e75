"""Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/ (seed-*.txt): valid
frames and payloads of every action the CSMS may send (sampled from the official OCPP 1.6
schemas of the PyPI `ocpp` package, as tests/schema does), the shipped configs, and one valid
request per control-API route. Inputs the fuzzer finds are kept beside them (scripts/fuzz).

    .venv/bin/python fuzz/seeds.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import ocpp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "schema"))
from schema_samples import sample  # noqa: E402

SCHEMAS = Path(ocpp.__file__).parent / "v16" / "schemas"
CORPUS = ROOT / "fuzz" / "corpus"

# The actions a central system sends (the charge point receives their CALL).
CSMS_ACTIONS = [
    "CancelReservation", "CertificateSigned", "ChangeAvailability", "ChangeConfiguration",
    "ClearCache", "ClearChargingProfile", "DataTransfer", "DeleteCertificate",
    "ExtendedTriggerMessage", "GetCompositeSchedule", "GetConfiguration", "GetDiagnostics",
    "GetInstalledCertificateIds", "GetLocalListVersion", "GetLog", "InstallCertificate",
    "RemoteStartTransaction", "RemoteStopTransaction", "ReserveNow", "Reset",
    "SendLocalList", "SetChargingProfile", "SignedUpdateFirmware", "TriggerMessage",
    "UnlockConnector", "UpdateFirmware",
]


def payloads(action: str) -> list[dict]:
    path = SCHEMAS / f"{action}.json"
    if not path.exists():
        return []
    schema = json.loads(path.read_text())
    return [sample(schema, schema, full, variant)
            for full in (False, True) for variant in (0, 1)]


def write(target: str, name: str, data: str) -> None:
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"seed-{name}.txt").write_text(data)


def cost_and_price_frames() -> list[str]:
    """California Pricing as a CSMS sends it (the DataTransfers of
    org.openchargealliance.costmsg, good and broken) and its configuration keys."""
    vendor = "org.openchargealliance.costmsg"
    running = {"transactionId": 1, "timestamp": "2026-11-24T06:00:00Z", "meterValue": 1,
               "cost": 1.5, "state": "Idle",
               "triggerMeterValue": {"atTime": "2026-11-24T06:00:05Z", "atEnergykWh": 1,
                                     "atPowerkW": 2, "atCPStatus": ["Finishing"]}}
    calls = [
        ("DataTransfer", {"vendorId": vendor, "messageId": "SetUserPrice", "data": json.dumps(
            {"idToken": "RFID1", "priceText": "0.30/kWh", "priceTextExtra": [
                {"format": "UTF8", "language": "de", "content": "0,30/kWh"}]})}),
        ("DataTransfer", {"vendorId": vendor, "messageId": "RunningCost",
                          "data": json.dumps(running)}),
        ("DataTransfer", {"vendorId": vendor, "messageId": "FinalCost", "data": json.dumps(
            {"transactionId": "1", "cost": 3.3, "priceText": "3.30", "qrCodeText": "https://x"})}),
        ("DataTransfer", {"vendorId": vendor, "messageId": "RunningCost", "data": "{not json"}),
        ("DataTransfer", {"vendorId": vendor, "messageId": "SetTariff", "data": "{}"}),
        ("DataTransfer", {"vendorId": vendor}),
        ("ChangeConfiguration", {"key": "DefaultPriceText,de",
                                 "value": json.dumps({"priceText": "0,40/kWh"})}),
        ("ChangeConfiguration", {"key": "NextTimeOffsetTransitionDateTime",
                                 "value": "2026-11-24T06:00:03Z"}),
        ("ChangeConfiguration", {"key": "TimeOffsetNextTransition", "value": "-07:00"}),
        ("GetConfiguration", {"key": ["DefaultPriceText,fr", "TimeOffset"]}),
    ]
    return [json.dumps([2, f"price-{i}", action, payload], separators=(",", ":"))
            for i, (action, payload) in enumerate(calls)]


def main() -> None:
    frames = []
    for action in CSMS_ACTIONS:
        for i, payload in enumerate(payloads(action)):
            text = json.dumps(payload, separators=(",", ":"))
            write("csms_payload", f"{action}-{i}", f"{action}\n{text}")
            frame = json.dumps([2, f"{action[:20]}-{i}", action, payload], separators=(",", ":"))
            write("frame", f"{action}-{i}", frame)
            frames.append(frame)
    # Answers and errors the central system sends too.
    write("frame", "callresult", '[3,"boot-1",{"status":"Accepted","currentTime":"2026-11-24T06:00:00Z","interval":300}]')
    write("frame", "callerror", '[4,"boot-1","InternalError","",{}]')
    write("frame", "not-an-array", '{"hello":"world"}')
    # Sessions of several CALLs for the core, a few actions at a time.
    for i in range(0, len(frames), 4):
        write("core", f"session-{i // 4}", "\n".join(frames[i:i + 4]))
    write("core", "all", "\n".join(frames))
    write("core", "cost-and-price", "\n".join(cost_and_price_frames()))

    config = ROOT / "config"
    for yaml in sorted(config.glob("*.yaml")):
        write("station_yaml", yaml.stem, yaml.read_text())
    write("ocpp_config", "shipped", (config / "ocpp-config.json").read_text())

    requests = {
        "plug-in": ("POST /api/v1/connectors/1/plug-in", '{"max_current_a":16,"phases":3,"mode":"basic"}'),
        "unplug": ("POST /api/v1/connectors/1/unplug", ""),
        "ev-pause": ("POST /api/v1/connectors/1/ev-pause", ""),
        "car-script": ("POST /api/v1/connectors/1/car-script", '{"script":"sleep 1;iec_wait_pwr_ready;draw_power_regulated 16,3","replace":true}'),
        "errors": ("POST /api/v1/connectors/1/errors", '{"type":"ac_rcd/DC","raise":true}'),
        "meter": ("POST /api/v1/connectors/1/meter", '{"energy_wh":1234.5,"power_w":11000}'),
        "stop-transaction": ("POST /api/v1/connectors/1/stop-transaction", '{"reason":"EmergencyStop"}'),
        "tokens": ("POST /api/v1/tokens", '{"id_tag":"RFID1","connectors":[1,2],"prevalidated":false}'),
        "security-events": ("POST /api/v1/security-events", '{"type":"TamperDetectionActivated","tech_info":"enclosure opened"}'),
        "display": ("POST /api/v1/display-messages", '{"messages":[{"message":{"content":"hi"},"priority":"AlwaysFront"}]}'),
        "state": ("GET /api/v1/state", ""),
        "frames": ("GET /api/v1/frames", ""),
    }
    for name, (head, body) in requests.items():
        write("control_api", name, f"{head}\n{body}")


if __name__ == "__main__":
    main()
