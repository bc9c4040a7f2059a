"""The accounts the mock accepts, and the L1 (EIP-712) check that hands out their credentials."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from typing import Any

import attrs

from clob_cancel.l1 import clob_auth_typed_data
from clob_cancel.ratelimit import CancelTier
from clob_cancel.signing import ApiCreds, CredentialsError, check_address

from .buckets import tier_named

# The first Hardhat/Anvil development key: public knowledge, never holds real funds. Using it
# makes the default account's address one that L1 signatures can be made for.
DEV_PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
DEV_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def _check_creds(instance: Account, _attribute: Any, _value: Any) -> None:
    instance.creds  # noqa: B018 - raises CredentialsError naming the bad field


def _check_tier(_instance: Account, _attribute: Any, value: Any) -> None:
    if value is not None:
        try:
            tier_named(value)
        except ValueError as e:
            raise ValueError(f"tier: {e}") from None


@attrs.frozen(repr=False)
class Account:
    """One CLOB account: L2 credentials and the signer address they belong to.

    ``private_key`` is optional: the server only needs the address; it is kept for development
    accounts whose key is public, so that tests can make L1 signatures for them. ``tier`` names
    the signer's cancel rate-limit tier (``CANCEL_TIERS``); None: no limit.
    """

    api_key: str
    secret: str = attrs.field(eq=False)
    passphrase: str = attrs.field(eq=False, validator=_check_creds)
    address: str = attrs.field(validator=lambda _i, _a, v: check_address(v))
    private_key: str | None = attrs.field(default=None, eq=False)
    tier: str | None = attrs.field(default=None, eq=False, validator=_check_tier)

    @property
    def cancel_tier(self) -> CancelTier | None:
        return None if self.tier is None else tier_named(self.tier)

    @property
    def creds(self) -> ApiCreds:
        """The L2 credentials, in the form the signer takes."""
        return ApiCreds(self.api_key, self.secret, self.passphrase)

    def client_env(self, url: str) -> dict[str, str]:
        """The variables `clob-cancel` and `CancelClient.from_env()` read, to act as this account
        against the mock at ``url`` (by address: no private key needed)."""
        return {
            "CLOB_API_URL": url,
            "CLOB_API_KEY": self.api_key,
            "CLOB_SECRET": self.secret,
            "CLOB_PASS_PHRASE": self.passphrase,
            "CLOB_ADDRESS": self.address,
        }

    def __repr__(self) -> str:
        return f"Account(api_key={self.api_key!r}, address={self.address!r})"

    __str__ = __repr__


DEFAULT_ACCOUNT = Account(
    api_key="00000000-0000-4000-8000-00000000c10b",
    secret="Y2xvYi1jYW5jZWwtbW9jay1kZXYtc2VjcmV0LTAwMDE=",  # b"clob-cancel-mock-dev-secret-0001"
    passphrase="clob-cancel-mock-dev-passphrase",
    address=DEV_ADDRESS,
    private_key=DEV_PRIVATE_KEY,
)
"""The documented development account: all of its values are public, never use it for real."""


def address_of(private_key: str) -> str:
    """The checksummed address of ``private_key`` (eth-account is imported only when needed)."""
    from eth_account import Account as EthAccount

    try:
        address: str = EthAccount.from_key(private_key).address
    except (ValueError, TypeError) as e:
        raise CredentialsError("PK is not a valid private key (expected 32 bytes hex)") from e
    return address


def account_from_env(env: Mapping[str, str] | None = None) -> Account:
    """The account given by CLOB_API_KEY/CLOB_SECRET/CLOB_PASS_PHRASE and CLOB_ADDRESS or PK.

    Falls back to :data:`DEFAULT_ACCOUNT` when none of the three credentials is set; a partial
    set is an error (it is almost always a typo in a CI secret name).
    """
    env = os.environ if env is None else env
    names = ("CLOB_API_KEY", "CLOB_SECRET", "CLOB_PASS_PHRASE")
    given = [name for name in names if env.get(name)]
    if not given:
        return DEFAULT_ACCOUNT
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise CredentialsError(f"{', '.join(missing)} not set (the others are)")
    private_key = env.get("PK") or None
    address = env.get("CLOB_ADDRESS") or (address_of(private_key) if private_key else "")
    if not address:
        raise CredentialsError("set CLOB_ADDRESS or PK: the account needs a signer address")
    return Account(
        api_key=env["CLOB_API_KEY"],
        secret=env["CLOB_SECRET"],
        passphrase=env["CLOB_PASS_PHRASE"],
        address=address,
        private_key=private_key,
    )


def l1_signer(address: str, timestamp: str, nonce: int, chain_id: int, signature: str) -> str:
    """The address that made ``signature`` over the ClobAuth message; raises ValueError if none."""
    from eth_account import Account as EthAccount
    from eth_account.messages import encode_typed_data

    message = encode_typed_data(
        full_message=clob_auth_typed_data(address, timestamp, nonce, chain_id)
    )
    recovered: str = EthAccount.recover_message(message, signature=signature)
    return recovered


def sign_l1(private_key: str, timestamp: str, nonce: int, chain_id: int) -> str:
    """An L1 POLY_SIGNATURE for ``private_key`` (for tests and users' scripts)."""
    from eth_account import Account as EthAccount
    from eth_account.messages import encode_typed_data

    address = address_of(private_key)
    message = encode_typed_data(
        full_message=clob_auth_typed_data(address, timestamp, nonce, chain_id)
    )
    signed = EthAccount.sign_message(message, private_key=private_key)
    return "0x" + bytes(signed.signature).hex().removeprefix("0x")


def generated_accounts(count: int) -> list[Account]:
    """``count`` accounts for one run (``clob-cancel-mock --accounts N``): fresh random
    credentials and signer addresses, no private key. Their secrets exist only in this process
    and in the accounts file it writes."""
    import base64
    import secrets

    return [
        Account(
            api_key=str(uuid.UUID(bytes=secrets.token_bytes(16), version=4)),
            secret=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            passphrase=secrets.token_hex(16),
            address="0x" + secrets.token_hex(20),
        )
        for _ in range(count)
    ]
