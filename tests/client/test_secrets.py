"""No secret in output (issue 15, section 2): credentials that could not be sent as they are are
refused at construction, naming the field and never the value; a server's echo of the secret,
passphrase or signature is scrubbed before the text is cut, and in its encoded forms too; and
attrs' own serializers do not return the secret or passphrase."""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import attrs
import httpx
import pytest

from clob_cancel import ApiCreds, CancelClient, CancelError, TransportError
from clob_cancel.signing import CredentialsError

from .client_fakes import ADDRESS, API_KEY, BASE_URL, PASSPHRASE, SECRET, FakeTime

# The mock's and the live CLOB's passphrases are hex; this one has every character an encoder
# treats specially, so that each encoded form differs from the plain one.
ODD_PASSPHRASE = 'pass phrase/+&<"\\>%-for-tests'
ODD = ApiCreds(API_KEY, SECRET, ODD_PASSPHRASE)


# -- 2a: refused at construction, naming the field, never the value --------------------------

BAD_VALUES = [
    "value-from-a-secret-file\n",
    "value-from-a-secret-file\r\n",
    " value-with-a-leading-space",
    "value-with-a-trailing-tab\t",
    "value\nwith-a-newline-inside",
    "value\x00with-a-nul",
    "value\x7fwith-a-del",
    "value\u2028with-a-line-separator",
    "value-with-\xe9",
]


@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
@pytest.mark.parametrize("field", ["api_key", "api_passphrase"])
def test_key_and_passphrase_must_be_sendable_as_they_are(field: str, bad: str) -> None:
    values = {"api_key": API_KEY, "api_secret": SECRET, "api_passphrase": PASSPHRASE, field: bad}
    with pytest.raises(CredentialsError) as caught:
        ApiCreds(values["api_key"], values["api_secret"], values["api_passphrase"])
    message = str(caught.value)
    assert message.startswith(field)
    assert bad.strip()[:10] not in message


@pytest.mark.parametrize("bad", [SECRET + "\n", " " + SECRET, SECRET[:8] + "\n" + SECRET[8:]])
def test_secret_with_whitespace_is_refused_without_its_value(bad: str) -> None:
    with pytest.raises(CredentialsError) as caught:
        ApiCreds(API_KEY, bad, PASSPHRASE)
    assert str(caught.value).startswith("api_secret")
    assert SECRET[:8] not in str(caught.value)


@pytest.mark.parametrize("bad", [ADDRESS + "\n", " " + ADDRESS])
def test_address_with_whitespace_is_refused(bad: str) -> None:
    with pytest.raises(CredentialsError, match="address has leading or trailing whitespace"):
        CancelClient(BASE_URL, ApiCreds(API_KEY, SECRET, PASSPHRASE), bad)


def env(**changes: str) -> dict[str, str]:
    values = {
        "CLOB_API_URL": BASE_URL,
        "CLOB_API_KEY": API_KEY,
        "CLOB_SECRET": SECRET,
        "CLOB_PASS_PHRASE": PASSPHRASE,
        "CLOB_ADDRESS": ADDRESS,
    }
    return {**values, **changes}


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_from_env_removes_one_trailing_newline(end: str) -> None:
    environ = {name: value + end for name, value in env().items()}
    with CancelClient.from_env(environ) as client:
        assert client._auth.creds.api_passphrase == PASSPHRASE
        assert client._auth.creds.api_key == API_KEY
        assert client._auth.creds.api_secret == SECRET
        assert client.address == ADDRESS
        assert client.base_url == BASE_URL


@pytest.mark.parametrize("bad", [PASSPHRASE + "\n\n", PASSPHRASE + " \n", PASSPHRASE + "\t"])
def test_from_env_refuses_other_whitespace_naming_the_variable(bad: str) -> None:
    with pytest.raises(CredentialsError) as caught:
        CancelClient.from_env(env(CLOB_PASS_PHRASE=bad))
    assert str(caught.value).startswith("CLOB_PASS_PHRASE has leading or trailing whitespace")
    assert PASSPHRASE not in str(caught.value)


def test_a_newline_terminated_passphrase_never_reaches_httpx_or_its_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The review's five places (error text, --json, stderr, the chained httpx exception,
    httpcore's DEBUG log) all came from h11 quoting the header: it is never built now."""
    caplog.set_level(logging.DEBUG)
    with pytest.raises(CredentialsError) as caught:
        CancelClient(BASE_URL, ApiCreds(API_KEY, SECRET, PASSPHRASE + "\n"), ADDRESS)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert PASSPHRASE not in caplog.text


# -- 2d: attrs' serializers ---------------------------------------------------------------------


def test_attrs_serializers_do_not_return_the_secret_or_passphrase() -> None:
    creds = ApiCreds(API_KEY, SECRET, PASSPHRASE, created_at=1.5)
    for shown in (attrs.asdict(creds), attrs.astuple(creds), repr(creds), str(creds)):
        text = repr(shown)
        assert SECRET not in text and SECRET[:12] not in text
        assert PASSPHRASE not in text
    assert attrs.asdict(creds)["api_key"] == API_KEY
    assert attrs.asdict(creds)["created_at"] == 1.5
    assert (creds.api_secret, creds.api_passphrase) == (SECRET, PASSPHRASE)


