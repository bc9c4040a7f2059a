"""`import clob_cancel` and a client built from an address and API credentials stay light: they
must not import eth-account (a heavy import, needed only for a private key)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .client_fakes import ADDRESS, API_KEY, PASSPHRASE, PRIVATE_KEY, SECRET

PROBE = """
import sys
import clob_cancel
loaded_by_import = "eth_account" in sys.modules
from clob_cancel import ApiCreds, AsyncCancelClient, CancelClient
creds = ApiCreds({key!r}, {secret!r}, {passphrase!r})
CancelClient("https://clob.test", creds, {address!r}).close()
AsyncCancelClient("https://clob.test", creds, {address!r})
CancelClient.from_env({{"CLOB_API_URL": "https://clob.test", "CLOB_API_KEY": {key!r},
    "CLOB_SECRET": {secret!r}, "CLOB_PASS_PHRASE": {passphrase!r}, "CLOB_ADDRESS": {address!r}}})
print(loaded_by_import, "eth_account" in sys.modules)
{then}
print("eth_account" in sys.modules)
"""


def run(then: str = "") -> list[str]:
    code = PROBE.format(
        key=API_KEY, secret=SECRET, passphrase=PASSPHRASE, address=ADDRESS, then=then
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.split()


def test_import_and_construction_from_an_address_do_not_load_eth_account() -> None:
    assert run() == ["False", "False", "False"]


def test_the_probe_sees_eth_account_once_a_private_key_is_used() -> None:
    """The probe above can fail: a client from a private key does load eth-account."""
    then = f"CancelClient('https://clob.test', creds, private_key={PRIVATE_KEY!r}).close()"
    assert run(then) == ["False", "False", "True"]


def test_every_public_name_resolves() -> None:
    import clob_cancel

    for name in clob_cancel.__all__:
        assert getattr(clob_cancel, name) is not None, name
    assert sorted(clob_cancel.__all__) == dir(clob_cancel)
    with pytest.raises(AttributeError, match="NoSuchName"):
        clob_cancel.NoSuchName  # noqa: B018
