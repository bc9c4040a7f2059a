"""Per-signer cancel rate limits over real HTTP: costs, whole-batch refusal, the Poly-RateLimit-*
headers, warning mode, account tiers. The bucket maths itself is in test_buckets."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

from .conftest import OTHER, Api, json_of

SLOW = 0.001  # tokens per second: no refill to speak of during a test


def set_faults(api: Api, faults: object) -> httpx.Response:
    return api.http.post("/_mock/faults", json=faults)


def limit(api: Api, **rate_limit: object) -> None:
    response = set_faults(api, {"rate_limit": {"rate": SLOW, **rate_limit}})
    assert response.status_code == 200, response.text


def remaining(response: httpx.Response) -> int:
    return int(response.headers["poly-ratelimit-remaining"])


def test_no_limit_and_no_headers_by_default(api: Api) -> None:
    response = api.send("DELETE", "/orders", json.dumps(["x"] * 1000).encode())
    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("poly-ratelimit")]


def test_a_documented_tier_for_every_signer(api: Api) -> None:
    assert json_of(set_faults(api, {"rate_limit": {"tier": "silver"}})) == {
        "rate_limit": {"tier": "Silver"}
    }
    before = time.time()
    response = api.cancel("0xa1")
    assert response.status_code == 200
    assert response.headers["poly-ratelimit-tier"] == "Silver"
    assert remaining(response) == 599
    assert "poly-ratelimit-limit" not in response.headers and "retry-after" not in response.headers
    reset = int(response.headers["poly-ratelimit-reset"])  # a unix timestamp: full in 1/400 s
    assert int(before) <= reset <= time.time() + 2
    other = api.send("DELETE", "/orders", b'["0xo1","0xo2"]', account=OTHER)
    assert remaining(other) == 598  # its own bucket


def test_delete_orders_costs_each_id_submitted_and_is_refused_whole(api: Api) -> None:
    limit(api, burst=5)
    first = api.send("DELETE", "/orders", b'["0xa1","0xa1","0xnope"]')  # 3, duplicates count
    assert json_of(first)["canceled"] == ["0xa1"]
    assert remaining(first) == 2
    assert first.headers["poly-ratelimit-tier"] == "custom"
    refused = api.send("DELETE", "/orders", b'["0xa2","0xb1","0xnope"]')
    assert refused.status_code == 429
    body = json_of(refused)
    assert body.keys() == {"error", "retry_after_seconds"}
    assert body["error"] == "Too Many Requests" and body["retry_after_seconds"] >= 1
    assert refused.headers["retry-after"] == str(body["retry_after_seconds"])
    assert remaining(refused) == 2
    assert refused.headers["poly-ratelimit-tier"] == "custom"
    # full again when 3 tokens have come back: a unix timestamp, about 3000 s away
    assert abs(int(refused.headers["poly-ratelimit-reset"]) - (time.time() + 3 / SLOW)) < 5
    assert api.states()["0xa2"] == api.states()["0xb1"] == "live"
    assert remaining(api.send("DELETE", "/orders", b'["0xa2","0xb1"]')) == 0


def test_cancel_all_costs_one_up_front_and_one_per_order_canceled(api: Api) -> None:
    limit(api, burst=10)
    response = api.send("DELETE", "/cancel-all")  # 3 live orders: 1 + 3
    assert len(json_of(response)["canceled"]) == 3
    assert remaining(response) == 6
    assert remaining(api.send("DELETE", "/cancel-all")) == 5  # nothing left to cancel: 1


def test_cancel_market_orders_costs_one_plus_one_per_order_canceled(api: Api) -> None:
    limit(api, burst=10)
    response = api.send("DELETE", "/cancel-market-orders", b"{}")
    assert len(json_of(response)["canceled"]) == 3
    assert remaining(response) == 6


def test_the_charge_after_the_fact_may_go_negative_where_the_tier_allows(api: Api) -> None:
    limit(api, burst=2, negative_balance=True)
    response = api.send("DELETE", "/cancel-all")  # admitted on 2 > 0, then 1 + 3 taken
    assert response.status_code == 200 and remaining(response) == -2
    refused = api.cancel("0xm1")
    assert refused.status_code == 429 and remaining(refused) == -2


def test_the_charge_after_the_fact_stops_at_zero_without_negative_balance(api: Api) -> None:
    limit(api, burst=2)
    response = api.send("DELETE", "/cancel-all")
    assert len(json_of(response)["canceled"]) == 3 and remaining(response) == 0


@pytest.mark.parametrize(("above_burst", "status"), [("refuse", 429), ("admit", 200)])
def test_above_burst_decides_a_cost_above_the_burst_on_a_negative_tier(
    api: Api, above_burst: str, status: int
) -> None:
    limit(api, burst=2, negative_balance=True, above_burst=above_burst)
    response = api.send("DELETE", "/orders", b'["0xa1","0xa2","0xb1"]')
    assert response.status_code == status
    assert remaining(response) == (-1 if status == 200 else 2)
    assert api.states()["0xa1"] == ("canceled" if status == 200 else "live")


def test_warning_mode_admits_what_it_would_refuse_and_says_so(api: Api) -> None:
    limit(api, burst=2, warning=True)
    ok = api.send("DELETE", "/orders", b'["0xa1"]')
    assert ok.status_code == 200 and "poly-ratelimit-warning" not in ok.headers
    warned = api.send("DELETE", "/orders", b'["0xa2","0xb1"]')  # 2 > 1 left
    assert json_of(warned)["canceled"] == ["0xa2", "0xb1"]
    assert warned.headers["poly-ratelimit-warning"] == "true"
    assert remaining(warned) == 0 and "retry-after" not in warned.headers
    all_ = api.send("DELETE", "/cancel-all")  # the warning survives the charge afterwards
    assert all_.headers["poly-ratelimit-warning"] == "true"


def test_a_refused_body_costs_nothing(api: Api) -> None:
    limit(api, burst=2)
    assert api.send("DELETE", "/orders", b'["0xa1",1]').status_code == 400
    assert remaining(api.send("DELETE", "/orders", b'["0xa1","0xa2"]')) == 0


def test_an_injected_429_reports_a_reset_timestamp(api: Api) -> None:
    set_faults(api, {"status": 429, "retry_after": 7})
    response = api.cancel("0xa1")
    assert response.status_code == 429 and response.headers["retry-after"] == "7"
    assert abs(int(response.headers["poly-ratelimit-reset"]) - (time.time() + 7)) < 3
    assert "poly-ratelimit-limit" not in response.headers


@pytest.mark.parametrize(
    ("rate_limit", "message"),
    [
        ({"tier": "Sliver"}, "faults.rate_limit.tier: unknown tier 'Sliver'; known: Standard"),
        ({"tier": 3}, "faults.rate_limit.tier: unknown tier 3"),
        ({"tier": "Gold", "burst": 3}, "set either tier or rate/burst/negative_balance"),
        ({"tier": "Gold", "above_burst": "maybe"}, 'faults.rate_limit.above_burst: expected "'),
        ({"tier": "Gold", "warning": "yes"}, "faults.rate_limit.warning: expected true or false"),
        ({"rate": 1, "negative_balance": 1}, "faults.rate_limit.negative_balance: expected true"),
        ({"rate": 1, "bucket": 3}, "faults.rate_limit: unknown key(s) bucket"),
        ("Gold", "faults.rate_limit: expected"),
    ],
)
def test_bad_rate_limit_settings_name_the_key(api: Api, rate_limit: object, message: str) -> None:
    response = set_faults(api, {"rate_limit": rate_limit})
    assert response.status_code == 400
    assert message in json_of(response)["error"]


def test_the_setting_reads_back_as_posted(api: Api) -> None:
    custom = {"rate": 2.5, "burst": 5, "negative_balance": True, "above_burst": "admit"}
    assert json_of(set_faults(api, {"rate_limit": custom})) == {"rate_limit": custom}
    tier = {"tier": "Gold", "warning": True}
    assert json_of(set_faults(api, {"rate_limit": tier})) == {"rate_limit": tier}


@pytest.fixture(scope="module")
def tiered() -> Iterator[MockServer]:
    """The default account is Silver; OTHER names no tier."""
    import attrs

    accounts = [attrs.evolve(DEFAULT_ACCOUNT, tier="silver"), OTHER]
    with MockServer(accounts, [{"id": "0xa1"}, {"id": "0xo1", "owner": OTHER.api_key}]) as mock:
        yield mock


def test_an_accounts_tier_limits_only_that_signer(tiered: MockServer) -> None:
    tiered.reset()
    api = Api(tiered)
    mine = api.send("DELETE", "/orders", json.dumps(["0xa1"] * 600).encode())
    assert mine.headers["poly-ratelimit-tier"] == "Silver" and remaining(mine) == 0
    above_burst = api.send("DELETE", "/orders", json.dumps(["0xa1"] * 601).encode())
    assert above_burst.status_code == 429  # Silver's burst is 600
    theirs = api.cancel("0xo1", account=OTHER)
    assert theirs.status_code == 200 and "poly-ratelimit-tier" not in theirs.headers
    tiered.set_faults({"rate_limit": {"tier": "Elite"}})  # the fault setting overrides, for all
    assert api.cancel("0xa1").headers["poly-ratelimit-tier"] == "Elite"
    assert api.cancel("0xo1", account=OTHER).headers["poly-ratelimit-tier"] == "Elite"
    tiered.reset()
    api.http.close()


def test_a_key_created_by_l1_shares_its_signers_tier_and_bucket(tiered: MockServer) -> None:
    from clob_cancel_mock import Account

    from .test_l1 import l1_headers

    tiered.reset()
    api = Api(tiered)
    l1 = l1_headers(DEFAULT_ACCOUNT.private_key or "", DEFAULT_ACCOUNT.address, nonce=1)
    creds = json_of(api.http.post("/auth/api-key", headers=l1))
    second = Account(creds["apiKey"], creds["secret"], creds["passphrase"], DEFAULT_ACCOUNT.address)
    batch = json.dumps(["0xa1"] * 600).encode()
    assert remaining(api.send("DELETE", "/orders", batch)) == 0
    # a fresh bucket would be left at 0; the shared one, barely refilled, goes 600 into debt
    response = api.send("DELETE", "/orders", batch, account=second)
    assert response.headers["poly-ratelimit-tier"] == "Silver" and remaining(response) < 0
    tiered.reset()
    api.http.close()
