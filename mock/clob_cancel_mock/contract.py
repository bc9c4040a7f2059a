"""The contract, read from the spec at start: which operations exist and what bodies they accept.

Validating each request with openapi-core costs far more than the mock's whole throughput budget
(bench/README.md, "Measurements behind the code"), so the request-body schemas are read from the
spec once, their ``$ref``s resolved, and compiled into OpenAPI 3.0 schema validators. The mock holds
no copy of any schema: change the spec and the mock follows.

The spec is read with PyYAML, not openapi-core, whose import alone was most of the mock's start-up
(issue 18). The spec shipped with the package is validated by `make lint`; any
other spec given is validated here with openapi-spec-validator before it is served.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import yaml
from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import OAS30Validator

from clob_cancel.spec import spec_path

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
L2_HEADERS = frozenset(
    {"POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_API_KEY", "POLY_PASSPHRASE"}
)
L1_HEADERS = frozenset({"POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_NONCE"})


class BodyError(ValueError):
    """The request body breaks the contract; the message says what and where."""


@attrs.frozen
class Operation:
    """One operation of the spec, with what the mock needs to serve it."""

    operation_id: str
    method: str  # upper case
    path: str
    auth: str  # "l2", "l1" or "none", from the operation's security requirement
    body_required: bool
    body_schema: dict[str, Any] | None
    validator: Any  # OAS30Validator | None
    max_items: int | None  # the body's maxItems, when it is an array
    string_array: tuple[int, int] | None = None  # see string_array_bounds

    @property
    def has_body(self) -> bool:
        return self.body_schema is not None

    def validate(self, value: Any) -> None:
        """Raise BodyError naming the first violation (best_match) and where it is."""
        if self.string_array is not None and type(value) is list:
            low, high = self.string_array
            if low <= len(value) <= high and all(type(item) is str for item in value):
                return  # what the schema accepts, checked at C speed (DELETE /orders)
        if self.validator is None or self.validator.is_valid(value):
            return  # the common case, without best_match's bookkeeping
        error = best_match(self.validator.iter_errors(value))
        if error is not None:
            raise BodyError(describe(error))


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, for messages read by non-Python users."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


def describe(error: ValidationError) -> str:
    """``body[1]: expected string, got null``: the place, then what was wrong there."""
    where = "body" + "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in error.path)
    if error.validator in ("type", "nullable"):
        expected = error.schema.get("type", "a value") if isinstance(error.schema, dict) else "?"
        return f"{where}: expected {expected}, got {json_type(error.instance)}"
    return f"{where}: {error.message}"


def _resolve(node: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """``node`` with every local ``$ref`` replaced by its target (the spec has no cycles)."""
    if depth > 50:
        raise ValueError("the spec's $refs nest more than 50 deep (a cycle?)")
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#/"):
                raise ValueError(f"only local $refs are supported, got {ref!r}")
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return _resolve(target, root, depth + 1)
        return {key: _resolve(value, root, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item, root, depth + 1) for item in node]
    return node


_ANNOTATIONS = {"description", "example", "title"}


def string_array_bounds(schema: dict[str, Any] | None) -> tuple[int, int] | None:
    """(minItems, maxItems) when ``schema`` (resolved) says only "an array of strings" within
    those bounds, else None. Such a body (DELETE /orders: up to 1000 ids) is accepted with a
    list check instead of jsonschema's walk of every item, most of the mock's time on a big
    cancel (20 requests of 500 ids, client included: 0.42 s with the walk, 0.14 s without);
    anything else, and every body the fast check does not accept, goes to the validator."""
    if not schema or schema.get("type") != "array":
        return None
    items = schema.get("items")
    if set(schema) - _ANNOTATIONS - {"type", "items", "minItems", "maxItems"}:
        return None
    if not isinstance(items, dict) or items.get("type") != "string":
        return None
    if set(items) - _ANNOTATIONS - {"type"}:
        return None
    return int(schema.get("minItems", 0)), int(schema.get("maxItems", 2**63))


def _auth_kind(security: list[dict[str, Any]], schemes: dict[str, Any]) -> str:
    if not security:
        return "none"
    names = {schemes[name]["name"] for requirement in security for name in requirement}
    if names >= L2_HEADERS:
        return "l2"
    if names >= L1_HEADERS:
        return "l1"
    raise ValueError(f"unknown security requirement {security!r}")


@attrs.frozen
class Contract:
    """The operations of the spec, by (METHOD, path)."""

    operations: dict[tuple[str, str], Operation]
    source: Path

    @classmethod
    def load(cls, path: Path | None = None) -> Contract:
        shipped = spec_path()
        path = shipped if path is None else path
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
        root: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        if path.resolve() != shipped.resolve():
            from openapi_spec_validator import validate

            validate(root)  # raises naming what is wrong; the shipped spec passed `make lint`
        schemes = root.get("components", {}).get("securitySchemes", {})
        operations: dict[tuple[str, str], Operation] = {}
        for route, item in root["paths"].items():
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                raw = _resolve(item[method], root)
                schema = None
                body = raw.get("requestBody")
                if body is not None:
                    schema = body["content"]["application/json"]["schema"]
                operations[(method.upper(), route)] = Operation(
                    operation_id=raw["operationId"],
                    method=method.upper(),
                    path=route,
                    auth=_auth_kind(raw.get("security", root.get("security", [])), schemes),
                    body_required=bool(body and body.get("required")),
                    body_schema=schema,
                    validator=None if schema is None else OAS30Validator(schema),
                    max_items=schema.get("maxItems") if schema else None,
                    string_array=string_array_bounds(schema),
                )
        return cls(operations, path)

    def paths(self) -> Iterator[tuple[str, list[Operation]]]:
        """Each path with its operations, in spec order."""
        by_path: dict[str, list[Operation]] = {}
        for operation in self.operations.values():
            by_path.setdefault(operation.path, []).append(operation)
        yield from by_path.items()

    def by_id(self, operation_id: str) -> Operation:
        for operation in self.operations.values():
            if operation.operation_id == operation_id:
                return operation
        raise KeyError(operation_id)
