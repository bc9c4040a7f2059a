"""Transport options that could send the credentials where they should not go (issue 15,
section 3): redirects that httpx would follow to another origin, and plain http:// beyond
loopback, are refused unless the caller says so explicitly."""

from __future__ import annotations

import httpx
import pytest

from clob_cancel import AsyncCancelClient, CancelClient, UnexpectedAnswerError

from .client_fakes import ADDRESS, CREDS

CLIENTS = [CancelClient, AsyncCancelClient]


def make(cls: type, url: str, **options: object) -> None:
    client = cls(url, CREDS, ADDRESS, **options)
    if isinstance(client, CancelClient):
        client.close()


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("value", [True, False])
def test_follow_redirects_is_refused(cls: type, value: bool) -> None:
    with pytest.raises(ValueError, match="follow_redirects") as caught:
        make(cls, "https://clob.test", httpx_client_kwargs={"follow_redirects": value})
    assert "signature and the passphrase" in str(caught.value)
    assert "another origin" in str(caught.value)


def test_a_cross_origin_redirect_is_not_followed() -> None:
    """What the refused option would have changed: the 307 is an error, its Location unvisited."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(307, headers={"location": "https://elsewhere.test/cancel-all"})

    transport = httpx.MockTransport(handler)
    client = CancelClient(
        "https://clob.test", CREDS, ADDRESS, retries=0, httpx_client_kwargs={"transport": transport}
    )
    with client, pytest.raises(UnexpectedAnswerError, match="307"):
        client.cancel_all()
    assert [r.url.host for r in seen] == ["clob.test"]


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    "url",
    [
        "http://clob.test",
        "http://clob.polymarket.com",
        "http://10.0.0.7:8080",
        "http://192.168.1.2",
        "http://[2001:db8::1]:80",
        "http://0.0.0.0:8080",
        "http://localhost.example.com",
    ],
)
def test_plain_http_beyond_loopback_is_refused(cls: type, url: str) -> None:
    with pytest.raises(ValueError, match="cleartext") as caught:
        make(cls, url)
    assert "passphrase" in str(caught.value)
    assert "allow_insecure_http=True" in str(caught.value)


@pytest.mark.parametrize("cls", CLIENTS)
def test_plain_http_beyond_loopback_when_the_caller_opts_in(cls: type) -> None:
    make(cls, "http://clob.test", allow_insecure_http=True)
    make(cls, "http://10.0.0.7:8080/prefix", allow_insecure_http=True)


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://127.1.2.3",
        "http://[::1]:8080",
        "http://localhost:8080",
        "http://LOCALHOST.",
        "https://clob.test",
        "https://10.0.0.7",
    ],
)
def test_loopback_and_https_need_no_opt_in(cls: type, url: str) -> None:
    make(cls, url)


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "https://", "http://:80"])
def test_a_malformed_base_url_is_a_value_error(cls: type, url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        make(cls, url)
