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


def check_header_text(field: str, value: object) -> str:
    """Return ``value`` if it can be sent as an HTTP header value as it is: a non-empty string of
    printable ASCII with no leading or trailing whitespace. Else raise, naming ``field`` and never
    the value: a passphrase ending in a newline (a CI secret file) would otherwise be refused by
    the HTTP library with the header quoted in full, in its exception and its debug log."""
    if not isinstance(value, str) or not value:
        raise CredentialsError(f"{field} is empty or not a string")
    if value != value.strip():
        raise CredentialsError(
            f"{field} has leading or trailing whitespace (a newline from a secret file?); "
            "give the value exactly as issued"
        )
    if not (value.isascii() and value.isprintable()):
        index = next(i for i, c in enumerate(value) if not (c.isascii() and c.isprintable()))
        raise CredentialsError(f"{field} has a control or non-ASCII character at index {index}")
    return value


def _decode_secret(secret: str) -> bytes:
    check_header_text("api_secret", secret)
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
    if isinstance(address, str) and address != address.strip():
        raise CredentialsError("address has leading or trailing whitespace")
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
        raise CredentialsError("address must be 0x followed by 40 hex digits")
    return address


class _Sealed:
    """The secret and passphrase, kept out of attrs' reach: ``attrs.asdict(creds)`` and
    ``attrs.astuple(creds)`` return this object as it is, and it shows neither."""

    __slots__ = ("passphrase", "secret")

    def __init__(self, secret: str, passphrase: str) -> None:
        self.secret = secret
        self.passphrase = passphrase

    def __repr__(self) -> str:
        return "<secret and passphrase: ***>"


@attrs.frozen(repr=False, init=False)
class ApiCreds:
    """L2 API credentials. The secret is decoded (and checked) once, at construction; the key and
    passphrase must be sendable as header values as they are (printable ASCII, no surrounding
    whitespace), else :class:`CredentialsError` names the field, never the value.

    ``api_secret`` and ``api_passphrase`` are read-only properties, not attrs fields: neither
    ``repr()`` nor ``attrs.asdict()`` / ``attrs.astuple()`` shows them."""

    api_key: str
    # When this process created the key (unix seconds), else None: new keys take a short while to
    # become valid, and an AuthError right after creation says so.
    created_at: float | None = attrs.field(default=None, eq=False, kw_only=True)
    _sealed: _Sealed = attrs.field(eq=False, init=False)
    _mac: Any = attrs.field(init=False, eq=False)  # an hmac object keyed once, copied per use

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        api_passphrase: str,
        *,
        created_at: float | None = None,
    ) -> None:
        check_header_text("api_key", api_key)
        check_header_text("api_passphrase", api_passphrase)
        key = _decode_secret(api_secret)
        self.__attrs_init__(api_key, created_at=created_at)
        object.__setattr__(self, "_sealed", _Sealed(api_secret, api_passphrase))
        object.__setattr__(self, "_mac", hmac.new(key, digestmod=hashlib.sha256))

    @property
    def api_secret(self) -> str:
        return self._sealed.secret

    @property
    def api_passphrase(self) -> str:
        return self._sealed.passphrase

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
