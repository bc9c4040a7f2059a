"""The CLI tests' fixtures: a mock on loopback per test file, and the short order ids these
tests use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    mock = pytest.importorskip("clob_cancel_mock")
    with mock.MockServer() as running:
        yield running


@pytest.fixture
def short_ids_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests' orders have short ids, not the CLOB's 0x + 64 hex digits."""
    monkeypatch.setenv("CLOB_CANCEL_ALLOW_ODD_IDS", "1")
