"""A retry after an attempt whose answer was lost: the server canceled, the connection dropped
before its answer, the retry is answered "not found or already canceled". Those ids are
reported possibly canceled by the earlier attempt, and the CLI does not say "some not
canceled"."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from clob_cancel import LOST_ANSWER_REASON, CancelClient
from clob_cancel.cli import main
from clob_cancel_mock import DEFAULT_ACCOUNT, MockServer

from .servers import LosesAnswersClob, live_orders, order_ids

IDS = order_ids(3, "lost")
MATCHED = order_ids(1, "matched")[0]


@pytest.fixture
def losing(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockServer]:
    LosesAnswersClob.lose = 1
    orders = [*live_orders(IDS), {**live_orders([MATCHED])[0], "state": "matched"}]
    with MockServer(orders=orders, clob_class=LosesAnswersClob) as server:
        for name, value in DEFAULT_ACCOUNT.client_env(server.url).items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("PK", raising=False)
        yield server


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_cli_does_not_say_not_canceled_after_a_lost_answer(losing: MockServer) -> None:
    code, out, err = run("orders", *IDS)
    assert "retry 1 of 4" in err  # the first answer was lost, and retried
    assert {o["id"] for o in losing.orders() if o["state"] == "canceled"} == set(IDS)
    assert code == 0, out + err
    assert "canceled 0 of 3 orders" in out
    assert "possibly canceled by an earlier attempt whose answer was lost" in out
    assert "not canceled:" not in out


def test_the_json_names_them_possibly_canceled(losing: MockServer) -> None:
    code, out, _ = run("orders", "--json", *IDS)
    report = json.loads(out)
    assert code == 0
    assert sorted(report["possibly_canceled"]) == sorted(IDS)


def test_a_definite_reason_stays_as_the_server_gave_it(losing: MockServer) -> None:
    with CancelClient.from_env() as client:
        answer = client.cancel_orders([*IDS, MATCHED])
    reasons = dict(answer.not_canceled)
    assert reasons[MATCHED] == "Order already matched"
    for order_id in IDS:
        assert reasons[order_id].startswith(LOST_ANSWER_REASON)
        assert reasons[order_id].endswith("Order not found or already canceled")
    code, out, _ = run("order", MATCHED)
    assert code == 1 and "Order already matched" in out


def test_all_after_a_lost_answer_says_more_may_have_been_canceled(losing: MockServer) -> None:
    code, out, _ = run("all")
    assert "canceled 0 orders" in out
    assert "an earlier attempt's answer was lost" in out
    assert code == 0
