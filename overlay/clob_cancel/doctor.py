"""``client.check()`` and ``clob-cancel doctor``: whether the kill switch will work, found out
before the panic and without changing anything. It reads the server's clock (``GET /time``), the
API keys of the credentials (``GET /auth/api-keys``, L2: the official SDKs' own credentials test)
and the signer's tier (``GET /v1/user/rate-limit-tier``); given the private key, it also derives
the wallet's credentials (``GET /auth/derive-api-key``, L1) to tell which part of a refused set is
wrong. It never cancels, never sends a heartbeat (the first one arms the switch), never creates a
key, and never puts a secret, passphrase, signature or the API key in its report.

The CLOB answers every L2 mismatch with the same 401 (unknown key, wrong passphrase or secret,
an address not the key's, a timestamp outside its window), so the likely cause is pieced
together from the clock's skew and, with the private key, from the credentials it derives.

The checks are one generator (:func:`diagnose`) that yields each read it needs and receives the
answer, so the sync and async clients drive the same logic with their own I/O (checkrun.py)."""

from __future__ import annotations

import ssl
from collections.abc import Generator, Mapping
from typing import Any, Literal, TypeAlias

import attrs

from clob_cancel_client.api.account import get_api_keys, get_rate_limit_tier
from clob_cancel_client.api.support import get_server_time
from clob_cancel_client.models import ApiKeysResponse, RateLimitTierResponse

from ._call import Endpoint
from .clock import offset_from_server_time
from .errors import CancelError
from .ratelimit import CancelTier, find_tier
from .signing import ApiCreds, CredentialsError
from .tier import tier_name

CheckStatus: TypeAlias = Literal["ok", "warning", "failure", "unknown"]
"""One check's verdict: ``unknown`` when it could not be made (it does not change the exit)."""

CheckName: TypeAlias = Literal["connection", "clock", "credentials", "tier", "heartbeat"]

AuthSuspect: TypeAlias = Literal[
    "clock", "address", "key", "secret", "passphrase", "another_wallet", "unknown_key"
]
"""What a refused set of credentials likely has wrong: this machine's ``clock``; the ``address``
is not the key's; the ``key`` is not the one the wallet's private key derives; the ``secret`` or
``passphrase`` does not belong to the key; the key was made for ``another_wallet`` (or signature
type); or, without the private key to tell, any of the credentials (``unknown_key``)."""

SKEW_WARNING_SECONDS = 5.0
"""A clock further off than this gets a warning: signatures carry a timestamp, and the CLOB's
window for it is undocumented (the mock's is 300 s)."""

ESTIMATE_ORDERS = (1_000, 10_000)
"""The order counts whose cancel time the tier check states."""

_STATUS_ORDER: dict[CheckStatus, int] = {"unknown": 0, "ok": 0, "warning": 1, "failure": 2}
_NOT_CHECKED = "not checked: "


@attrs.frozen
class CheckItem:
    """One check: its name, verdict, what it means in an operator's words, and its figures
    (``data``: plain JSON values, never a secret)."""

    name: CheckName
    status: CheckStatus
    summary: str
    suspects: tuple[AuthSuspect, ...] = ()
    data: Mapping[str, object] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.name, "status": self.status}
        out["summary"] = self.summary
        if self.suspects:
            out["suspects"] = list(self.suspects)
        out.update(self.data)
        return out


@attrs.frozen
class CheckReport:
    """What :meth:`CancelClient.check` found: one :class:`CheckItem` per check, in order, with
    the figures an operator most wants at hand."""

    url: str
    items: tuple[CheckItem, ...]
    clock_skew: float | None = None
    """Seconds this machine's clock (as the client signs with it) is behind the server's."""
    tier: CancelTier | None = None
    """The signer's tier, when read and in the client's table."""

    @property
    def status(self) -> CheckStatus:
        """The worst verdict: ``failure``, ``warning``, else ``ok``."""
        worst = max((item.status for item in self.items), key=_STATUS_ORDER.__getitem__)
        return "ok" if worst == "unknown" else worst

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def item(self, name: CheckName) -> CheckItem:
        return next(item for item in self.items if item.name == name)

    def to_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "status": self.status,
            "checks": [item.to_dict() for item in self.items],
        }


@attrs.frozen
class Read:
    """A step of the checks: one attempt of ``endpoint`` through the client (signed with its
    credentials, except ``/time``), answered with the expected model or the error."""

    endpoint: Endpoint
    ok: type
    request: dict[str, Any]


@attrs.frozen
class Derive:
    """A step of the checks: the credentials ``private_key`` derives (L1, read-only)."""

    private_key: str = attrs.field(repr=False)


@attrs.frozen
class Timed:
    """A step's answer and the client's clock before and after it."""

    result: object
    sent: float
    received: float


@attrs.frozen
class CheckTarget:
    """What the checks know of the client: where it sends, as whom, and how it signs."""

    url: str
    address: str
    creds: ApiCreds
    private_key: str | None = attrs.field(repr=False)
    signing_offset: float  # seconds the client adds to its clock when signing
    tiers: Mapping[str, CancelTier]
    verifies_tls: bool = True  # False: the client was built with verify=False


