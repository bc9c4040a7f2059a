"""Trading restrictions over real HTTP: an engine restart (425, then the post-only window),
cancel-only mode and disabled trading, as the CLOB applies them to cancels."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from .conftest import MARKET_A, Api, json_of

RESTARTING = "matching engine is restarting, please retry"
DISABLED = "Trading is currently disabled. Check polymarket.com for updates"

CANCELS: dict[str, Callable[[Api], httpx.Response]] = {
    "cancel_order": lambda api: api.cancel("0xa1"),
    "cancel_orders": lambda api: api.send("DELETE", "/orders", b'["0xa1","0xa2"]'),
    "cancel_all": lambda api: api.send("DELETE", "/cancel-all"),
    "cancel_market_orders": lambda api: api.send(
        "DELETE", "/cancel-market-orders", b'{"market":"%s"}' % MARKET_A.encode()
    ),
}


class Clock:
    """The mock's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(api: Api, monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(api.server.clob, "monotonic", clock)  # before the faults are set
    return clock


def set_faults(api: Api, faults: object) -> dict[str, object]:
    response = api.http.post("/_mock/faults", json=faults)
    assert response.status_code == 200, response.text
    result: dict[str, object] = json_of(response)
    return result


def faults(api: Api) -> object:
    return json_of(api.http.get("/_mock/faults"))


def assert_restarting(response: httpx.Response, retry_after: int) -> None:
    assert response.status_code == 425
    assert json_of(response) == {"error": RESTARTING, "retry_after_seconds": retry_after}
    assert response.headers["retry-after"] == str(retry_after)


def test_restart_for_seconds_then_the_post_only_window_then_normal(api: Api, clock: Clock) -> None:
    set_faults(api, {"restarting": 90, "post_only_seconds": 30})
    assert faults(api) == {
        "restarting": 90,
        "post_only_seconds": 30,
        "phase": "restarting",
        "seconds_left": 90,
    }
    before = api.states()
    for cancel in CANCELS.values():
        assert_restarting(cancel(api), 90)
    assert api.states() == before
    assert api.http.get("/time").status_code == 200  # not an order endpoint
    clock.t += 89.5
    assert_restarting(api.cancel("0xa1"), 1)  # half a second left, in whole seconds
    clock.t += 0.5
    assert faults(api) == {
        "restarting": 90,
        "post_only_seconds": 30,
        "phase": "post_only",
        "seconds_left": 30,
    }
    assert json_of(api.cancel("0xa1"))["canceled"] == ["0xa1"]  # post-only: cancels accepted
    clock.t += 30
    assert faults(api) == {"restarting": 90, "post_only_seconds": 30, "phase": "normal"}
    assert json_of(api.cancel("0xa2"))["canceled"] == ["0xa2"]


def test_restart_for_a_count_of_requests_then_the_default_post_only_window(
    api: Api, clock: Clock
) -> None:
    assert set_faults(api, {"restarting": True, "count": 2}) == {
        "restarting": True,
        "post_only_seconds": 120,
        "count": 2,
        "phase": "restarting",
    }
    assert_restarting(api.cancel("0xa1"), 1)  # Retry-After: retry_after (default 1)
    clock.t += 5
    assert_restarting(api.send("DELETE", "/cancel-all"), 1)
    assert api.states()["0xa1"] == "live"
    clock.t += 1
    assert faults(api) == {
        "restarting": True,
        "post_only_seconds": 120,
        "count": 0,
        "phase": "post_only",
        "seconds_left": 119,
    }
    assert json_of(api.cancel("0xa1"))["canceled"] == ["0xa1"]


def test_restart_until_cleared_with_a_set_retry_after(api: Api) -> None:
    set_faults(api, {"restarting": True, "retry_after": 5})
    for _ in range(3):
        assert_restarting(api.cancel("0xa1"), 5)
    set_faults(api, {})
    assert json_of(api.cancel("0xa1"))["canceled"] == ["0xa1"]


def test_restart_on_the_real_clock(api: Api) -> None:
    set_faults(api, {"restarting": 0.05})
    assert_restarting(api.cancel("0xa1"), 1)
    time.sleep(0.06)
    assert json_of(api.cancel("0xa1"))["canceled"] == ["0xa1"]
    phase = faults(api)
    assert isinstance(phase, dict) and phase["phase"] == "post_only"


@pytest.mark.parametrize("cancel", CANCELS.values(), ids=CANCELS.keys())
def test_cancel_only_mode_never_refuses_a_cancel(
    api: Api, cancel: Callable[[Api], httpx.Response]
) -> None:
    set_faults(api, {"cancel_only": True})
    response = cancel(api)
    assert response.status_code == 200
    assert "0xa1" in json_of(response)["canceled"]


@pytest.mark.parametrize("cancel", CANCELS.values(), ids=CANCELS.keys())
def test_disabled_trading_refuses_every_cancel(
    api: Api, cancel: Callable[[Api], httpx.Response]
) -> None:
    set_faults(api, {"trading_disabled": True, "retry_after": 30})
    before = api.states()
    response = cancel(api)
    assert response.status_code == 503
    assert json_of(response) == {"error": DISABLED}
    assert response.headers["retry-after"] == "30"
    assert api.states() == before


def test_disabled_trading_until_cleared(api: Api) -> None:
    set_faults(api, {"trading_disabled": True})
    for _ in range(2):
        response = api.send("DELETE", "/cancel-all")
        assert response.status_code == 503 and response.headers["retry-after"] == "1"
    set_faults(api, {})
    assert api.send("DELETE", "/cancel-all").status_code == 200
