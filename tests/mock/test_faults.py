"""Fault injection and modes: off by default, set by the admin surface, as documented."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from clob_cancel_mock import MockServer

from .conftest import Api, json_of


def set_faults(api: Api, faults: object) -> httpx.Response:
    return api.http.post("/_mock/faults", json=faults)


def test_no_faults_by_default(api: Api) -> None:
    assert json_of(api.http.get("/_mock/faults")) == {}


def test_status_425_twice_then_normal_and_nothing_canceled_meanwhile(api: Api) -> None:
    assert json_of(set_faults(api, {"status": 425, "count": 2})) == {
        "status": 425,
        "retry_after": 1,
        "count": 2,
    }
    for _ in range(2):
        response = api.cancel("0xa1")
        assert response.status_code == 425
        assert response.headers["retry-after"] == "1"
        assert json_of(response)["retry_after_seconds"] == 1
        assert api.states()["0xa1"] == "live"
    assert json_of(api.cancel("0xa1"))["canceled"] == ["0xa1"]
    assert json_of(api.http.get("/_mock/faults"))["count"] == 0


def test_faults_come_after_auth(api: Api) -> None:
    set_faults(api, {"status": 500})
    assert api.http.delete("/cancel-all").status_code == 401
    assert api.send("DELETE", "/cancel-all").status_code == 500


def test_faults_apply_to_the_named_operations_only(api: Api) -> None:
    set_faults(api, {"status": 503, "operations": ["cancel_all"]})
    assert api.cancel("0xa1").status_code == 200
    assert api.send("DELETE", "/cancel-all").status_code == 503
    assert api.http.get("/time").status_code == 200


def test_delay(api: Api) -> None:
    set_faults(api, {"delay_seconds": 0.3})
    start = time.monotonic()
    assert api.cancel("0xa1").status_code == 200
    assert time.monotonic() - start >= 0.3


def test_stopping_does_not_wait_out_a_delay_and_serves_nothing() -> None:
    """A request sleeping in a fault's delay is abandoned when MockServer stops (uvicorn would
    wait its 3 s grace period for it, then cancel it with an error traceback)."""
    with MockServer(orders=[{"id": "0xa1"}], faults={"delay_seconds": 30}) as mock:
        api = Api(mock)
        done: list[BaseException] = []

        def cancel() -> None:
            try:
                api.cancel("0xa1")
            except httpx.HTTPError as e:
                done.append(e)

        worker = threading.Thread(target=cancel)
        worker.start()
        time.sleep(0.2)  # the request is in, sleeping in its delay
        start = time.monotonic()
    assert time.monotonic() - start < 1.5
    worker.join(5)
    assert len(done) == 1 and isinstance(done[0], httpx.RemoteProtocolError)
    assert mock.orders()[0]["state"] == "live"
    api.http.close()


def test_drop_connection_once_without_answering(api: Api) -> None:
    set_faults(api, {"drop_connection": True, "count": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        api.cancel("0xa1")
    assert api.states()["0xa1"] == "live"
    assert json_of(api.cancel("0xa1"))["canceled"] == ["0xa1"]


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ([], "expected a JSON object"),
        ({"stauts": 425}, "unknown key(s) stauts"),
        ({"status": 404}, "faults.status: must be one of 425, 429, 500, 503"),
        ({"status": "425"}, "faults.status: expected an integer"),
        ({"count": 2}, "faults.count: only with status, drop_connection or restarting"),
        ({"status": 425, "drop_connection": True}, "set only one of"),
        ({"restarting": True, "status": 425}, "set only one of"),
        ({"restarting": "90"}, "faults.restarting: expected seconds or true, got str"),
        ({"restarting": 0}, "faults.restarting: must be between"),
        ({"restarting": 90, "count": 2}, "faults.count: with restarting: true, not with seconds"),
        ({"post_only_seconds": 5}, "faults.post_only_seconds: only with restarting"),
        ({"restarting": 1, "post_only_seconds": -1}, "faults.post_only_seconds: must be between"),
        ({"delay_seconds": -1}, "faults.delay_seconds: must be between 0 and 60"),
        ({"rate_limit": {"burst": 3}}, "faults.rate_limit"),
        ({"rate_limit": {"rate": 0, "burst": 3}}, "faults.rate_limit.rate: must be between"),
        ({"operations": ["cancel_everything"]}, "unknown operationId(s) cancel_everything"),
        ({"trading_disabled": "yes"}, "faults.trading_disabled: expected true or false"),
    ],
)
def test_bad_fault_settings_are_400_naming_the_key(api: Api, faults: object, message: str) -> None:
    response = set_faults(api, faults)
    assert response.status_code == 400
    assert message in json_of(response)["error"]
    assert json_of(api.http.get("/_mock/faults")) == {}


def test_faults_from_the_constructor() -> None:
    from clob_cancel_mock import MockServer

    with MockServer(orders=[{"id": "0xa1"}], faults={"status": 425, "count": 1}) as server:
        api = Api(server)
        assert api.cancel("0xa1").status_code == 425
        assert api.cancel("0xa1").status_code == 200
        server.reset()  # back to the initial faults, too
        assert api.cancel("0xa1").status_code == 425
        api.http.close()
