"""Compare two OpenAPI documents (3.0 or 3.1) operation by operation and classify every difference.

`compare(old, new)` reads the change from `old` to `new`. Each difference says who it breaks:

- CLIENTS: a client written against `old` may now send what `new` refuses, or may expect what
  `new` no longer promises (a request narrowed, a response field removed or retyped).
- SERVERS: a server written against `old` no longer honours `new` (a response field made
  required, a response limit narrowed).
- None: compatible (an optional request field added, a request limit widened, a description).

The rule for a schema follows from the direction: a request schema that accepts less breaks
clients and one that accepts more is compatible (the server changed its own acceptance); a
response schema that allows less breaks servers and one that allows more breaks clients (they may
now get what they do not expect). A type change breaks clients either way. Anything this checker
has no rule for is reported as breaking both ("unclassified"), so that nothing slips through
silently; add a rule when that happens.

The constructs covered are the ones an operation of a cancel API uses: paths and methods,
parameters, security requirements (compared by the headers they put on the wire, not by scheme
names), request bodies, responses, their headers and media types, and JSON schemas (type, format,
nullable, enum/const, numeric and size limits, pattern, properties, required,
additionalProperties, items, anyOf/oneOf/allOf), with local `$ref`s resolved.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any, Literal

CLIENTS = "clients"
SERVERS = "servers"
BOTH = "clients and servers"

Direction = Literal["request", "response"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Keys that describe and never constrain: a change is compatible (spec-diff prints it; drift
# skips it, since two documents written apart always word things differently).
ANNOTATIONS = frozenset(
    {"description", "summary", "title", "example", "examples", "externalDocs", "default", "tags"}
)
# Upper bounds: lower (or newly present) accepts less. Lower bounds: the reverse.
UPPER_BOUNDS = ("maxItems", "maxLength", "maxProperties", "maximum")
LOWER_BOUNDS = ("minItems", "minLength", "minProperties", "minimum")
SCHEMA_KEYS_WITH_RULES = frozenset(
    {
        "type",
        "nullable",
        "format",
        "enum",
        "const",
        "pattern",
        "uniqueItems",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
        "oneOf",
        "allOf",
        "$ref",
        "readOnly",
        "writeOnly",
        "deprecated",
        *UPPER_BOUNDS,
        *LOWER_BOUNDS,
    }
)


@dataclasses.dataclass(frozen=True)
class Change:
    """One difference: where (operation, JSON path), the two values, and whom it breaks."""

    operation: str  # "DELETE /orders"; "" for the document itself
    path: str  # where in the operation, e.g. "requestBody.content.application/json.schema.maxItems"
    before: Any
    after: Any
    breaks: str | None  # CLIENTS, SERVERS, BOTH or None (compatible)
    why: str

    def render(self, before_label: str = "before", after_label: str = "after") -> str:
        who = f"breaks {self.breaks}" if self.breaks else "compatible"
        where = "  ".join(part for part in (self.operation, self.path) if part)
        return (
            f"{where}: {before_label} {_show(self.before)} -> {after_label} {_show(self.after)}"
            f"  [{who}: {self.why}]"
        )


_ABSENT = "(absent)"


def _show(value: Any) -> str:
    if value is None:
        return _ABSENT
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _narrowed(direction: Direction) -> str:
    """Who breaks when the set of valid instances shrinks."""
    return CLIENTS if direction == "request" else SERVERS


def _widened(direction: Direction) -> str | None:
    """Who breaks when the set of valid instances grows."""
    return None if direction == "request" else CLIENTS


def operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every operation as "METHOD /path" -> the operation, with path-level parameters merged in."""
    found: dict[str, dict[str, Any]] = {}
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters") or []
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                merged = dict(op)
                if shared:
                    merged["parameters"] = [*shared, *(op.get("parameters") or [])]
                found[f"{method.upper()} {path}"] = merged
    return found


