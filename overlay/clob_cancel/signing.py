"""L2 (HMAC) request signing: one pure function shared by the client, the mock and the suite.

signature = urlsafe-base64(HMAC-SHA256(key=urlsafe-base64-decode(secret),
                                       message=timestamp + method + path + body))

The body is the exact bytes sent, as the TypeScript official clients sign it and as the contract
says. The Python official clients sign ``str(body).replace("'", '"')`` instead; the two agree on
every body without an apostrophe (every real order, market and asset id). Signing, or accepting,
the replaced form would let a captured signature cover another body (the spec's "L2
authentication" section has the replay that turns a market filter into cancel-everything).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import Any

import attrs

_URLSAFE_B64 = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


class CredentialsError(ValueError):
    """Malformed credentials or address. The message names the field, never its value."""


def _decode_secret(secret: str) -> bytes:
    if not isinstance(secret, str) or not secret:
        raise CredentialsError("api_secret is empty or not a string")
    if not _URLSAFE_B64.fullmatch(secret) or len(secret) % 4:
        raise CredentialsError(
            f"api_secret is not urlsafe base64 ({len(secret)} characters; "
            "expected the 'secret' exactly as the CLOB issued it)"
        )
    try:
        key = base64.urlsafe_b64decode(secret)
    except (binascii.Error, ValueError):
        raise CredentialsError("api_secret is not urlsafe base64") from None
    if not key:
        raise CredentialsError("api_secret decodes to no bytes")
    return key


def check_address(address: str) -> str:
    """Return ``address`` if it is a 0x-prefixed 20-byte hex address, else raise."""
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
        raise CredentialsError("address must be 0x followed by 40 hex digits")
    return address


@attrs.frozen(repr=False)
class ApiCreds:
    """L2 API credentials. The secret is decoded (and checked) once, at construction."""

    api_key: str
    api_secret: str = attrs.field(eq=False)
    api_passphrase: str = attrs.field(eq=False)
    # When this process created the key (unix seconds), else None: new keys take a short while to
    # become valid, and an AuthError right after creation says so.
    created_at: float | None = attrs.field(default=None, eq=False, kw_only=True)
    _mac: Any = attrs.field(init=False, eq=False)  # an hmac object keyed once, copied per use

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.api_key, str) or not self.api_key:
            raise CredentialsError("api_key is empty or not a string")
        if not isinstance(self.api_passphrase, str) or not self.api_passphrase:
            raise CredentialsError("api_passphrase is empty or not a string")
        key = _decode_secret(self.api_secret)
        object.__setattr__(self, "_mac", hmac.new(key, digestmod=hashlib.sha256))

    def __repr__(self) -> str:
        return f"ApiCreds(api_key={self.api_key[:8]!r}…, api_secret=***, api_passphrase=***)"

    __str__ = __repr__


def l2_signature(creds: ApiCreds, timestamp: str, method: str, path: str, body: bytes) -> str:
    """The POLY_SIGNATURE value for one request."""
    mac = creds._mac.copy()
    mac.update(f"{timestamp}{method}{path}".encode())
    if body:
        mac.update(body)
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii")


def l2_headers(
    creds: ApiCreds, address: str, timestamp: int, method: str, path: str, body: bytes
) -> dict[str, str]:
    """The five L2 headers for a request of ``method`` on ``path`` (no query) with ``body``."""
    ts = str(timestamp)
    return {
        "POLY_ADDRESS": address,
        "POLY_SIGNATURE": l2_signature(creds, ts, method.upper(), path, body),
        "POLY_TIMESTAMP": ts,
        "POLY_API_KEY": creds.api_key,
        "POLY_PASSPHRASE": creds.api_passphrase,
    }
