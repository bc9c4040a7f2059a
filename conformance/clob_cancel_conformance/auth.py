"""L2 signing for every request the suite sends, computed over the bytes actually sent.

schemathesis' `@schemathesis.auth()` providers run on the generated `Case`, before the transport
serializes the body (its issue #2329), and its `requests` transport serializes JSON differently
from httpx (`", "` and `": "` separators, ASCII escapes). A signature computed there would be over
other bytes than the ones on the wire, so every body-bearing case would get 401 and the suite would
test nothing but the auth. A `requests` auth runs on the *prepared* request instead, after
serialization: whatever body schemathesis sends (valid, invalid, not even JSON), it is signed.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

import requests
import requests.auth
import requests.sessions

from clob_cancel_conformance import target


def body_bytes(request: requests.PreparedRequest) -> bytes:
    """The body as it goes on the wire; a text body is fixed to its UTF-8 encoding first.

    requests leaves a `str` body as is, and the HTTP layer would later encode it on its own
    terms; turning it into bytes here makes the signed bytes and the sent bytes the same object.
    """
    body = request.body
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        raw = body.encode("utf-8")
        request.body = raw
        request.prepare_content_length(raw)
        return raw
    raise TypeError(f"cannot sign a streamed request body ({type(body).__name__})")


L2_HEADERS = ("POLY_ADDRESS", "POLY_SIGNATURE", "POLY_TIMESTAMP", "POLY_API_KEY", "POLY_PASSPHRASE")
MASK = "[Filtered]"  # schemathesis' own sanitization placeholder
_SEND = requests.sessions.Session.prepare_request.__code__


def being_sent() -> bool:
    """Whether the request is being prepared to be sent (through a requests Session).

    schemathesis also prepares a request a second time, outside any session, to render its
    "Reproduce with: curl ..." line, and passes this auth along: signing there would put a fresh
    signature and the passphrase into the report, after its sanitizer masked the sent ones.
    """
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is _SEND:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


class L2Auth(requests.auth.AuthBase):
    """Adds the five POLY_* headers, signed with the current target's credentials, to every
    request that is sent to a path with an L2 operation in the spec (its security requirement,
    not a tag or a list in the suite); a request only rendered for a report keeps the masked
    headers it was sent with (or gets masked placeholders)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if not being_sent():
            for name in L2_HEADERS:
                request.headers.setdefault(name, MASK)
            return request
        body = body_bytes(request)
        path = urlsplit(request.url or "").path or "/"
        method = (request.method or "").upper()
        t = target.current()
        if path in t.l2_operations():  # any method: the unknown-method probes are signed too
            request.headers.update(t.signed_headers(method, path, body))
        return request