class _Differ:
    def __init__(self, old: dict[str, Any], new: dict[str, Any], *, drift: bool) -> None:
        """``drift``: two documents written apart (compare_common): only the operations both
        describe, without wording or document-internal names; else a spec's own change."""
        self.old_doc = old
        self.new_doc = new
        self.drift = drift
        self.changes: list[Change] = []
        self.op = ""

    # -- plumbing -----------------------------------------------------------------------------

    def add(self, path: str, before: Any, after: Any, breaks: str | None, why: str) -> None:
        self.changes.append(Change(self.op, path, before, after, breaks, why))

    @staticmethod
    def _deref(doc: dict[str, Any], node: Any) -> tuple[Any, str | None]:
        """Follow local $refs; returns the node and the last ref followed (for cycle guards)."""
        ref = None
        for _ in range(50):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node, ref
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $refs are supported, got {ref!r}")
            target: Any = doc
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        raise ValueError(f"$ref chain too long at {ref!r}")

    def old(self, node: Any) -> Any:
        return self._deref(self.old_doc, node)[0]

    def new(self, node: Any) -> Any:
        return self._deref(self.new_doc, node)[0]

    def annotation(self, path: str, before: Any, after: Any) -> None:
        if not self.drift and before != after:
            self.add(path, before, after, None, "documentation only")

    # -- operations ---------------------------------------------------------------------------

    def compare(self) -> list[Change]:
        old_ops, new_ops = operations(self.old_doc), operations(self.new_doc)
        for name in sorted(old_ops.keys() | new_ops.keys()):
            self.op = name
            if name not in new_ops:
                if not self.drift:
                    self.add("", "present", None, CLIENTS, "operation removed")
            elif name not in old_ops:
                if not self.drift:
                    self.add("", None, "present", None, "operation added")
            else:
                self.operation(old_ops[name], new_ops[name])
        return self.changes

    def operation(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        if not self.drift and old.get("operationId") != new.get("operationId"):
            self.add(
                "operationId",
                old.get("operationId"),
                new.get("operationId"),
                CLIENTS,
                "the generated function's name changes",
            )
        for key in ("summary", "description", "tags"):
            self.annotation(key, old.get(key), new.get(key))
        if bool(old.get("deprecated")) != bool(new.get("deprecated")):
            self.add("deprecated", old.get("deprecated"), new.get("deprecated"), None, "a notice")
        self.parameters(old.get("parameters") or [], new.get("parameters") or [])
        self.security(old, new)
        self.request_body(old.get("requestBody"), new.get("requestBody"))
        self.responses(old.get("responses") or {}, new.get("responses") or {})
        handled = {
            "operationId",
            "summary",
            "description",
            "tags",
            "deprecated",
            "parameters",
            "security",
            "requestBody",
            "responses",
            "externalDocs",
            "servers",
        }
        for key in sorted((old.keys() | new.keys()) - handled):
            if old.get(key) != new.get(key) and not key.startswith("x-"):
                self.add(key, old.get(key), new.get(key), BOTH, "unclassified: no rule for it")

    def parameters(self, old_list: list[Any], new_list: list[Any]) -> None:
        def keyed(params: list[Any], deref: Any) -> dict[str, dict[str, Any]]:
            out = {}
            for raw in params:
                p = deref(raw)
                name = p["name"].lower() if p.get("in") == "header" else p["name"]
                out[f"{p.get('in')}:{name}"] = p
            return out

        old, new = keyed(old_list, self.old), keyed(new_list, self.new)
        for key in sorted(old.keys() | new.keys()):
            where = f"parameters[{key}]"
            o, n = old.get(key), new.get(key)
            if n is None:
                self.add(where, "present", None, CLIENTS, "parameter removed")
            elif o is None:
                if n.get("required"):
                    self.add(where, None, "required", CLIENTS, "new required parameter")
                else:
                    self.add(where, None, "optional", None, "new optional parameter")
            else:
                self.required_flag(
                    f"{where}.required", o.get("required"), n.get("required"), "request"
                )
                self.annotation(f"{where}.description", o.get("description"), n.get("description"))
                self.schema(f"{where}.schema", o.get("schema"), n.get("schema"), "request", set())

    def security(self, old_op: dict[str, Any], new_op: dict[str, Any]) -> None:
        """Compare what a client must put on the wire: each alternative as its set of headers."""
        old = self._security_alternatives(self.old_doc, old_op)
        new = self._security_alternatives(self.new_doc, new_op)
        if old == new:
            return
        show_old = [sorted(a) for a in sorted(old, key=sorted)]
        show_new = [sorted(a) for a in sorted(new, key=sorted)]
        # A client sending an old alternative is served if some new alternative needs no more.
        clients_break = any(not any(n <= o for n in new) for o in old)
        # A server checking an old alternative still sees all it checks in each new one.
        servers_break = any(not any(o <= n for o in old) for n in new)
        who = BOTH if clients_break and servers_break else CLIENTS if clients_break else None
        if who is None and servers_break:
            who = SERVERS
        why = {
            CLIENTS: "a client must send credentials it did not have to",
            SERVERS: "a server no longer receives credentials it checked",
            BOTH: "the required credentials changed",
            None: "fewer or other equivalent credentials",
        }[who]
        self.add("security", show_old, show_new, who, why)

    def _security_alternatives(
        self, doc: dict[str, Any], op: dict[str, Any]
    ) -> set[frozenset[str]]:
        requirements = op["security"] if "security" in op else doc.get("security") or []
        schemes = (doc.get("components") or {}).get("securitySchemes") or {}
        alternatives = set()
        for requirement in requirements:
            wire = set()
            for name in requirement:
                scheme, _ = self._deref(doc, schemes.get(name, {}))
                kind = scheme.get("type")
                if kind == "apiKey":
                    where = scheme.get("in")
                    key = scheme.get("name", "")
                    wire.add(f"{where} {key.upper() if where == 'header' else key}")
                elif kind == "http":
                    wire.add(f"header AUTHORIZATION ({scheme.get('scheme')})")
                else:
                    wire.add(f"{kind} {name}")
            alternatives.add(frozenset(wire))
        return alternatives

    def request_body(self, old_raw: Any, new_raw: Any) -> None:
        old, new = self.old(old_raw), self.new(new_raw)
        if old is None and new is None:
            return
        if new is None:
            self.add("requestBody", "present", None, CLIENTS, "request body removed")
            return
        if old is None:
            if new.get("required"):
                self.add("requestBody", None, "required", CLIENTS, "new required body")
            else:
                self.add("requestBody", None, "optional", None, "new optional body")
            return
        self.required_flag(
            "requestBody.required", old.get("required"), new.get("required"), "request"
        )
        self.annotation("requestBody.description", old.get("description"), new.get("description"))
        self.content("requestBody.content", old.get("content"), new.get("content"), "request")

    def content(self, where: str, old: Any, new: Any, direction: Direction) -> None:
        old, new = old or {}, new or {}
        for media in sorted(old.keys() | new.keys()):
            path = f"{where}.{media}"
            if media not in new:
                self.add(path, "present", None, CLIENTS, "media type removed")
            elif media not in old:
                who = _widened(direction)
                why = "a server may answer in a form clients do not read" if who else "added"
                self.add(path, None, "present", who, why)
            else:
                o, n = old[media] or {}, new[media] or {}
                self.annotation(f"{path}.example", o.get("example"), n.get("example"))
                self.annotation(f"{path}.examples", o.get("examples"), n.get("examples"))
                self.schema(f"{path}.schema", o.get("schema"), n.get("schema"), direction, set())

    def responses(self, old: dict[Any, Any], new: dict[Any, Any]) -> None:
        old = {str(k): v for k, v in old.items()}
        new = {str(k): v for k, v in new.items()}
        for status in sorted(old.keys() | new.keys()):
            where = f"responses.{status}"
            success = status.startswith("2")
            if status not in new:
                if success:
                    self.add(where, "present", None, CLIENTS, "a success answer gone")
                else:
                    self.add(where, "present", None, None, "an error answer no longer documented")
            elif status not in old:
                if success:
                    self.add(where, None, "present", CLIENTS, "a new success answer")
                else:
                    self.add(where, None, "present", None, "an error answer documented")
            else:
                self.response(where, self.old(old[status]), self.new(new[status]))

    def response(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.annotation(f"{where}.description", old.get("description"), new.get("description"))
        old_headers = {k.lower(): v for k, v in (old.get("headers") or {}).items()}
        new_headers = {k.lower(): v for k, v in (new.get("headers") or {}).items()}
        for name in sorted(old_headers.keys() | new_headers.keys()):
            path = f"{where}.headers.{name}"
            o, n = self.old(old_headers.get(name)), self.new(new_headers.get(name))
            if n is None:
                if o.get("required"):
                    self.add(path, "required", None, CLIENTS, "a required header is gone")
                else:
                    self.add(path, "optional", None, None, "an optional header is gone")
            elif o is None:
                if n.get("required"):
                    self.add(path, None, "required", SERVERS, "servers must send a new header")
                else:
                    self.add(path, None, "optional", None, "a new optional header")
            else:
                self.required_flag(
                    f"{path}.required", o.get("required"), n.get("required"), "response"
                )
                self.schema(f"{path}.schema", o.get("schema"), n.get("schema"), "response", set())
        self.content(f"{where}.content", old.get("content"), new.get("content"), "response")

    def required_flag(self, path: str, old: Any, new: Any, direction: Direction) -> None:
        if bool(old) == bool(new):
            return
        if new:
            self.add(path, bool(old), True, _narrowed(direction), "now required")
        else:
            self.add(path, bool(old), False, _widened(direction), "no longer required")

    # -- schemas ------------------------------------------------------------------------------

    def schema(
        self,
        where: str,
        old_raw: Any,
        new_raw: Any,
        direction: Direction,
        seen: set[tuple[str | None, str | None]],
    ) -> None:
        old, old_ref = self._deref(self.old_doc, old_raw)
        new, new_ref = self._deref(self.new_doc, new_raw)
        if old_ref or new_ref:
            if (old_ref, new_ref) in seen:
                return  # a recursive schema: compared already on this branch
            seen = seen | {(old_ref, new_ref)}
        if old is None and new is None:
            return
        if old is None or new is None:
            if new is None:
                self.add(where, "present", None, _widened(direction), "schema removed")
            else:
                self.add(where, None, "present", _narrowed(direction), "schema added")
            return
        if old is True or new is True or old is False or new is False:
            if old != new:
                self.add(where, old, new, BOTH, "unclassified: boolean schema")
            return
        self._type(where, old, new, direction)
        self._format(where, old, new, direction)
        self._enum(where, old, new, direction)
        self._bounds(where, old, new, direction)
        self._flags(where, old, new, direction)
        self._object(where, old, new, direction, seen)
        if "items" in old or "items" in new:
            self.schema(f"{where}.items", old.get("items"), new.get("items"), direction, seen)
        for key in ("anyOf", "oneOf", "allOf"):
            self._composition(where, key, old.get(key), new.get(key), direction, seen)
        for key in sorted(ANNOTATIONS & (old.keys() | new.keys())):
            self.annotation(f"{where}.{key}", old.get(key), new.get(key))
        for key in sorted((old.keys() | new.keys()) - SCHEMA_KEYS_WITH_RULES - ANNOTATIONS):
            if key.startswith("x-") or old.get(key) == new.get(key):
                continue
            if not self.drift:
                self.add(f"{where}.{key}", old.get(key), new.get(key), BOTH, "unclassified")
            else:
                self.add(f"{where}.{key}", old.get(key), new.get(key), None, "unclassified")

    @staticmethod
    def _types(schema: dict[str, Any]) -> frozenset[str] | None:
        """The JSON types a schema allows, 3.0 `nullable` and 3.1 type lists alike."""
        raw = schema.get("type")
        if raw is None:
            return None
        types = set(raw) if isinstance(raw, list) else {raw}
        if schema.get("nullable") is True:
            types.add("null")
        if "number" in types:
            types.add("integer")
        return frozenset(types)

    def _type(self, where: str, old: dict[str, Any], new: dict[str, Any], d: Direction) -> None:
        o, n = self._types(old), self._types(new)
        if o == n:
            return
        before, after = (sorted(o) if o else None), (sorted(n) if n else None)
        if o is not None and n is not None and not (n < o or n > o):
            self.add(f"{where}.type", before, after, CLIENTS, "type changed")
        elif o is None or (n is not None and n < o):
            self.add(f"{where}.type", before, after, _narrowed(d), "accepts fewer types")
        else:
            self.add(f"{where}.type", before, after, _widened(d), "accepts more types")

    def _format(self, where: str, old: dict[str, Any], new: dict[str, Any], d: Direction) -> None:
        o, n = old.get("format"), new.get("format")
        if o == n:
            return
        if o is None:
            self.add(f"{where}.format", o, n, _narrowed(d), "format added")
        elif n is None:
            self.add(f"{where}.format", o, n, _widened(d), "format removed")
        else:
            self.add(f"{where}.format", o, n, CLIENTS, "format changed")

    @staticmethod
    def _enum_values(schema: dict[str, Any]) -> list[Any] | None:
        if "const" in schema:
            return [schema["const"]]
        values = schema.get("enum")
        return list(values) if isinstance(values, list) else None

    def _enum(self, where: str, old: dict[str, Any], new: dict[str, Any], d: Direction) -> None:
        o, n = self._enum_values(old), self._enum_values(new)
        if o == n:
            return
        path = f"{where}.enum"
        if n is None:
            self.add(path, o, n, _widened(d), "enum removed: any value allowed")
        elif o is None:
            self.add(path, o, n, _narrowed(d), "enum added: only these values allowed")
        else:
            removed = [v for v in o if v not in n]
            added = [v for v in n if v not in o]
            if removed:
                self.add(path, o, n, _narrowed(d), f"values removed: {_show(removed)}")
            if added:
                self.add(path, o, n, _widened(d), f"values added: {_show(added)}")

    def _bounds(self, where: str, old: dict[str, Any], new: dict[str, Any], d: Direction) -> None:
        for key, tighter in [*((k, -1) for k in UPPER_BOUNDS), *((k, 1) for k in LOWER_BOUNDS)]:
            o, n = old.get(key), new.get(key)
            if o == n:
                continue
            path = f"{where}.{key}"
            if not all(isinstance(v, int | float | None) for v in (o, n)):
                self.add(path, o, n, BOTH, "unclassified: a limit that is not a number")
            elif n is None:
                self.add(path, o, n, _widened(d), "limit removed")
            elif o is None or (n - o) * tighter > 0:
                self.add(path, o, n, _narrowed(d), "limit narrowed")
            else:
                self.add(path, o, n, _widened(d), "limit widened")
        for key in ("exclusiveMaximum", "exclusiveMinimum"):
            o, n = old.get(key), new.get(key)
            if o == n:
                continue
            path = f"{where}.{key}"
            if isinstance(o, bool | None) and isinstance(n, bool | None):
                who = _narrowed(d) if n else _widened(d)
                self.add(path, o, n, who, "bound made exclusive" if n else "bound made inclusive")
            elif o is None:
                self.add(path, o, n, _narrowed(d), "limit added")
            elif n is None:
                self.add(path, o, n, _widened(d), "limit removed")
            else:
                tighter = -1 if key == "exclusiveMaximum" else 1
                narrowed = (n - o) * tighter > 0
                who = _narrowed(d) if narrowed else _widened(d)
                self.add(path, o, n, who, "limit narrowed" if narrowed else "limit widened")

    def _flags(self, where: str, old: dict[str, Any], new: dict[str, Any], d: Direction) -> None:
        o, n = old.get("pattern"), new.get("pattern")
        if o != n:
            if n is None:
                self.add(f"{where}.pattern", o, n, _widened(d), "pattern removed")
            else:
                self.add(f"{where}.pattern", o, n, _narrowed(d), "pattern added or changed")
        o, n = bool(old.get("uniqueItems")), bool(new.get("uniqueItems"))
        if o != n:
            who = _narrowed(d) if n else _widened(d)
            self.add(f"{where}.uniqueItems", o, n, who, "uniqueness required" if n else "dropped")
        o, n = bool(old.get("deprecated")), bool(new.get("deprecated"))
        if o != n:
            self.add(f"{where}.deprecated", o, n, None, "a notice")

    def _object(
        self,
        where: str,
        old: dict[str, Any],
        new: dict[str, Any],
        d: Direction,
        seen: set[tuple[str | None, str | None]],
    ) -> None:
        old_props: dict[str, Any] = old.get("properties") or {}
        new_props: dict[str, Any] = new.get("properties") or {}
        removed = sorted(old_props.keys() - new_props.keys())
        added = sorted(new_props.keys() - old_props.keys())
        for name in removed:
            hint = f" (renamed to {added[0]!r}?)" if len(removed) == 1 and len(added) == 1 else ""
            self.add(f"{where}.properties.{name}", "present", None, CLIENTS, f"field removed{hint}")
        for name in added:
            self.add(f"{where}.properties.{name}", None, "present", None, "field added")
        for name in sorted(old_props.keys() & new_props.keys()):
            self.schema(f"{where}.properties.{name}", old_props[name], new_props[name], d, seen)
        old_req, new_req = set(old.get("required") or []), set(new.get("required") or [])
        for name in sorted(new_req - old_req):
            self.add(
                f"{where}.required", sorted(old_req), sorted(new_req), _narrowed(d),
                f"{name!r} now required",
            )  # fmt: skip
        for name in sorted(old_req - new_req):
            self.add(
                f"{where}.required", sorted(old_req), sorted(new_req), _widened(d),
                f"{name!r} no longer required",
            )  # fmt: skip
        o, n = old.get("additionalProperties", True), new.get("additionalProperties", True)
        path = f"{where}.additionalProperties"
        if o is True and n is not True:
            self.add(path, o, n if n is False else "schema", _narrowed(d), "extra fields limited")
        elif n is True and o is not True:
            self.add(path, o if o is False else "schema", n, _widened(d), "extra fields allowed")
        elif o is False and n is not False:
            self.add(path, o, "schema", _widened(d), "extra fields allowed")
        elif n is False and o is not False:
            self.add(path, "schema", n, _narrowed(d), "extra fields refused")
        elif isinstance(o, dict) and isinstance(n, dict):
            self.schema(path, o, n, d, seen)

    def _composition(
        self,
        where: str,
        key: str,
        old: list[Any] | None,
        new: list[Any] | None,
        d: Direction,
        seen: set[tuple[str | None, str | None]],
    ) -> None:
        if old is None and new is None:
            return
        old, new = old or [], new or []
        for i in range(min(len(old), len(new))):
            self.schema(f"{where}.{key}[{i}]", old[i], new[i], d, seen)
        if len(old) != len(new):
            # More alternatives accept more; more allOf parts accept less.
            grows = (len(new) > len(old)) == (key != "allOf")
            who = _widened(d) if grows else _narrowed(d)
            self.add(f"{where}.{key}", len(old), len(new), who, "number of subschemas changed")


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every difference from `old` to `new`, operations added and removed included."""
    return _Differ(old, new, drift=False).compare()


def compare_common(ours: dict[str, Any], upstream: dict[str, Any]) -> list[Change]:
    """The differences from `ours` to `upstream` in the operations both describe (by method and
    path), leaving out wording (descriptions, examples) and names that stay inside a document
    (operationIds, scheme names)."""
    return _Differ(ours, upstream, drift=True).compare()


def only_in(doc: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """The operations `doc` describes and `other` does not."""
    return sorted(operations(doc).keys() - operations(other).keys())


def breaking(changes: Iterable[Change]) -> list[Change]:
    return [c for c in changes if c.breaks]
