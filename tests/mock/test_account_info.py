"""The two L2 reads over real HTTP: GET /auth/api-keys lists the signer's keys (what the official
SDKs validate credentials with) and GET /v1/user/rate-limit-tier names the signer's tier as the
mock limits it. Both refuse what a cancel refuses (401) and neither touches orders or buckets."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import attrs
import pytest
from openapi_core import OpenAPI

from clob_cancel.signing import l2_headers
from clob_cancel_mock import DEFAULT_ACCOUNT, Account, MockServer

from .conftest import OTHER, Api, json_of
from .test_l1 import l1_headers
from .test_spec_conformance import check, openapi

__all__ = ["openapi"]  # the module fixture, shared

KEYS, TIER = "/auth/api-keys", "/v1/user/rate-limit-tier"
UNAUTHORIZED = {"error": "Unauthorized/Invalid api key"}


def test_api_keys_lists_the_signers_key_and_no_secret(api: Api, openapi: OpenAPI) -> None:
    response = api.send("GET", KEYS)
    check(openapi, response)
    assert json_of(response) == {"apiKeys": [DEFAULT_ACCOUNT.api_key]}
    assert DEFAULT_ACCOUNT.secret not in response.text
    assert DEFAULT_ACCOUNT.passphrase not in response.text
    assert json_of(api.send("GET", KEYS, account=OTHER)) == {"apiKeys": [OTHER.api_key]}


def test_api_keys_lists_a_key_created_by_l1_for_the_same_address(api: Api) -> None:
    headers = l1_headers(DEFAULT_ACCOUNT.private_key or "", DEFAULT_ACCOUNT.address, nonce=1)
    created = json_of(api.http.post("/auth/api-key", headers=headers))
    second = Account(
        created["apiKey"], created["secret"], created["passphrase"], DEFAULT_ACCOUNT.address
    )
    both = {"apiKeys": [DEFAULT_ACCOUNT.api_key, created["apiKey"]]}
    assert json_of(api.send("GET", KEYS)) == both
    assert json_of(api.send("GET", KEYS, account=second)) == both
    assert json_of(api.send("GET", KEYS, account=OTHER)) == {"apiKeys": [OTHER.api_key]}


WRONG = {
    "secret": attrs.evolve(DEFAULT_ACCOUNT, secret=OTHER.secret),
    "passphrase": attrs.evolve(DEFAULT_ACCOUNT, passphrase="not-the-passphrase"),
    "address": attrs.evolve(DEFAULT_ACCOUNT, address=OTHER.address),
    "api key": attrs.evolve(DEFAULT_ACCOUNT, api_key="00000000-0000-4000-8000-0000000000ff"),
}


@pytest.mark.parametrize("path", [KEYS, TIER])
@pytest.mark.parametrize("part", list(WRONG))
def test_a_wrong_part_of_the_credentials_is_401(
    api: Api, openapi: OpenAPI, path: str, part: str
) -> None:
    response = api.send("GET", path, account=WRONG[part])
    check(openapi, response)
    assert response.status_code == 401 and json_of(response) == UNAUTHORIZED


@pytest.mark.parametrize("path", [KEYS, TIER])
def test_a_skewed_clock_or_no_signature_is_401(api: Api, path: str) -> None:
    skewed = int(time.time()) - 3600
    headers = l2_headers(DEFAULT_ACCOUNT.creds, DEFAULT_ACCOUNT.address, skewed, "GET", path, b"")
    assert api.http.get(path, headers=headers).status_code == 401
    assert api.http.get(path).status_code == 401


def test_tier_is_null_when_the_mock_limits_nothing(api: Api, openapi: OpenAPI) -> None:
    response = api.send("GET", TIER)
    check(openapi, response)
    assert json_of(response) == {"tier": None}


@pytest.mark.parametrize(
    ("rate_limit", "tier"),
    [({"tier": "silver"}, "Silver"), ({"tier": "Elite", "warning": True}, "Elite"),
     ({"rate": 5, "burst": 10}, "custom")],
)  # fmt: skip
def test_tier_follows_the_fault_settings_limit(
    api: Api, openapi: OpenAPI, rate_limit: dict[str, object], tier: str
) -> None:
    api.server.set_faults({"rate_limit": rate_limit})
    response = api.send("GET", TIER)
    check(openapi, response)
    assert json_of(response) == {"tier": tier}
    # the name the cancel answers carry in Poly-RateLimit-Tier
    assert api.cancel("0xzz").headers["poly-ratelimit-tier"] == tier


@pytest.fixture(scope="module")
def tiered() -> Iterator[MockServer]:
    """The default account is Silver (as `--tier Silver` or a seed file sets it); OTHER has none."""
    accounts = [attrs.evolve(DEFAULT_ACCOUNT, tier="silver"), OTHER]
    with MockServer(accounts, [{"id": "0xa1"}]) as mock:
        yield mock


def test_tier_per_account_and_reading_it_costs_no_token(tiered: MockServer) -> None:
    tiered.reset()
    api = Api(tiered)
    try:
        for _ in range(3):
            assert json_of(api.send("GET", TIER)) == {"tier": "Silver"}
            assert json_of(api.send("GET", KEYS)) == {"apiKeys": [DEFAULT_ACCOUNT.api_key]}
        assert json_of(api.send("GET", TIER, account=OTHER)) == {"tier": None}
        full_burst = api.send("DELETE", "/orders", json.dumps(["0xa1"] * 600).encode())
        assert full_burst.status_code == 200  # the bucket was still full: the reads took nothing
        assert full_burst.headers["poly-ratelimit-remaining"] == "0"
        assert api.states()["0xa1"] == "canceled"
    finally:
        tiered.reset()
        api.http.close()


@pytest.mark.parametrize(
    ("operation", "path"), [("get_api_keys", KEYS), ("get_rate_limit_tier", TIER)]
)
def test_faults_can_target_the_reads(api: Api, openapi: OpenAPI, operation: str, path: str) -> None:
    api.server.set_faults({"operations": [operation], "status": 500, "count": 1})
    failed = api.send("GET", path)
    check(openapi, failed)
    assert failed.status_code == 500
    assert api.send("GET", path).status_code == 200
    assert api.cancel("0xa1").status_code == 200  # the default fault targets were not touched
