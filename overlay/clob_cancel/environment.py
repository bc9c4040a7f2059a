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

NEAR_MISSES: dict[str, tuple[str, ...]] = {
    "CLOB_API_URL": ("CLOB_URL", "CLOB_HOST", "CLOB_API_HOST", "POLYMARKET_CLOB_URL",
                     "POLYMARKET_HOST", "POLY_CLOB_URL", "CLOB_ENDPOINT", "CLOB_API"),
    "CLOB_API_KEY": ("POLY_API_KEY", "POLYMARKET_API_KEY", "CLOB_KEY", "CLOB_APIKEY",
                     "CLOB_API_KEY_ID", "API_KEY"),
    "CLOB_SECRET": ("POLY_SECRET", "POLY_API_SECRET", "CLOB_API_SECRET", "POLYMARKET_SECRET",
                    "POLYMARKET_API_SECRET", "API_SECRET"),
    "CLOB_PASS_PHRASE": ("CLOB_PASSPHRASE", "CLOB_API_PASSPHRASE", "POLY_PASSPHRASE",
                         "POLY_PASS_PHRASE", "POLYMARKET_PASSPHRASE", "POLYMARKET_API_PASSPHRASE",
                         "API_PASSPHRASE", "PASSPHRASE"),
    "PK": ("PRIVATE_KEY", "POLYMARKET_PRIVATE_KEY", "POLY_PRIVATE_KEY", "CLOB_PRIVATE_KEY",
           "CLOB_PK", "POLYGON_PRIVATE_KEY", "WALLET_PRIVATE_KEY", "ETH_PRIVATE_KEY"),
    "CLOB_ADDRESS": ("POLY_ADDRESS", "POLYMARKET_ADDRESS", "CLOB_FUNDER", "FUNDER_ADDRESS",
                     "POLY_FUNDER", "CLOB_SIGNER", "SIGNER_ADDRESS"),
}  # fmt: skip
"""Names people set instead of ours: the official clients' examples and common spellings."""


def set_instead(name: str, environ: Mapping[str, str]) -> str | None:
    """A variable set in ``environ`` that was probably meant as ``name``: a known near miss,
    or a close spelling of it (only names, never values)."""
    import difflib

    for other in NEAR_MISSES.get(name, ()):
        if environ.get(other):
            return other
    candidates = [k for k in environ if k.isupper() and ("CLOB" in k or "POLY" in k) and k != name]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.85)
    return close[0] if close else None


def _missing(names: list[str], environ: Mapping[str, str]) -> str:
    parts = []
    for name in names:
        guesses = [(g, n) for n in name.split(" or ") if (g := set_instead(n, environ))]
        if guesses:
            (other, meant), *_ = guesses
            parts.append(f"{name} ({other} is set: did you mean {meant}?)")
        else:
            parts.append(name)
    return ", ".join(parts)


def _chomp(value: str) -> str:
    """``value`` without one trailing newline ("\\n" or "\\r\\n"), as a secret file often ends."""
    return value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")


def credential_env(environ: Mapping[str, str], *, required: bool = True) -> dict[str, str]:
    """The one rule for the credentials' variables, which ``clob-cancel``, ``from_env``,
    ``clob-cancel-mock`` and ``clob-cancel-conformance`` all apply: CLOB_API_KEY, CLOB_SECRET,
    CLOB_PASS_PHRASE, and PK or CLOB_ADDRESS, each without one trailing newline (a secret file's);
    a :class:`CredentialsError` names every missing variable (and a near miss that is set) or the
    variable holding a value that cannot be sent, never a value. Returns those set, cleaned.
    Not ``required`` and none of the three set: ``{}`` (the mock's default account)."""
    names = (*_ENV_NAMES.values(), "CLOB_ADDRESS", "PK")
    env = {name: _chomp(environ[name]) for name in names if environ.get(name)}
    if not required and not any(env.get(name) for name in _ENV_NAMES.values()):
        return {}
    missing = [name for name in _ENV_NAMES.values() if not env.get(name)]
    if not env.get("PK") and not env.get("CLOB_ADDRESS"):
        missing.append("PK or CLOB_ADDRESS")
    if missing:
        raise CredentialsError(f"environment variables not set: {_missing(missing, environ)}")
    try:
        ApiCreds(*(env[name] for name in _ENV_NAMES.values()))
    except CredentialsError as e:  # name the variable rather than ApiCreds' field
        text = str(e)
        for field, name in _ENV_NAMES.items():
            text = text.replace(field, name)
        raise CredentialsError(text) from None
    return env


def client_arguments_from_env(environ: Mapping[str, str] | None) -> dict[str, Any]:
    """``base_url``, ``creds`` and ``address`` from the CLOB_* variables and PK (``os.environ``
    when ``environ`` is None), by :func:`credential_env`'s rule."""
    source = os.environ if environ is None else environ
    url = _chomp(source.get("CLOB_API_URL", ""))
    try:
        env = credential_env(source)
    except CredentialsError as e:
        if url or "not set" not in str(e):
            raise
        text = str(e).replace(": ", f": {_missing(['CLOB_API_URL'], source)}, ", 1)
        raise CredentialsError(text) from None
    if not url:
        raise CredentialsError(
            f"environment variables not set: {_missing(['CLOB_API_URL'], source)}"
        )
    creds = ApiCreds(*(env[name] for name in _ENV_NAMES.values()))
    try:
        address = resolve_address(env.get("CLOB_ADDRESS") or None, env.get("PK") or None)
    except CredentialsError as e:
        raise CredentialsError(f"PK / CLOB_ADDRESS: {e}") from None
    return {"base_url": url, "creds": creds, "address": address}
