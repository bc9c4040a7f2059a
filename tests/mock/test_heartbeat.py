"""Order heartbeats over real HTTP: the id chain, the mismatch 400, the deadline and its lapse
(every live order of the key canceled), reset, auth, faults, the admin view and the CLI flag."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest

from clob_cancel_mock import DEFAULT_ACCOUNT, Account, MockServer, create_app

from .conftest import OTHER, SEED, Api, json_of, signed_headers
from .test_cli import running, wait_up

QUICK = 0.5  # the quick server's deadline, seconds
MINE_LIVE = sorted(o["id"] for o in SEED if "owner" not in o and o.get("state", "live") == "live")
THEIRS = sorted(o["id"] for o in SEED if "owner" in o)
INVALID = "Invalid Heartbeat ID"


def beat(api: Api, heartbeat_id: str, account: Account = DEFAULT_ACCOUNT) -> httpx.Response:
    body = json.dumps({"heartbeat_id": heartbeat_id}, separators=(",", ":")).encode()
    return api.send("POST", "/v1/heartbeats", body, account=account)


def accepted(api: Api, heartbeat_id: str, account: Account = DEFAULT_ACCOUNT) -> str:
    """Send ``heartbeat_id``; it must be accepted. The id to send next."""
    response = beat(api, heartbeat_id, account)
    assert response.status_code == 200, response.text
    body = json_of(response)
    assert set(body) == {"heartbeat_id"} and isinstance(body["heartbeat_id"], str)
    assert body["heartbeat_id"] and body["heartbeat_id"] != heartbeat_id
    next_id: str = body["heartbeat_id"]
    return next_id


def refused(api: Api, heartbeat_id: str, account: Account = DEFAULT_ACCOUNT) -> str:
    """Send ``heartbeat_id``; it must get the mismatch 400. The id the server expects."""
    response = beat(api, heartbeat_id, account)
    assert response.status_code == 400, response.text
    body = json_of(response)
    assert set(body) == {"error_msg", "heartbeat_id"} and body["error_msg"] == INVALID
    expected: str = body["heartbeat_id"]
    return expected


def view(api: Api, account: Account = DEFAULT_ACCOUNT) -> dict[str, Any]:
    state: dict[str, Any] = json_of(api.http.get("/_mock/heartbeats"))[account.api_key]
    return state


def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def lapsed(api: Api, account: Account = DEFAULT_ACCOUNT, times: int = 1) -> Callable[[], bool]:
    return lambda: bool(view(api, account)["lapses"] >= times)


@pytest.fixture(scope="module")
def quick_server() -> Iterator[MockServer]:
    with MockServer([DEFAULT_ACCOUNT, OTHER], SEED, heartbeat_timeout=QUICK) as mock:
        yield mock


@pytest.fixture
def quick(quick_server: MockServer) -> Iterator[Api]:
    quick_server.reset()
    client = Api(quick_server)
    yield client
    client.http.close()


# -- the chain (the default 10 s deadline) -------------------------------------------------------


def test_first_send_arms_and_answers_an_id(api: Api) -> None:
    assert view(api) == {
        "armed": False,
        "expected_id": "",
        "seconds_left": None,
        "lapses": 0,
        "last_canceled": [],
    }
    next_id = accepted(api, "")
    state = view(api)
    assert state["armed"] is True and state["expected_id"] == next_id
    assert 9 < state["seconds_left"] <= 10
    assert (state["lapses"], state["last_canceled"]) == (0, [])
    assert view(api, OTHER)["armed"] is False  # per api key


def test_the_chain_gives_a_fresh_id_each_time(api: Api) -> None:
    ids = [accepted(api, "")]
    for _ in range(5):
        ids.append(accepted(api, ids[-1]))
    assert len(set(ids)) == len(ids)
    assert refused(api, ids[-2]) == ids[-1]  # an old id
    assert refused(api, "") == ids[-1]  # "" does not restart an armed chain
    assert accepted(api, ids[-1])


def test_an_invented_id_before_arming_names_the_empty_id_and_arms_nothing(api: Api) -> None:
    assert refused(api, "7f3a2c1e-4b5d-4e6f-8a9b-0c1d2e3f4a5b") == ""
    assert view(api)["armed"] is False


def test_a_stale_or_invented_id_gets_the_400_naming_the_expected_id(api: Api) -> None:
    first = accepted(api, "")
    second = accepted(api, first)
    for wrong in (first, "not-an-id", second.upper(), second + " ", "\u00e9"):
        assert refused(api, wrong) == second
    assert view(api)["expected_id"] == second
    accepted(api, second)


def test_each_api_key_has_its_own_chain(api: Api) -> None:
    mine = accepted(api, "")
    theirs = accepted(api, "", OTHER)
    assert refused(api, theirs) == mine
    assert refused(api, mine, OTHER) == theirs
    accepted(api, mine)
    accepted(api, theirs, OTHER)


def test_invalid_bodies_are_400_errors_and_arm_nothing(api: Api) -> None:
    for body in (b"{}", b'{"heartbeat_id":5}', b'{"heartbeat_id":null}', b"[]", b""):
        response = api.send("POST", "/v1/heartbeats", body)
        assert response.status_code == 400, body
        assert json_of(response)["error"].startswith("Invalid order payload"), body
    assert view(api)["armed"] is False


def test_auth_is_required_and_checked_before_anything(api: Api) -> None:
    body = b'{"heartbeat_id":""}'
    unsigned = api.http.post(
        "/v1/heartbeats", content=body, headers={"Content-Type": "application/json"}
    )
    assert unsigned.status_code == 401
    wrong_secret = Account(
        api_key=DEFAULT_ACCOUNT.api_key,
        secret="c29tZS1vdGhlci1zZWNyZXQ=",
        passphrase=DEFAULT_ACCOUNT.passphrase,
        address=DEFAULT_ACCOUNT.address,
    )
    assert beat(api, "", wrong_secret).status_code == 401
    other_signature = signed_headers(
        DEFAULT_ACCOUNT, "POST", "/v1/heartbeats", b'{"heartbeat_id":"x"}'
    )["POLY_SIGNATURE"]
    signed_other_body = api.send(  # signed over another body than the one sent
        "POST", "/v1/heartbeats", body, headers={"POLY_SIGNATURE": other_signature}
    )
    assert signed_other_body.status_code == 401
    for response in (unsigned, signed_other_body):
        assert json_of(response) == {"error": "Unauthorized/Invalid api key"}
    assert view(api)["armed"] is False
    next_id = accepted(api, "")
    assert beat(api, next_id, wrong_secret).status_code == 401
    assert view(api)["expected_id"] == next_id  # a 401 does not advance the chain


def test_reset_clears_the_state(api: Api) -> None:
    next_id = accepted(api, "")
    api.http.post("/_mock/reset")
    assert view(api)["armed"] is False
    assert refused(api, next_id) == ""
    accepted(api, "")


def test_the_admin_view_lists_every_account_and_is_read_only(api: Api) -> None:
    heartbeats = json_of(api.http.get("/_mock/heartbeats"))
    assert list(heartbeats) == [DEFAULT_ACCOUNT.api_key, OTHER.api_key]
    assert api.http.post("/_mock/heartbeats").status_code == 405
    assert api.server.heartbeats() == heartbeats


# -- faults and rate limits ----------------------------------------------------------------------


def set_faults(api: Api, faults: object) -> None:
    response = api.http.post("/_mock/faults", json=faults)
    assert response.status_code == 200, response.text


def test_default_faults_leave_heartbeats_alone(api: Api) -> None:
    set_faults(api, {"status": 500})
    assert api.send("DELETE", "/cancel-all").status_code == 500
    accepted(api, "")
    set_faults(api, {"drop_connection": True, "trading_disabled": True, "delay_seconds": 5})
    accepted(api, view(api)["expected_id"])


def test_a_status_fault_on_heartbeats_refuses_them_without_advancing(api: Api) -> None:
    next_id = accepted(api, "")
    set_faults(api, {"operations": ["send_heartbeat"], "status": 500, "count": 2})
    for _ in range(2):
        response = beat(api, next_id)
        assert response.status_code == 500
        assert json_of(response) == {"error": "Internal server error"}
    assert api.cancel("0xa1").status_code == 200  # cancels are not hit
    assert view(api)["expected_id"] == next_id
    accepted(api, next_id)


def test_dropped_heartbeats_are_not_accepted(api: Api) -> None:
    next_id = accepted(api, "")
    set_faults(api, {"operations": ["send_heartbeat"], "drop_connection": True, "count": 2})
    for _ in range(2):
        with pytest.raises(httpx.RemoteProtocolError):
            beat(api, next_id)
    assert view(api)["expected_id"] == next_id
    accepted(api, next_id)


def test_the_cancel_rate_limit_does_not_apply_to_heartbeats(api: Api) -> None:
    set_faults(api, {"rate_limit": {"rate": 0.001, "burst": 1}})
    assert api.cancel("0xa1").status_code == 200
    assert api.cancel("0xa2").status_code == 429
    next_id = ""
    for _ in range(5):
        response = beat(api, next_id)
        assert response.status_code == 200
        assert not any(h.startswith("poly-ratelimit") for h in response.headers)
        next_id = json_of(response)["heartbeat_id"]


# -- the deadline (the quick server: 0.5 s) ------------------------------------------------------


def test_a_lapse_cancels_every_live_order_of_the_key_and_disarms(quick: Api) -> None:
    started = time.monotonic()
    next_id = accepted(quick, "")
    wait_for(lapsed(quick))
    assert time.monotonic() - started >= QUICK - 0.05
    states = quick.states()
    assert [states[i] for i in MINE_LIVE] == ["canceled"] * len(MINE_LIVE)
    assert [states[i] for i in THEIRS] == ["live"] * len(THEIRS)  # not the other account's
    assert (states["0xm1"], states["0xc1"]) == ("matched", "canceled")
    state = view(quick)
    assert state == {
        "armed": False,
        "expected_id": "",
        "seconds_left": None,
        "lapses": 1,
        "last_canceled": MINE_LIVE,
    }
    assert refused(quick, next_id) == ""  # after a lapse the expected id is "" again
    quick.server.add_orders([{"id": "0xnew"}])
    accepted(quick, "")  # which re-arms
    wait_for(lapsed(quick, times=2))
    assert quick.states()["0xnew"] == "canceled"
    assert view(quick)["last_canceled"] == ["0xnew"]


def test_a_lapse_of_one_key_leaves_the_others_armed(quick: Api) -> None:
    mine = accepted(quick, "")
    accepted(quick, "", OTHER)
    deadline = time.monotonic() + 3
    while not view(quick, OTHER)["lapses"]:
        assert time.monotonic() < deadline
        mine = accepted(quick, mine)
        time.sleep(0.1)
    states = quick.states()
    assert [states[i] for i in THEIRS] == ["canceled"] * len(THEIRS)
    assert [states[i] for i in MINE_LIVE] == ["live"] * len(MINE_LIVE)
    assert view(quick)["armed"] is True


def test_sends_within_the_deadline_keep_the_orders_alive(quick: Api) -> None:
    next_id = accepted(quick, "")
    end = time.monotonic() + 2 * QUICK
    while time.monotonic() < end:
        time.sleep(QUICK / 4)
        next_id = accepted(quick, next_id)
    assert view(quick)["lapses"] == 0
    assert [quick.states()[i] for i in MINE_LIVE] == ["live"] * len(MINE_LIVE)


def test_a_refused_send_does_not_refresh_the_deadline(quick: Api) -> None:
    accepted(quick, "")
    time.sleep(QUICK * 0.5)
    refused(quick, "stale")
    assert view(quick)["seconds_left"] <= QUICK * 0.5
    wait_for(lapsed(quick))


def test_a_delayed_heartbeat_refreshes_the_deadline_when_it_is_processed(quick: Api) -> None:
    next_id = accepted(quick, "")
    set_faults(quick, {"operations": ["send_heartbeat"], "delay_seconds": 0.3})
    accepted(quick, next_id)
    assert view(quick)["seconds_left"] > QUICK - 0.15  # from when it was served, not sent


def test_a_heartbeat_delayed_past_the_deadline_finds_the_key_lapsed(quick: Api) -> None:
    next_id = accepted(quick, "")
    set_faults(quick, {"operations": ["send_heartbeat"], "delay_seconds": QUICK + 0.2})
    assert refused(quick, next_id) == ""
    assert view(quick)["lapses"] == 1
    assert quick.states()["0xa1"] == "canceled"


def test_reset_drops_the_pending_expiry(quick: Api) -> None:
    accepted(quick, "")
    quick.http.post("/_mock/reset")
    time.sleep(QUICK + 0.2)
    assert view(quick)["lapses"] == 0
    assert [quick.states()[i] for i in MINE_LIVE] == ["live"] * len(MINE_LIVE)


def test_no_lapse_after_the_server_stopped() -> None:
    # The deadline must outlast the stop itself (on a loaded machine, a good part of a second).
    with MockServer(orders=[{"id": "0xa1"}], heartbeat_timeout=1.5) as mock:
        api = Api(mock)
        accepted(api, "")
        api.http.close()
    time.sleep(1.7)
    assert mock.orders()[0]["state"] == "live"
    assert mock.heartbeats()[DEFAULT_ACCOUNT.api_key]["lapses"] == 0


# -- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize("timeout", [0, -1, float("inf"), float("nan"), "10", True])
def test_the_timeout_must_be_positive_seconds(timeout: Any) -> None:
    with pytest.raises(ValueError, match="heartbeat_timeout"):
        create_app(heartbeat_timeout=timeout)


def test_the_cli_flag_sets_the_deadline_and_the_lapse_is_logged() -> None:
    with running("--orders", "3", "--heartbeat-timeout", "0.3") as (process, url, _banner):
        wait_up(url)
        api = Api(cast(MockServer, SimpleNamespace(url=url)))  # Api needs only the url
        try:
            accepted(api, "")
            wait_for(lapsed(api))
            assert {o["state"] for o in api.http.get("/_mock/orders").json()} == {"canceled"}
        finally:
            api.http.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
        assert process.stdout is not None
        rest = process.stdout.read()
    assert f"no heartbeat from api key {DEFAULT_ACCOUNT.api_key} for 0.3 s" in rest
    assert "canceled its 3 live order(s)" in rest
