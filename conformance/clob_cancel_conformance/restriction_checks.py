"""The checks of trading restrictions and rate limits, as a cancel's answer states them: a cancel
is never refused for cancel-only or post-only mode (those modes refuse new orders, never cancels);
a 429 says when to retry (Retry-After); Poly-RateLimit-Reset is the unix time the wait ends.
"""

from __future__ import annotations

import re
from typing import Any

from schemathesis import Case, CheckContext, Response

from clob_cancel_conformance import contract, target
from clob_cancel_conformance.findings import ContractViolation

# How the CLOB words the two restrictions that refuse new orders but never cancels (the spec,
# "Trading restrictions": 503 "Trading is currently cancel-only...", and `code: "post_only_mode"`
# after a restart). "Trading is currently disabled", the one 503 a cancel may get, matches neither.
CANCELS_ALLOWED = re.compile(r"cancel[-_ ]only|post[-_ ]only", re.IGNORECASE)


def cancels_work_in_cancel_only_mode(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """A cancel is never refused because trading is cancel-only (or post-only).

    Holds for every correct server: in those modes the exchange refuses new orders and accepts
    cancels, so a correct server never answers a cancel 503 with the cancel-only text or the
    post-only code; its only 503 on a cancel is "trading disabled", which this does not judge.
    """
    request = contract.cancel_request(response)
    if request is None or response.status_code != 503:
        return None
    error, code = contract.error_fields(response.content)
    if not (CANCELS_ALLOWED.search(error) or CANCELS_ALLOWED.search(code)):
        return None
    raise ContractViolation(
        "cancels_work_in_cancel_only_mode",
        case,
        f"{request.method} {request.path} was refused with 503 {error[:120]!r}"
        + (f" (code {code!r})" if code else "")
        + ': in cancel-only and post-only mode cancels are allowed; only "Trading is '
        'currently disabled" may refuse a cancel',
    )


def rate_limited_answer_says_when_to_retry(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """A 429 to a cancel carries Retry-After: delay-seconds or an HTTP-date.

    Holds for every correct server: the spec refuses a cancel over the signer's budget with
    "429 with Retry-After" (RFC 9110 delay-seconds or an HTTP-date), whoever limits it.
    """
    request = contract.cancel_request(response)
    if request is None or response.status_code != 429:
        return None
    value = contract.header(response.headers, "retry-after")
    if value is not None and contract.retry_after_ok(value):
        return None
    shown = "no Retry-After" if value is None else f"Retry-After {value!r}"
    raise ContractViolation(
        "rate_limited_answer_says_when_to_retry",
        case,
        f"{request.method} {request.path} was answered 429 with {shown}: a rate-limited "
        "answer says when to retry, in delay-seconds or as an HTTP-date",
    )


# A Poly-RateLimit-Reset this far before the answer's Date is in the past: not "when the wait
# period ends". Covers the Date header's whole seconds, rounding of Reset, and the moment between
# computing the limit's state and stamping the answer.
RESET_SLACK_SECONDS = 5


def rate_limit_reset_is_a_unix_time(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """When a cancel's answer carries Poly-RateLimit-Reset, it is the unix time (seconds) at
    which the wait period ends: not before the answer's own Date (less a few seconds of slack).

    Holds for every correct server: the end of a wait period is now or later, by the same clock
    that stamps Date (without a Date, the server's clock as measured from GET /time). A number
    of seconds to wait is read as a time in 1970 and fails; a non-integer value is left to
    schemathesis' response_headers_conformance.
    """
    request = contract.cancel_request(response)
    raw = contract.header(response.headers, "poly-ratelimit-reset")
    if request is None or raw is None:
        return None
    try:
        reset = int(raw.strip())
    except ValueError:
        return None
    date = contract.header(response.headers, "date")
    answered = contract.http_date(date) if date else None
    if answered is None:
        answered, clock = float(target.current().now()), "the server's clock"
    else:
        clock = f"its Date, {date}"
    if reset >= answered - RESET_SLACK_SECONDS:
        return None
    raise ContractViolation(
        "rate_limit_reset_is_a_unix_time",
        case,
        f"{request.method} {request.path} was answered {response.status_code} with "
        f"Poly-RateLimit-Reset: {raw}, {answered - reset:.0f} s before the answer ({clock}): "
        "Reset is the unix time in seconds at which the wait period ends, not a number of "
        "seconds to wait",
    )
