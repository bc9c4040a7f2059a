"""Accounts: the documented default, the environment override, secrets kept out of reprs."""

from __future__ import annotations

import pytest

from clob_cancel.signing import CredentialsError
from clob_cancel_mock import DEFAULT_ACCOUNT, Account, account_from_env
from clob_cancel_mock.accounts import address_of

from .conftest import OTHER


def test_default_account_is_the_hardhat_key_and_valid() -> None:
    assert address_of(DEFAULT_ACCOUNT.private_key or "") == DEFAULT_ACCOUNT.address
    assert DEFAULT_ACCOUNT.creds.api_key == DEFAULT_ACCOUNT.api_key


def test_repr_hides_secret_passphrase_and_key() -> None:
    text = repr(OTHER) + str(OTHER)
    assert OTHER.api_key in text
    for secret in (OTHER.secret, OTHER.passphrase, OTHER.private_key or ""):
        assert secret not in text


def test_environment_overrides_the_default() -> None:
    env = {
        "CLOB_API_KEY": OTHER.api_key,
        "CLOB_SECRET": OTHER.secret,
        "CLOB_PASS_PHRASE": OTHER.passphrase,
        "PK": OTHER.private_key or "",
    }
    account = account_from_env(env)
    assert account == Account(OTHER.api_key, OTHER.secret, OTHER.passphrase, OTHER.address)
    env["CLOB_ADDRESS"] = DEFAULT_ACCOUNT.address  # an explicit address wins over PK's
    assert account_from_env(env).address == DEFAULT_ACCOUNT.address
    assert account_from_env({}) is DEFAULT_ACCOUNT


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CLOB_API_KEY": "k", "CLOB_SECRET": "c2VjcmV0"}, "CLOB_PASS_PHRASE not set"),
        (
            {"CLOB_API_KEY": "k", "CLOB_SECRET": "c2VjcmV0", "CLOB_PASS_PHRASE": "p"},
            "CLOB_ADDRESS or PK",
        ),
        (
            {
                "CLOB_API_KEY": "k",
                "CLOB_SECRET": "not base64!",
                "CLOB_PASS_PHRASE": "p",
                "CLOB_ADDRESS": DEFAULT_ACCOUNT.address,
            },
            "api_secret is not urlsafe base64",
        ),
        (
            {
                "CLOB_API_KEY": "k",
                "CLOB_SECRET": "c2VjcmV0",
                "CLOB_PASS_PHRASE": "p",
                "CLOB_ADDRESS": "0x12",
            },
            "address must be 0x followed by 40 hex digits",
        ),
        (
            {"CLOB_API_KEY": "k", "CLOB_SECRET": "c2VjcmV0", "CLOB_PASS_PHRASE": "p", "PK": "0x12"},
            "PK is not a valid private key",
        ),
    ],
)
def test_bad_environment_names_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(CredentialsError, match=message) as raised:
        account_from_env(env)
    assert "c2VjcmV0" not in str(raised.value)


def test_an_account_may_name_a_documented_tier() -> None:
    gold = Account(OTHER.api_key, OTHER.secret, OTHER.passphrase, OTHER.address, tier="gold")
    assert gold.cancel_tier is not None and gold.cancel_tier.name == "Gold"
    assert gold == OTHER  # the tier is a setting, not the account's identity
    assert OTHER.cancel_tier is None
    with pytest.raises(ValueError, match="tier: unknown tier 'Sliver'; known: Standard"):
        Account(OTHER.api_key, OTHER.secret, OTHER.passphrase, OTHER.address, tier="Sliver")
