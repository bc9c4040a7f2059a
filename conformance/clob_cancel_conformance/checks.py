"""The suite's own checks, registered with schemathesis in one place and in one order.

Each lives with the others of its job: auth_checks (request authentication), cancel_checks (what a
cancel answers and does), restriction_checks (trading restrictions and rate limits),
heartbeat_checks (the order heartbeat), invalid_request_checks (requests the spec rejects) and
live_checks (live orders and the dead-man's switch, on any server).

Each check's name is what a failure report shows, so names say the property. Passive checks judge
the response at hand; active ones (the auth probes, the second cancel) send their own follow-up
requests, built by hand and signed with the overlay's signer, and never through the hooks, so
the mock's state they look at is not reset under them.
"""

from __future__ import annotations

import schemathesis
from schemathesis.checks import CheckClass, CheckFunction

from clob_cancel_conformance import (
    auth_checks,
    cancel_checks,
    heartbeat_checks,
    invalid_request_checks,
    live_checks,
    restriction_checks,
)

# The suite's own checks, registered here in the order schemathesis runs them on each response:
# the active ones send requests of their own, so the order is part of the suite's behaviour.
CHECKS: tuple[CheckFunction | CheckClass, ...] = (
    live_checks.live_orders_cancel_as_reported,
    live_checks.dead_mans_switch_fires,
    auth_checks.correctly_signed_request_is_not_refused,
    auth_checks.auth_covers_the_whole_request,
    cancel_checks.every_requested_id_answered_once,
    cancel_checks.too_many_ids_are_refused,
    cancel_checks.valid_signed_cancel_is_accepted,
    cancel_checks.cancel_changes_exactly_what_it_reports,
    cancel_checks.canceled_order_cannot_be_canceled_again,
    restriction_checks.cancels_work_in_cancel_only_mode,
    restriction_checks.rate_limited_answer_says_when_to_retry,
    restriction_checks.rate_limit_reset_is_a_unix_time,
    heartbeat_checks.valid_signed_heartbeat_is_accepted,
    heartbeat_checks.heartbeat_accepts_only_the_expected_id,
    invalid_request_checks.accepted_invalid_request_harms_nothing,
    invalid_request_checks.unknown_method_is_not_accepted,
)
for registered in CHECKS:
    schemathesis.check(registered)
