"""An error's words fit its reader: ``str(error)`` speaks Python (``sync_clock=True``,
``.partial``), and ``describe()`` lets the CLI say ``--sync-clock`` and name the ids' place
itself; the likely cause of a 401 is kept as data (``auth_cause``, ``clock_skew``,
``credentials_age``), not only as text."""

from __future__ import annotations

import email.utils

import pytest

from clob_cancel import AuthError, CancelError, UnexpectedAnswerError
from clob_cancel_client.models import CancelOrdersResponse

from .client_fakes import START, FakeTime, Server, client, error


def _401_from_a_clock_off_by(seconds: float) -> AuthError:
    date = email.utils.formatdate(START + seconds, usegmt=True)
    server = Server(error(401, "Unauthorized/Invalid api key", {"Date": date}))
    with client(server, FakeTime()) as c, pytest.raises(AuthError) as raised:
        c.cancel("0xa")
    return raised.value


def test_a_skewed_clock_is_kept_as_data_and_said_in_each_readers_words() -> None:
    e = _401_from_a_clock_off_by(-90)
    assert (e.auth_cause, e.clock_skew) == ("clock_skew", -90.0)
    assert str(e).endswith("fix the system clock or pass sync_clock=True)")
    assert e.hint == e.hint_for("sync_clock=True")
    cli = e.describe(sync_clock="--sync-clock")
    assert cli == str(e).replace("sync_clock=True", "--sync-clock")
    assert "sync_clock=True" not in cli


def test_with_the_clocks_agreeing_the_credentials_are_the_likely_cause() -> None:
    e = _401_from_a_clock_off_by(1)
    assert e.auth_cause == "credentials"
    assert e.describe(sync_clock="--sync-clock").endswith("also causes this (--sync-clock))")


def test_the_accounting_is_named_where_the_reader_finds_it() -> None:
    e = UnexpectedAnswerError("cancel_orders", "HTTP 200: an id never requested")
    e.partial = CancelOrdersResponse.from_dict({"canceled": ["0xa"], "not_canceled": {"0xb": "x"}})
    e.unknown_ids = ("0xc",)
    python = str(e)
    assert python.endswith(
        "; 1 canceled and 1 not canceled as answered (see .partial), 1 ids with unknown outcome "
        "(see .unknown_ids), 0 certainly not canceled (see .untouched_ids)"
    )
    assert e.describe(accounting=None) == "cancel_orders: HTTP 200: an id never requested"
    named = e.describe(accounting=("canceled", "unknown", "untouched"))
    assert "(see canceled)" in named and ".partial" not in named


def test_other_hints_are_the_same_for_every_reader() -> None:
    e = CancelError("cancel_all", "HTTP 503", hint="trading is disabled")
    assert e.hint_for("--sync-clock") == "trading is disabled"
    assert e.describe(sync_clock="--sync-clock") == str(e)