Step = Read | Derive
"""What the checks ask for next: a read through the client, or an L1 derive."""
Diagnosis = Generator[Step, Timed, CheckReport]
"""The checks in progress: they yield steps, are sent each step's answer, and return the report."""


def _read(endpoint: Any, ok: type) -> Read:
    return Read(endpoint, ok, endpoint.build_request())


def _unreachable(error: CancelError, url: str) -> str:
    """The connection failure in words: an untrusted certificate said as such."""
    cause: BaseException | None = error.__cause__
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(
            cause
        ):
            return (
                f"TLS: {url}'s certificate is not trusted by this machine ({cause}); pass the "
                "CA bundle with the client's verify= option (or SSL_CERT_FILE), never turn "
                "verification off for a kill switch"
            )
        cause = cause.__cause__ or cause.__context__
    if error.status is None:
        return f"{url} did not answer: {error.detail}"
    return f"GET /time answered HTTP {error.status}: is {url} the CLOB's URL? ({error.detail})"


def _connection(target: CheckTarget, answer: Timed) -> tuple[CheckItem, float | None]:
    url, result = target.url, answer.result
    if isinstance(result, CancelError):
        return CheckItem("connection", "failure", _unreachable(result, url)), None
    assert isinstance(result, int)
    offset = offset_from_server_time(result, answer.sent, answer.received)
    took = f"({1000 * (answer.received - answer.sent):.0f} ms)"
    if not url.lower().startswith("https://"):
        return CheckItem("connection", "ok", f"{url} answers {took}"), offset
    if not target.verifies_tls:
        summary = (
            f"{url} answers {took}, but its certificate is NOT verified (verify=False): "
            "anyone on the path can read the credentials' signatures and answer for the CLOB"
        )
        return CheckItem("connection", "warning", summary), offset
    return CheckItem("connection", "ok", f"{url} answers over verified TLS {took}"), offset


def _clock(skew: float) -> CheckItem:
    data = {"skew_seconds": round(skew, 3)}
    if abs(skew) <= SKEW_WARNING_SECONDS:
        return CheckItem(
            "clock", "ok", f"the clock is {abs(skew):.1f} s off the server's", data=data
        )
    return CheckItem(
        "clock",
        "warning",
        f"this machine's clock, as the client signs with it, is {abs(skew):.0f} s "
        f"{'behind' if skew > 0 else 'ahead of'} the server's; "
        "signatures carry a timestamp and the CLOB's window for it is undocumented: fix the "
        "system clock (NTP) or sign with the server's clock (--sync-clock, sync_clock=True)",
        data=data,
    )


_SUSPECT_WORDS: dict[AuthSuspect, str] = {
    "clock": "the clock (see the clock check)",
    "address": "the address: CLOB_ADDRESS / --address is not the wallet the key was made for",
    "key": "the API key: CLOB_API_KEY is not the key PK's wallet derives (nonce 0); it was made "
    "for another wallet, nonce or signature type",
    "secret": "the secret: CLOB_SECRET does not belong to the API key",
    "passphrase": "the passphrase: CLOB_PASS_PHRASE does not belong to the API key",
    "another_wallet": "the API key was made for another wallet or signature type: PK's wallet "
    "has no key the server can derive",
    "unknown_key": "any of: the address is not the one the key was made for (CLOB_ADDRESS), "
    "CLOB_SECRET or CLOB_PASS_PHRASE is not the key's, or the key was made for another wallet or "
    "signature type (give PK to tell which)",
}


def _base64_key(secret: str) -> str:
    """``secret`` as one spelling of its bytes: url-safe alphabet, no padding."""
    return secret.replace("+", "-").replace("/", "_").rstrip("=")


def _suspects_from_derived(target: CheckTarget, derived: ApiCreds) -> list[AuthSuspect]:
    creds = target.creds
    if derived.api_key != creds.api_key:
        return ["key"]
    found: list[AuthSuspect] = []
    if _base64_key(derived.api_secret) != _base64_key(creds.api_secret):
        found.append("secret")
    if derived.api_passphrase != creds.api_passphrase:
        found.append("passphrase")
    return found


def _refused(target: CheckTarget, skew: float) -> Generator[Step, Timed, CheckItem]:
    """The credentials check after a 401: what is likely wrong, in the CLI's words."""
    suspects: list[AuthSuspect] = []
    notes: list[str] = []
    if abs(skew) > SKEW_WARNING_SECONDS:
        suspects.append("clock")
    if target.private_key is not None:
        from .l1 import address_from_private_key

        try:
            wallet = address_from_private_key(target.private_key)
        except CredentialsError as e:
            wallet, notes = None, [f"PK: {e}"]
        if wallet is not None and wallet.lower() != target.address.lower():
            suspects.append("address")
        if wallet is not None:
            derived = (yield Derive(target.private_key)).result
            if isinstance(derived, ApiCreds):
                suspects += _suspects_from_derived(target, derived)
            elif isinstance(derived, CancelError) and derived.status == 400:
                suspects.append("another_wallet")
            elif isinstance(derived, CancelError):
                notes.append(f"the wallet's credentials could not be derived ({derived.detail})")
            else:
                what = type(derived).__name__
                notes.append(f"the wallet's credentials could not be derived ({what})")
    else:
        suspects.append("unknown_key")
    if not suspects:  # with PK: the derived credentials match and the clock is right
        notes.append(
            "PK derives exactly these credentials and the clock is right: the key may be "
            "revoked, or too new to be valid yet"
        )
    words = "; ".join([*(_SUSPECT_WORDS[s] for s in suspects), *notes])
    return CheckItem(
        "credentials",
        "failure",
        f"the server refused the credentials (HTTP 401): likely {words}",
        suspects=tuple(suspects),
    )


