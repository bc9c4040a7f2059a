"""spec-diff's classifier, one case per rule: each mutates a copy of the real spec the way a
maintainer might and checks whom the change is said to break (clients, servers, or nobody)."""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tools.specgate.compare import BOTH, CLIENTS, SERVERS, Change, breaking, compare

Doc = dict[str, Any]


def schemas(d: Doc) -> dict[str, Any]:
    result: dict[str, Any] = d["components"]["schemas"]
    return result


def op(d: Doc, path: str, method: str = "delete") -> dict[str, Any]:
    result: dict[str, Any] = d["paths"][path][method]
    return result


def changed(spec: Doc, mutate: Callable[[Doc], None]) -> list[Change]:
    new = copy.deepcopy(spec)
    mutate(new)
    return compare(spec, new)


def setter(*keys: str, value: Any) -> Callable[[Doc], None]:
    def mutate(d: Doc) -> None:
        node: Any = d
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return mutate


def rename_order_id(d: Doc) -> None:
    body = schemas(d)["CancelOrderRequest"]
    body["properties"]["orderId"] = body["properties"].pop("orderID")
    body["required"] = ["orderId"]


def add_required_header(d: Doc) -> None:
    op(d, "/cancel-all")["parameters"] = [
        {"name": "POLY_NONCE", "in": "header", "required": True, "schema": {"type": "string"}}
    ]


def add_optional_query(d: Doc) -> None:
    op(d, "/cancel-all")["parameters"] = [
        {"name": "dry_run", "in": "query", "schema": {"type": "boolean"}}
    ]


def market_enum(*values: str) -> Callable[[Doc], None]:
    return setter("components", "schemas", "CancelMarketOrdersRequest", "properties", "market",
                  value={"type": "string", "enum": list(values)})  # fmt: skip


def error_code_enum(*values: str) -> Callable[[Doc], None]:
    return setter("components", "schemas", "ErrorResponse", "properties", "code",
                  value={"type": "string", "enum": list(values)})  # fmt: skip


def add_security_scheme(d: Doc) -> None:
    d["components"]["securitySchemes"]["polyNonce2"] = {
        "type": "apiKey", "in": "header", "name": "POLY_EXTRA",
    }  # fmt: skip
    op(d, "/orders")["security"][0]["polyNonce2"] = []


def drop_security_scheme(d: Doc) -> None:
    del op(d, "/orders")["security"][0]["polyPassphrase"]


def add_201(d: Doc) -> None:
    op(d, "/order")["responses"]["201"] = {"description": "created"}


def drop_500(d: Doc) -> None:
    del op(d, "/order")["responses"]["500"]


def add_response_alternative(d: Doc) -> None:
    answers = op(d, "/v1/heartbeats", "post")["responses"]["400"]["content"]["application/json"]
    answers["schema"]["anyOf"].append({"type": "string"})


def canceled_nullable(d: Doc) -> None:
    schemas(d)["CancelOrdersResponse"]["properties"]["canceled"]["nullable"] = True


def closed_request(d: Doc) -> None:
    schemas(d)["CancelMarketOrdersRequest"]["additionalProperties"] = False


def id_pattern(d: Doc) -> None:
    schemas(d)["OrderId"]["pattern"] = "^0x[0-9a-f]{64}$"


def new_operation(d: Doc) -> None:
    d["paths"]["/orders/status"] = {
        "get": {"operationId": "order_status", "responses": {"200": {"description": "ok"}}}
    }


def unknown_keyword(d: Doc) -> None:
    schemas(d)["OrderId"]["contentEncoding"] = "base64"


