"""Every OCPP 1.6J message type against the official JSON schemas of the PyPI `ocpp` package.

- Every one of the 78 OCPP 1.6 schemas (39 actions, request and response) has a Rust type.
- Valid samples with all optional fields set and with none, cycling through every enum value,
  decode and encode again unchanged, and the encoded JSON validates against the schema.
- Every single-point violation of a schema (missing required field, wrong type, string over its
  maximum length, unknown enum value, unknown field, invalid date-time, too few / too many array
  elements) is refused with the CALLERROR code of the table in ocpp-types' crate docs.
- The same for the Plug&Charge DataTransfer payloads against the OCPP 2.0.1 schemas they are
  defined by.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

import jsonschema
import ocpp
import pytest

from schema_samples import enum_count, mutations, sample

OCPP_PKG = Path(ocpp.__file__).resolve().parent
V16 = OCPP_PKG / "v16" / "schemas"
V201 = OCPP_PKG / "v201" / "schemas"

# The ISO 15118 messages carried in DataTransfer by the 1.6 Plug&Charge whitepaper.
PNC_MESSAGES = [
    "Authorize",
    "GetCertificateStatus",
    "Get15118EVCertificate",
    "SignCertificate",
    "CertificateSigned",
    "InstallCertificate",
    "DeleteCertificate",
    "GetInstalledCertificateIds",
    "TriggerMessage",
]


def load(path: Path) -> dict:
    return json.loads(path.read_text(), parse_float=Decimal)


def as_decimal(value):
    """Re-reads JSON with decimals, as the `ocpp` package validates 1.6 payloads."""
    return json.loads(json.dumps(value, default=str), parse_float=Decimal)


def v16_cases():
    for path in sorted(V16.glob("*.json")):
        name = path.stem
        if name.endswith("Response"):
            yield pytest.param(name[: -len("Response")], "response", path, id=name)
        else:
            yield pytest.param(name, "request", path, id=name)


def pnc_cases():
    for name in PNC_MESSAGES:
        for kind, suffix in (("request", "Request"), ("response", "Response")):
            path = V201 / f"{name}{suffix}.json"
            yield pytest.param(name, kind, path, id=f"pnc-{name}{suffix}")


def run(binary: Path, lines: list[dict]) -> list[dict]:
    """The answers of `roundtrip` to `lines`, checking its exit code: 0 when it accepted every
    payload, 1 when it refused at least one, 2 when an input line was unusable."""
    text = "".join(json.dumps(line, default=str) + "\n" for line in lines)
    proc = subprocess.run([str(binary)], input=text, capture_output=True, text=True)
    out = proc.stdout.splitlines()
    assert len(out) == len(lines), (proc.returncode, proc.stderr, out[-3:])
    answers = [json.loads(line, parse_float=Decimal) for line in out]
    if any("fatal" in a for a in answers):
        expected = 2
    elif any("error" in a for a in answers):
        expected = 1
    else:
        expected = 0
    assert proc.returncode == expected, (proc.returncode, proc.stderr)
    return answers


def validator_for(schema: dict):
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def samples_of(schema: dict) -> list:
    out = [sample(schema, schema, full=False, variant=0)]
    for variant in range(enum_count(schema, schema)):
        out.append(sample(schema, schema, full=True, variant=variant))
    return out


def check_valid_samples(binary, key, name, kind, schema):
    validator = validator_for(schema)
    payloads = samples_of(schema)
    for p in payloads:
        validator.validate(as_decimal(p))  # the generator itself makes valid payloads
    answers = run(binary, [{key: name, "kind": kind, "payload": p} for p in payloads])
    for payload, answer in zip(payloads, answers):
        assert "ok" in answer, f"{name} {kind} refused a valid payload: {answer}\n{payload}"
        errors = [e.message for e in validator.iter_errors(answer["ok"])]
        assert not errors, f"{name} {kind} encoded invalid JSON: {errors}"
        assert answer["ok"] == as_decimal(payload), f"{name} {kind} did not round-trip"


def check_invalid_payloads(binary, key, name, kind, schema):
    validator = validator_for(schema)
    base = sample(schema, schema, full=True, variant=0)
    cases = list(mutations(schema, schema, base))
    assert cases, "every schema has at least one way to be broken"
    for case in cases:
        assert not validator.is_valid(as_decimal(case.payload)), (
            f"mutation is valid per the schema: {case.description}"
        )
    answers = run(binary, [{key: name, "kind": kind, "payload": c.payload} for c in cases])
    wrong = []
    for case, answer in zip(cases, answers):
        got = answer.get("error")
        if got is None or (got["code"], got["violation"]) != (case.code, case.violation):
            wrong.append(f"{case.description}: want {case.code}/{case.violation}, got {answer}")
    assert not wrong, f"{name} {kind}:\n" + "\n".join(wrong)


def test_all_78_schemas_are_present():
    assert len(list(V16.glob("*.json"))) == 78


@pytest.mark.parametrize("action,kind,path", list(v16_cases()))
def test_v16_valid_samples_round_trip(roundtrip_bin, action, kind, path):
    check_valid_samples(roundtrip_bin, "action", action, kind, load(path))


@pytest.mark.parametrize("action,kind,path", list(v16_cases()))
def test_v16_invalid_payloads_get_their_callerror(roundtrip_bin, action, kind, path):
    check_invalid_payloads(roundtrip_bin, "action", action, kind, load(path))


@pytest.mark.parametrize("name,kind,path", list(pnc_cases()))
def test_pnc_valid_samples_round_trip(roundtrip_bin, name, kind, path):
    check_valid_samples(roundtrip_bin, "pnc", name, kind, load(path))


@pytest.mark.parametrize("name,kind,path", list(pnc_cases()))
def test_pnc_invalid_payloads_get_their_callerror(roundtrip_bin, name, kind, path):
    check_invalid_payloads(roundtrip_bin, "pnc", name, kind, load(path))


@pytest.mark.parametrize("payload", [[], "text", 1, None])
def test_payload_that_is_not_an_object_is_a_formation_violation(roundtrip_bin, payload):
    [answer] = run(roundtrip_bin, [{"action": "Heartbeat", "kind": "request", "payload": payload}])
    assert answer["error"]["code"] == "FormationViolation", answer