def test_creds_stay_frozen_and_compare_by_key() -> None:
    creds = ApiCreds(API_KEY, SECRET, PASSPHRASE)
    with pytest.raises(AttributeError):
        creds.api_passphrase = "other"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        creds.api_key = "other"  # type: ignore[misc]
    assert creds == ApiCreds(API_KEY, SECRET, "another-passphrase")
    assert hash(creds) == hash(ApiCreds(API_KEY, SECRET, PASSPHRASE))
    assert ApiCreds(api_key=API_KEY, api_secret=SECRET, api_passphrase=PASSPHRASE) == creds


# -- 2b and 2c: scrub every echo, before cutting ------------------------------------------------


def failed(answer: object, creds: ApiCreds = ODD) -> CancelError:
    """The error of a cancel answered by ``answer(request)`` (no retry)."""

    def handler(request: httpx.Request) -> httpx.Response:
        return answer(request)  # type: ignore[operator, no-any-return]

    fake = FakeTime()
    client = CancelClient(
        BASE_URL,
        creds,
        ADDRESS,
        retries=0,
        clock=fake.clock,
        sleep=fake.sleep,
        httpx_client_kwargs={"transport": httpx.MockTransport(handler)},
    )
    with client, pytest.raises(CancelError) as caught:
        client.cancel_all()
    return caught.value


def leaks(error: CancelError, secret: str) -> list[str]:
    """The pieces of ``secret`` (8 characters or more) found in any text the error shows."""
    texts = [str(error), repr(error), error.server_message or "", error.detail]
    pieces = {secret[i : i + 8] for i in range(len(secret) - 7)}
    return sorted(p for p in pieces for text in texts if p in text)


@pytest.mark.parametrize("start", [150, 190, 195, 199, 200, 260, 295, 299])
def test_a_passphrase_straddling_the_cut_leaves_nothing(start: int) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        body = "x" * start + PASSPHRASE + " trailing text " * 40
        return httpx.Response(502, text=body, headers={"content-type": "text/html"})

    error = failed(answer, ApiCreds(API_KEY, SECRET, PASSPHRASE))
    assert leaks(error, PASSPHRASE) == []
    assert PASSPHRASE[:4] not in str(error)  # not even the first characters before the cut
    assert len(error.server_message or "") <= 200


@pytest.mark.parametrize("start", [150, 195, 299, 310])
def test_a_long_error_text_straddling_the_cut_leaves_nothing(start: int) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "y" * start + PASSPHRASE + "z" * 400})

    error = failed(answer, ApiCreds(API_KEY, SECRET, PASSPHRASE))
    assert leaks(error, PASSPHRASE) == []
    assert PASSPHRASE[:4] not in str(error)


def signature_of(request: httpx.Request) -> str:
    return request.headers["POLY_SIGNATURE"]


ENCODINGS: dict[str, Callable[[str], str]] = {
    "plain": lambda s: s,
    "%-encoded": lambda s: quote(s, safe=""),
    "%-encoded lower case": lambda s: re.sub("%..", lambda m: m[0].lower(), quote(s, safe="")),
    "form-encoded": quote_plus,
    "JSON-escaped": lambda s: json.dumps(s)[1:-1].replace("/", "\\/"),
    "JSON \\u-escaped": lambda s: "".join(f"\\u{ord(c):04x}" for c in s),
    "HTML-escaped": html.escape,
    "HTML numeric": lambda s: "".join(f"&#{ord(c)};" for c in s),
    "unpadded": lambda s: s.rstrip("="),
}


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("which", ["signature", "passphrase", "secret"])
def test_encoded_echoes_are_scrubbed(which: str, encoding: str) -> None:
    encode = ENCODINGS[encoding]
    seen: list[str] = []

    def value(request: httpx.Request) -> str:
        if which == "signature":
            seen.append(signature_of(request))
            return seen[-1]
        return ODD_PASSPHRASE if which == "passphrase" else SECRET

    def echo_in_html(request: httpx.Request) -> httpx.Response:
        body = f"<p>Bad request: {encode(value(request))} rejected</p>"
        return httpx.Response(418, text=body, headers={"content-type": "text/html"})

    def echo_in_json_error(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": f"bad header {encode(value(request))}"})

    for answer in (echo_in_html, echo_in_json_error):
        error = failed(answer)
        secret = seen[-1] if which == "signature" else value(httpx.Request("GET", BASE_URL))
        assert leaks(error, secret.rstrip("=")) == [], (answer.__name__, str(error))
        assert "***" in str(error)


def test_a_transport_error_naming_the_signature_is_scrubbed() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(
            f"proxy refused header POLY_SIGNATURE={quote(signature_of(request))}",
            request=request,
        )

    signatures: list[str] = []

    def recording(request: httpx.Request) -> httpx.Response:
        signatures.append(signature_of(request))
        return answer(request)

    error = failed(recording)
    assert isinstance(error, TransportError)
    assert leaks(error, signatures[-1].rstrip("=")) == []