RULES: list[tuple[str, Callable[[Doc], None], str, str | None]] = [
    # (rule, mutation, a path the change must end with, whom it must break)
    ("request limit narrowed", setter("components", "schemas", "CancelOrdersRequest",
     "maxItems", value=500), "schema.maxItems", CLIENTS),
    ("request limit widened", setter("components", "schemas", "CancelOrdersRequest",
     "maxItems", value=3000), "schema.maxItems", None),
    ("request lower bound added", setter("components", "schemas", "CancelOrdersRequest",
     "minItems", value=1), "schema.minItems", CLIENTS),
    ("request field renamed", rename_order_id, "schema.properties.orderID", CLIENTS),
    ("renamed field now required", rename_order_id, "schema.required", CLIENTS),
    ("optional request field added", setter("components", "schemas", "CancelMarketOrdersRequest",
     "properties", "side", value={"type": "string"}), "properties.side", None),
    ("request field made required", setter("components", "schemas", "CancelMarketOrdersRequest",
     "required", value=["market"]), "schema.required", CLIENTS),
    ("request enum added", market_enum("a"), "properties.market.enum", CLIENTS),
    ("request type changed", setter("components", "schemas", "OrderId", "type", value="integer"),
     "schema.items.type", CLIENTS),
    ("request pattern added", id_pattern, "schema.items.pattern", CLIENTS),
    ("request closed to extra fields", closed_request, "additionalProperties", CLIENTS),
    ("response field removed", lambda d: schemas(d)["CancelOrdersResponse"]["properties"]
     .pop("canceled"), "properties.canceled", CLIENTS),
    ("response field retyped", setter("components", "schemas", "CancelOrdersResponse",
     "properties", "not_canceled", "type", value="array"), "not_canceled.type", CLIENTS),
    ("response field made required", setter("components", "schemas", "ErrorResponse",
     "required", value=["error", "code"]), "schema.required", SERVERS),
    ("response field no longer required", setter("components", "schemas",
     "CancelOrdersResponse", "required", value=["canceled"]), "schema.required", CLIENTS),
    ("response enum added", error_code_enum("a"), "properties.code.enum", SERVERS),
    ("response made nullable", canceled_nullable, "properties.canceled.type", CLIENTS),
    ("response alternative added", add_response_alternative, "schema.anyOf", CLIENTS),
    ("response limit narrowed", setter("components", "headers", "RateLimitReset", "schema",
     "minimum", value=10), "poly-ratelimit-reset.schema.minimum", SERVERS),
    ("new required request header", add_required_header, "parameters[header:poly_nonce]",
     CLIENTS),
    ("new optional query parameter", add_optional_query, "parameters[query:dry_run]", None),
    ("security header added", add_security_scheme, "security", CLIENTS),
    ("security header renamed", setter("components", "securitySchemes", "polyApiKey", "name",
     value="POLY_KEY"), "security", BOTH),
    ("security header dropped", drop_security_scheme, "security", SERVERS),
    ("request body made required", setter("paths", "/cancel-market-orders", "delete",
     "requestBody", "required", value=True), "requestBody.required", CLIENTS),
    ("operation removed", lambda d: d["paths"].pop("/cancel-all"), "", CLIENTS),
    ("operation added", new_operation, "", None),
    ("operationId changed", setter("paths", "/cancel-all", "delete", "operationId",
     value="kill_all"), "operationId", CLIENTS),
    ("success status added", add_201, "responses.201", CLIENTS),
    ("error status no longer documented", drop_500, "responses.500", None),
    ("required response header now optional", setter("components", "headers",
     "RetryAfterRequired", "required", value=False), "retry-after.required", CLIENTS),
    ("description changed", setter("components", "schemas", "OrderId", "description",
     value="An order id."), "description", None),
    ("unknown keyword is not waved through", unknown_keyword, "contentEncoding", BOTH),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "suffix", "breaks"), [r[1:] for r in RULES], ids=[r[0] for r in RULES]
)
def test_rule(spec: Doc, mutate: Callable[[Doc], None], suffix: str, breaks: str | None) -> None:
    changes = changed(spec, mutate)
    matching = [c for c in changes if c.path.endswith(suffix)]
    assert matching, f"no change at *{suffix}; got {[c.render() for c in changes]}"
    assert breaks in {c.breaks for c in matching}, [c.render() for c in matching]
    if breaks is None:  # a compatible change must not drag a breaking one along
        assert breaking(changes) == [], [c.render() for c in breaking(changes)]
    else:  # and a breaking one is never called compatible at the same place
        assert {c.breaks for c in matching if c.why == matching[0].why} == {breaks}


def test_no_change_no_output(spec: Doc) -> None:
    assert compare(spec, copy.deepcopy(spec)) == []


def test_limit_change_names_both_values_and_every_operation_using_it(spec: Doc) -> None:
    changes = changed(
        spec, setter("components", "schemas", "CancelOrdersRequest", "maxItems", value=500)
    )
    assert [(c.operation, c.before, c.after) for c in changes] == [("DELETE /orders", 1000, 500)]
    line = changes[0].render()
    assert "DELETE /orders" in line and "1000 -> after 500" in line and "breaks clients" in line


def test_rename_is_named_as_a_probable_rename(spec: Doc) -> None:
    removed = [c for c in changed(spec, rename_order_id) if c.path.endswith("orderID")]
    assert len(removed) == 1 and "renamed to 'orderId'?" in removed[0].why


@pytest.mark.parametrize(
    ("enum", "before", "after", "breaks"),
    [
        (market_enum, ("a", "b"), ("a",), CLIENTS),  # a client may send the value removed
        (market_enum, ("a",), ("a", "b"), None),
        (error_code_enum, ("a", "b"), ("a",), SERVERS),  # a server may send the value removed
        (error_code_enum, ("a",), ("a", "b"), CLIENTS),  # a client may get a value it lacks
    ],
    ids=["request value removed", "request value added", "response value removed",
         "response value added"],
)  # fmt: skip
def test_enum_values(
    spec: Doc,
    enum: Callable[..., Callable[[Doc], None]],
    before: tuple[str, ...],
    after: tuple[str, ...],
    breaks: str | None,
) -> None:
    old = copy.deepcopy(spec)
    enum(*before)(old)
    new = copy.deepcopy(spec)
    enum(*after)(new)
    assert {c.breaks for c in compare(old, new)} == {breaks}


def test_openapi_31_type_lists_equal_30_nullable() -> None:
    def doc(schema: dict[str, Any]) -> Doc:
        return {
            "paths": {
                "/x": {
                    "get": {
                        "responses": {
                            "200": {
                                "description": "",
                                "content": {"application/json": {"schema": schema}},
                            }
                        }
                    }
                }
            }
        }

    assert (
        compare(doc({"type": "string", "nullable": True}), doc({"type": ["string", "null"]})) == []
    )
    assert compare(doc({"enum": ["a"]}), doc({"const": "a"})) == []
    narrowed = compare(doc({"type": "number"}), doc({"type": "integer"}))
    assert [c.breaks for c in narrowed] == [SERVERS]


def test_recursive_schema_terminates() -> None:
    node = {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Node"}}}
    doc: Doc = {
        "components": {"schemas": {"Node": node}},
        "paths": {
            "/n": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Node"}}
                        }
                    },
                    "responses": {},
                }
            }
        },
    }
    new = copy.deepcopy(doc)
    new["components"]["schemas"]["Node"]["maxProperties"] = 3
    assert [c.breaks for c in compare(doc, new)] == [CLIENTS]