def _credentials(target: CheckTarget, skew: float) -> Generator[Step, Timed, CheckItem]:
    answer = (yield _read(get_api_keys, ApiKeysResponse)).result
    if isinstance(answer, ApiKeysResponse):
        if target.creds.api_key in answer.api_keys:
            return CheckItem(
                "credentials",
                "ok",
                f"the credentials are accepted for {target.address} (GET /auth/api-keys lists "
                "the key)",
            )
        return CheckItem(
            "credentials",
            "failure",
            f"the server accepted the signature but does not list CLOB_API_KEY among "
            f"{target.address}'s keys: {_SUSPECT_WORDS['another_wallet']}",
            suspects=("another_wallet",),
        )
    assert isinstance(answer, CancelError)
    if answer.status == 401:
        return (yield from _refused(target, skew))
    return CheckItem(
        "credentials",
        "failure" if answer.status is None or answer.status >= 500 else "warning",
        f"GET /auth/api-keys failed, so the credentials are not known to work: {answer.detail}",
    )


def _seconds(seconds: float) -> str:
    return "at once (within the burst)" if seconds < 0.5 else f"~{seconds:.0f} s"


def _tier(target: CheckTarget) -> Generator[Step, Timed, tuple[CheckItem, CancelTier | None]]:
    answer = (yield _read(get_rate_limit_tier, RateLimitTierResponse)).result
    if isinstance(answer, CancelError):
        missing = answer.status == 404
        why = (
            "the server has no GET /v1/user/rate-limit-tier"
            if missing
            else f"GET /v1/user/rate-limit-tier failed ({answer.detail})"
        )
        item = CheckItem(
            "tier",
            "warning",
            f"{why}: the client learns the tier from the first cancel's answer instead (a large "
            "first batch may be refused with a 429 once, then split)",
        )
        return item, None
    name = tier_name(answer)
    if name is None:
        return CheckItem("tier", "ok", "no rate-limit tier applies to this signer"), None
    tier = find_tier(name, target.tiers)
    if tier is None:
        summary = (
            f"tier {name!r} is not in the client's table (cancel_tiers=): batches are sized "
            "from the first answer's headers"
        )
        return CheckItem("tier", "warning", summary, data={"tier": name}), None
    estimates = {count: tier.minimum_seconds(count) for count in ESTIMATE_ORDERS}
    said = [f"{count:,}: {_seconds(s)}" for count, s in estimates.items()]
    said[0] = said[0].replace(":", " orders:")
    summary = (
        f"{tier.name} (refill {tier.refill_per_second:g}/s, burst {tier.burst}): cancel "
        + "; ".join(said)
    )
    data = {
        "tier": tier.name,
        "refill_per_second": tier.refill_per_second,
        "burst": tier.burst,
        "cancel_seconds": {str(count): round(s, 2) for count, s in estimates.items()},
    }
    return CheckItem("tier", "ok", summary, data=data), tier


HEARTBEAT_ITEM = CheckItem(
    "heartbeat",
    "unknown",
    "whether the dead-man's switch is armed cannot be known without arming it: the CLOB has no "
    "read of it, and a heartbeat (POST /v1/heartbeats) arms it for the whole API key",
)


def diagnose(target: CheckTarget) -> Diagnosis:
    """The checks, in order: each needs the one before (no credentials test without an answer,
    no tier without accepted credentials)."""
    items: list[CheckItem] = []
    connection, offset = _connection(target, (yield _read(get_server_time, int)))
    items.append(connection)
    if offset is None:
        skipped: tuple[CheckName, ...] = ("clock", "credentials", "tier")
        why = _NOT_CHECKED + "the server did not answer"
        items += [CheckItem(name, "unknown", why) for name in skipped]
        return CheckReport(target.url, (*items, HEARTBEAT_ITEM))
    skew = offset - target.signing_offset
    items.append(_clock(skew))
    credentials = yield from _credentials(target, skew)
    items.append(credentials)
    tier = None
    if credentials.status == "ok":
        tier_item, tier = yield from _tier(target)
        items.append(tier_item)
    else:
        items.append(CheckItem("tier", "unknown", _NOT_CHECKED + "the credentials are refused"))
    return CheckReport(target.url, (*items, HEARTBEAT_ITEM), clock_skew=skew, tier=tier)
