"""Near-miss signatures: the L2 rule's mutation matrix (conformance/README.md, "Signature matrix").

The rule: POLY_SIGNATURE = url-safe base64 of HMAC-SHA256, keyed with the url-safe base64 decoded
secret, over timestamp + method + path + the exact body bytes. A verifier can be loose in ways
the obvious probes (another body, path, method; a forged value) never show: it compares part of
the string, or ignores case, or also accepts an HMAC over the message with one part left out or
altered. Each near miss below is a signature a correct server refuses with 401, built
systematically: one per part of the signed message (left out, or altered), one per part of the
key and output encoding, and alterations of the signature string that change what it decodes to
and its length (never only after the padding, which a lenient decoder drops). None of them
decodes to the correct 32 bytes, so a server that compares decoded bytes (with a lenient base64
decoder) rather than strings still refuses every one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from clob_cancel.signing import ApiCreds

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def secret_key(creds: ApiCreds) -> bytes:
    """The HMAC key: the secret, url-safe base64 decoded (padding restored)."""
    secret = creds.api_secret
    return base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))


def mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def encode(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode("ascii")


def flip(signature: str, index: int) -> str:
    """``signature`` with the character at ``index`` replaced by one whose 6-bit value differs in
    the top bit: the decoded bytes change even at the last character, whose two low bits are
    padding a lenient decoder ignores."""
    char = signature[index]
    value = B64.index(char) if char in B64 else 0
    return signature[:index] + B64[value ^ 0b100000] + signature[index + 1 :]


def _reserialized(body: bytes) -> bytes | None:
    """The same JSON value as other bytes (Python's default separators): a verifier that
    canonicalizes before it checks accepts it."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    again = json.dumps(value, indent=1).encode()
    return again if again != body else None


def near_misses(
    creds: ApiCreds, timestamp: str, method: str, path: str, body: bytes
) -> list[tuple[str, str, bytes]]:
    """(what, POLY_SIGNATURE, body to send) for each near miss of the request's signature. The
    body is ``body`` except where the near miss is a body the signature was not made for."""
    key = secret_key(creds)
    good_message = f"{timestamp}{method}{path}".encode() + body
    good = encode(mac(key, good_message))
    half = len(good.rstrip("=")) // 2
    messages = {
        "the body left out of the signed message": f"{timestamp}{method}{path}".encode(),
        "the timestamp left out of the signed message": f"{method}{path}".encode() + body,
        "the method left out of the signed message": f"{timestamp}{path}".encode() + body,
        "the path left out of the signed message": f"{timestamp}{method}".encode() + body,
        "the method in lower case in the signed message": (
            f"{timestamp}{method.lower()}{path}".encode() + body
        ),
        "the timestamp one second off in the signed message": (
            f"{int(timestamp) - 1}{method}{path}".encode() + body
        ),
        "the path with a trailing slash in the signed message": (
            f"{timestamp}{method}{path}/".encode() + body
        ),
        "the parts of the signed message joined by spaces": (
            f"{timestamp} {method} {path} ".encode() + body
        ),
    }
    misses = [(what, encode(mac(key, message)), body) for what, message in messages.items()]
    misses += [
        (
            "an HMAC keyed with the secret string itself, not its base64 decoding",
            encode(mac(creds.api_secret.encode(), good_message)),
            body,
        ),
        ("the right HMAC as hex, not base64", mac(key, good_message).hex(), body),
        ("the signature cut to 8 characters", good[:8], body),
        ("the signature cut to half its length", good[:half], body),
        ("the signature without its last significant character", good.rstrip("=")[:-1], body),
        ("an empty signature", "", body),
        ("the signature with its first character changed", flip(good, 0), body),
        ("the signature with a middle character changed", flip(good, half), body),
        (
            "the signature with its last significant character changed",
            flip(good, len(good.rstrip("=")) - 1),
            body,
        ),
        ("the signature in swapped case", good.swapcase(), body),
        ("the signature in upper case", good.upper(), body),
        ("the signature in lower case", good.lower(), body),
        (
            "the signature extended by four characters",
            good.rstrip("=") + "AAAA" + good[len(good.rstrip("=")) :],
            body,
        ),
        ("the signature after four more characters", "AAAA" + good, body),
    ]
    if body:
        again = _reserialized(body)
        if again is not None:
            misses.append(
                ("the signature of the exact body on the same JSON re-serialized", good, again)
            )
        misses.append(
            ("the signature of the exact body on the body with a trailing space", good, body + b" ")
        )
    # A near miss equal to the good signature would be a correct request, never a probe (the case
    # changes are no-ops only on a signature without letters, which an HMAC never yields).
    return [(what, sig, sent) for what, sig, sent in misses if (sig, sent) != (good, body)]
