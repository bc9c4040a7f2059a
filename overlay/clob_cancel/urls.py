"""The one rule for the CLOB's URL, which the client, the CLI and the conformance suite apply:
http(s) with a host, and plain http:// only to loopback unless the caller trusts the network
(every request carries the API passphrase and a signature)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: localhost, 127.0.0.0/8 or ::1."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def masked_url(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``, fit to be shown."""
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if sep and "@" in authority:
        return f"{scheme}://***@{authority.rpartition('@')[2]}{slash}{path}"
    return url


def check_base_url(
    base_url: object,
    allow_insecure_http: bool,
    *,
    name: str = "base_url",
    allow_option: str = "allow_insecure_http=True",
) -> str:
    """``base_url`` when it is a valid http(s) URL with a host, not plain http to a host that is
    not loopback (unless ``allow_insecure_http``); else a ValueError saying why. ``name`` and
    ``allow_option`` are what the caller's user knows them as (the CLI: ``--url`` and
    ``--insecure-http``)."""
    import httpx

    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        shown = masked_url(base_url) if isinstance(base_url, str) else base_url
        raise ValueError(f"{name} must be an http:// or https:// URL, got {shown!r}")
    if "@" in base_url.partition("://")[2].partition("/")[0]:
        raise ValueError(
            f"{name} carries a user name or password ({masked_url(base_url)!r}): the CLOB "
            "authenticates each request by its signature, and the URL is shown in messages; "
            "remove the 'user:password@'"
        )
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 (a ValueError on a port that is not a number in range)
        httpx.URL(base_url)
    except (ValueError, httpx.InvalidURL) as e:
        raise ValueError(f"{name} is not a valid URL ({e}): {base_url!r}") from None
    if not parts.hostname:
        raise ValueError(f"{name} has no host: {base_url!r}")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        raise ValueError(
            f"{name} {base_url!r} is plain http:// to a host that is not loopback: every "
            "request would carry the API passphrase and its signature in cleartext. Use "
            f"https://, or pass {allow_option} if the network is yours to trust"
        )
    return base_url
