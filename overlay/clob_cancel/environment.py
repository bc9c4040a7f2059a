"""Where a client's credentials come from: the CLOB_* variables and PK, or the arguments given."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .signing import ApiCreds, CredentialsError, check_address


def resolve_address(address: str | None, private_key: str | None) -> str:
    """The signer's address: ``address`` checked, or derived from ``private_key`` (eth-account,
    imported only then); both given must agree."""
    if private_key is None:
        if address is None:
            raise CredentialsError(
                "give the signer's address (address=) or its private key (private_key=)"
            )
        return check_address(address)
    from .l1 import address_from_private_key

    derived = address_from_private_key(private_key)
    if address is not None and check_address(address).lower() != derived.lower():
        raise CredentialsError(
            f"address {address} is not the address of the private key given ({derived})"
        )
    return address or derived


_ENV_NAMES = {
    "api_key": "CLOB_API_KEY",
    "api_secret": "CLOB_SECRET",
    "api_passphrase": "CLOB_PASS_PHRASE",
}


def _chomp(value: str) -> str:
    """``value`` without one trailing newline ("\\n" or "\\r\\n"), as a secret file often ends."""
    return value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")


def client_arguments_from_env(environ: Mapping[str, str] | None) -> dict[str, Any]:
    """``base_url``, ``creds`` and ``address`` from the CLOB_* variables and PK (``os.environ``
    when ``environ`` is None); a :class:`CredentialsError` names every missing one."""
    source = os.environ if environ is None else environ
    names = ("CLOB_API_URL", *_ENV_NAMES.values(), "CLOB_ADDRESS", "PK")
    env = {name: _chomp(source[name]) for name in names if source.get(name)}
    missing = [name for name in ("CLOB_API_URL", *_ENV_NAMES.values()) if not env.get(name)]
    if not env.get("PK") and not env.get("CLOB_ADDRESS"):
        missing.append("PK or CLOB_ADDRESS")
    if missing:
        raise CredentialsError(f"environment variables not set: {', '.join(missing)}")
    try:
        creds = ApiCreds(*(env[name] for name in _ENV_NAMES.values()))
    except CredentialsError as e:  # name the variable rather than ApiCreds' field
        text = str(e)
        for field, name in _ENV_NAMES.items():
            text = text.replace(field, name)
        raise CredentialsError(text) from None
    try:
        address = resolve_address(env.get("CLOB_ADDRESS") or None, env.get("PK") or None)
    except CredentialsError as e:
        raise CredentialsError(f"PK / CLOB_ADDRESS: {e}") from None
    return {"base_url": env["CLOB_API_URL"], "creds": creds, "address": address}
