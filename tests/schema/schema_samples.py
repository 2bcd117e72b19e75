"""Valid samples and invalid mutations generated from the official OCPP JSON schemas.

The samples exercise every property of a message: `full` sets every optional field (strings at
their maximum length, two elements per array), `minimal` only the required ones, and `variant`
picks which value of every enumeration is used, so that the samples of one schema together use
every value of every enum.

The mutations break one thing at a time and say which violation the charge point must report.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Iterator

DATE_TIME = "2026-11-24T06:00:00.000Z"


def resolve(schema: dict, root: dict) -> dict:
    """Follows a local `$ref` (the OCPP 2.0.1 schemas use `#/definitions/...`)."""
    while "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/definitions/"), ref
        schema = root["definitions"][ref.split("/")[-1]]
    return schema


def enum_count(schema: dict, root: dict, seen: frozenset = frozenset()) -> int:
    """The largest number of values of any enum reachable from `schema`."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return 1
        seen = seen | {schema["$ref"]}
    schema = resolve(schema, root)
    best = len(schema.get("enum", [])) or 1
    for sub in schema.get("properties", {}).values():
        best = max(best, enum_count(sub, root, seen))
    if "items" in schema:
        best = max(best, enum_count(schema["items"], root, seen))
    return best


def sample(schema: dict, root: dict, full: bool, variant: int) -> Any:
    """A value that satisfies `schema`."""
    schema = resolve(schema, root)
    if "enum" in schema:
        values = schema["enum"]
        return values[variant % len(values)]
    kind = schema.get("type")
    if kind == "object":
        required = set(schema.get("required", []))
        out = {}
        for name, sub in schema.get("properties", {}).items():
            if full or name in required:
                out[name] = sample(sub, root, full, variant)
        return out
    if kind == "array":
        lo = schema.get("minItems", 0)
        hi = schema.get("maxItems", 2)
        n = max(lo, min(2, hi)) if full else max(lo, 1)
        return [sample(schema["items"], root, full, variant + i) for i in range(n)]
    if kind == "string":
        if schema.get("format") == "date-time":
            return DATE_TIME
        n = schema.get("maxLength", 11)
        return ("ferrocharge" * (n // 11 + 1))[:n]
    if kind == "integer":
        return max(schema.get("minimum", 0), 3 + variant)
    if kind == "number":
        return 16.5 + variant
    if kind == "boolean":
        return variant % 2 == 0
    raise AssertionError(f"unhandled schema {schema}")


@dataclass
class Mutation:
    """One payload that breaks the schema in exactly one place."""

    description: str
    payload: Any
    violation: str  # the ocpp_types::Violation name expected from the charge point
    code: str  # the CALLERROR code expected


WRONG_TYPE = {
    "string": 12345,
    "integer": "12345",
    "number": "16.5",
    "boolean": "true",
    "object": "object",
    "array": "array",
}


def _set(payload: Any, path: list, value: Any) -> Any:
    out = copy.deepcopy(payload)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def _delete(payload: Any, path: list) -> Any:
    out = copy.deepcopy(payload)
    target = out
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return out


def mutations(schema: dict, root: dict, payload: Any) -> Iterator[Mutation]:
    """Every single-point violation of `schema`, applied to the valid `payload`."""
    yield from _mutate(schema, root, payload, payload, [])


def _name(path: list) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path) or "."


def _mutate(schema, root, whole, value, path) -> Iterator[Mutation]:
    schema = resolve(schema, root)
    kind = schema.get("type")
    if path:
        if kind in WRONG_TYPE:
            yield Mutation(
                f"{_name(path)}: wrong type",
                _set(whole, path, WRONG_TYPE[kind]),
                "WrongType",
                "FormationViolation",
            )
        if "enum" in schema:
            yield Mutation(
                f"{_name(path)}: unknown enum value",
                _set(whole, path, "NotAValueOfThisEnum"),
                "UnknownEnumValue",
                "PropertyConstraintViolation",
            )
        elif kind == "string" and schema.get("format") == "date-time":
            for bad in ("24/11/2026 06:00", "2026-11-24T06:00:00"):
                yield Mutation(
                    f"{_name(path)}: invalid date-time {bad!r}",
                    _set(whole, path, bad),
                    "InvalidDateTime",
                    "FormationViolation",
                )
        elif kind == "string" and "maxLength" in schema:
            yield Mutation(
                f"{_name(path)}: longer than {schema['maxLength']}",
                _set(whole, path, "x" * (schema["maxLength"] + 1)),
                "StringTooLong",
                "FormationViolation",
            )
    if kind == "object":
        if schema.get("additionalProperties") is False:
            yield Mutation(
                f"{_name(path)}: unknown field",
                _set(whole, path + ["ferrochargeUnknownField"], 1),
                "UnknownField",
                "FormationViolation",
            )
        for name in schema.get("required", []):
            yield Mutation(
                f"{_name(path + [name])}: missing",
                _delete(whole, path + [name]),
                "MissingField",
                "FormationViolation",
            )
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                yield from _mutate(sub, root, whole, value[name], path + [name])
    elif kind == "array":
        if schema.get("minItems", 0) >= 1:
            yield Mutation(
                f"{_name(path)}: empty array",
                _set(whole, path, []),
                "Occurrence",
                "OccurenceConstraintViolation",
            )
        if "maxItems" in schema:
            item = value[0]
            yield Mutation(
                f"{_name(path)}: more than {schema['maxItems']} elements",
                _set(whole, path, [item] * (schema["maxItems"] + 1)),
                "Occurrence",
                "OccurenceConstraintViolation",
            )
        if value:
            yield from _mutate(schema["items"], root, whole, value[0], path + [0])
