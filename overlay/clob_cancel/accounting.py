"""Id accounting: every id of a cancel ends canceled, not canceled, of unknown fate or untouched.

:func:`reconcile` holds one answer to the ids it was asked about; :class:`Batches` splits a long
``cancel_orders`` into requests and :func:`combine` merges their answers, or raises the first
failure's error saying what became of every id."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence

from clob_cancel_client.models import CancelOrdersResponse, CancelOrdersResponseNotCanceled

from .errors import LOST_ANSWER_REASON, CancelError, CancelInterrupted, UnexpectedAnswerError

log = logging.getLogger("clob_cancel")

_Key = tuple[int, ...]


class Batches:
    """The requests of one ``cancel_orders`` call: the ids as given when they fit one request
    (the server ignores duplicates within it), else split, in order, into requests of at most
    ``limit`` ids (the API's cap or the tier's burst, learned as answers come), each ending
    answered, failed or unsent."""

    def __init__(
        self, ids: list[str], limit: int, progress: Callable[[int, int], None] | None = None
    ) -> None:
        self.pending: deque[tuple[_Key, list[str]]] = deque()
        self.outcomes: list[tuple[_Key, list[str], CancelOrdersResponse | CancelError]] = []
        self.total = len(ids)
        self.done = 0
        self.progress = progress
        self.split((), ids, limit)

    def take(self, limit: int) -> tuple[_Key, list[str]] | None:
        """The next request to send, at most ``limit`` ids; None when none is left."""
        if not self.pending:
            return None
        self.split(*self.pending.popleft(), limit)
        return self.pending.popleft()

    def split(self, key: _Key, chunk: list[str], limit: int) -> None:
        """Put ``chunk`` back as it is when it fits ``limit``, else as pieces of at most ``limit``
        ids, each id once (a duplicate in a later piece would be reported not canceled after an
        earlier one canceled it)."""
        if len(chunk) <= limit:
            self.pending.appendleft((key, chunk))
            return
        unique = list(dict.fromkeys(chunk))
        self.total -= len(chunk) - len(unique)
        pieces = [unique[i : i + limit] for i in range(0, len(unique), limit)]
        self.pending.extendleft(reversed([((*key, n), p) for n, p in enumerate(pieces)]))

    def record(
        self, key: _Key, chunk: list[str], result: CancelOrdersResponse | CancelError
    ) -> None:
        """Keep ``result``; an answer counts its ids done and calls ``progress(done, total)``,
        whose exception is logged: it must not lose the accounting of the ids."""
        self.outcomes.append((key, chunk, result))
        if isinstance(result, CancelOrdersResponse):
            self.done += len(chunk)
            if self.progress is not None:
                try:
                    self.progress(self.done, self.total)
                except Exception:
                    log.warning("clob_cancel: progress callback failed", exc_info=True)

    def result(self) -> CancelOrdersResponse:
        """The merged answer, or the first failure's error accounting for every id."""
        chunks, results = self._rows()
        return combine(chunks, results)

    def interrupted(self, error: CancelInterrupted) -> CancelInterrupted:
        """``error`` accounting for every id of an interrupted call: the answers so far, the ids
        of requests in flight (or whose answer was lost) unknown, the rest untouched."""
        merged, unknown, untouched = account(*self._rows())
        error.partial = merged
        error.unknown_ids = unknown
        error.untouched_ids = untouched
        error.fate_unknown = bool(unknown)
        return error

    def _rows(self) -> tuple[list[list[str]], list[CancelOrdersResponse | CancelError | None]]:
        rows: list[tuple[_Key, list[str], CancelOrdersResponse | CancelError | None]] = [
            *self.outcomes,
            *((key, chunk, None) for key, chunk in self.pending),
        ]
        rows.sort(key=lambda row: row[0])
        return [row[1] for row in rows], [row[2] for row in rows]


def answer_of(canceled: list[str], not_canceled: dict[str, str]) -> CancelOrdersResponse:
    """A ``CancelOrdersResponse`` holding these ids (the shape the generated model parses)."""
    answer = CancelOrdersResponse(canceled=canceled, not_canceled=CancelOrdersResponseNotCanceled())
    answer.not_canceled.additional_properties = not_canceled
    return answer


def reconcile(
    operation: str, answer: CancelOrdersResponse, requested: Sequence[str] | None
) -> CancelOrdersResponse:
    """``answer`` when it accounts for each requested id exactly once and names no other (for
    /cancel-all and the market cancel, ``requested`` is None: no id both canceled and not);
    else an :class:`UnexpectedAnswerError` whose ``.partial`` keeps what the answer said of the
    ids it was asked about and ``.unknown_ids`` the requested ids it leaves out or lists both
    ways. No re-ask: a server that broke the contract once is not asked to settle it."""
    canceled = answer.canceled
    not_canceled = answer.not_canceled.additional_properties
    if requested is not None:
        # Every id canceled, in the order asked (what the CLOB and the mock answer): a list
        # comparison, no hashing of fresh strings (bench/README.md, "Measurements behind the code").
        if not not_canceled and canceled == requested:
            return answer
        if not canceled and len(requested) == 1 and list(not_canceled) == requested:
            return answer
    accounted = set(canceled)
    accounted.update(not_canceled)
    exact = len(accounted) == len(canceled) + len(not_canceled)  # no id twice, none both ways
    if exact and (requested is None or accounted == set(requested)):
        return answer
    return _violation(operation, canceled, not_canceled, requested)


def _violation(
    operation: str,
    canceled: list[str],
    not_canceled: dict[str, str],
    requested: Sequence[str] | None,
) -> CancelOrdersResponse:
    """The slow path of :func:`reconcile`: keep what can be kept, say what is wrong."""
    named = [*canceled, *not_canceled]
    asked = set(named) if requested is None else set(requested)
    both = set(canceled).intersection(not_canceled)
    invented = [i for i in dict.fromkeys(named) if i not in asked]
    kept_canceled = [i for i in dict.fromkeys(canceled) if i in asked and i not in both]
    kept_not = {i: why for i, why in not_canceled.items() if i in asked and i not in both}
    answered = set(kept_canceled).union(kept_not)
    order = named if requested is None else requested
    unknown = [i for i in dict.fromkeys(order) if i not in answered and i in asked]
    if not (invented or unknown):  # a duplicate entry only: nothing lost or invented
        return answer_of(kept_canceled, kept_not)
    left_out = sum(i not in both for i in unknown)
    problems = [
        f"{left_out} requested ids left out" if left_out else "",
        f"{len(invented)} ids never requested (dropped)" if invented else "",
        f"{len(both)} ids both canceled and not canceled" if both else "",
    ]
    error = UnexpectedAnswerError(
        operation,
        "HTTP 200 with an answer that breaks the contract: " + ", ".join(filter(None, problems)),
        status=200,
        fate_unknown=bool(unknown),
    )
    error.partial = answer_of(kept_canceled, kept_not)
    error.unknown_ids = tuple(unknown)
    raise error


def combine(
    chunks: Sequence[list[str]], results: Sequence[CancelOrdersResponse | CancelError | None]
) -> CancelOrdersResponse:
    """The merged answer of all chunks (a lone answer as it came), or raise the first chunk's
    error accounting for every id: what the answers (and a broken answer, for the ids it was
    asked about) said in ``.partial``; the ids of requests that may have acted in
    ``.unknown_ids``; those of requests refused whole or never sent in ``.untouched_ids``."""
    answers = [r for r in results if isinstance(r, CancelOrdersResponse)]
    if len(chunks) == 1 and answers:
        return answers[0]
    merged, unknown, untouched = account(chunks, results)
    if len(answers) == len(chunks):
        return merged
    error = next(r for r in results if isinstance(r, CancelError))
    error.partial = merged
    error.unknown_ids = unknown
    error.untouched_ids = untouched
    raise error


def account(
    chunks: Sequence[list[str]], results: Sequence[CancelOrdersResponse | CancelError | None]
) -> tuple[CancelOrdersResponse, tuple[str, ...], tuple[str, ...]]:
    """The chunks' answers merged, the ids of unknown fate and the untouched ids (each once: a
    lone request carries the ids as given, duplicates too)."""
    merged = answer_of([], {})
    unknown: list[str] = []
    untouched: list[str] = []
    for chunk, result in zip(chunks, results, strict=True):
        answer = result.partial if isinstance(result, CancelError) else result
        if answer is not None:
            merged.canceled.extend(answer.canceled)
            merged.not_canceled.additional_properties.update(
                answer.not_canceled.additional_properties
            )
        if isinstance(result, CancelError) and result.partial is not None:
            unknown.extend(result.unknown_ids)  # the answer accounted for the rest
        elif result is None or (isinstance(result, CancelError) and result.changed_nothing):
            untouched.extend(chunk)
        elif isinstance(result, CancelError):
            unknown.extend(chunk)
    return merged, tuple(dict.fromkeys(unknown)), tuple(dict.fromkeys(untouched))


def interrupted(
    operation: str, why: BaseException, requested: Sequence[str] | None, maybe_acted: bool
) -> CancelInterrupted:
    """The accounting of one request's ids when ``why`` interrupted it: unknown when an
    attempt may have acted (in flight, or one whose answer was lost), else untouched."""
    error = CancelInterrupted(
        operation,
        f"interrupted ({str(why) or type(why).__name__}) before the call ended",
        fate_unknown=maybe_acted,
    )
    error.changed_nothing = not maybe_acted
    if requested is not None and maybe_acted:
        error.unknown_ids = tuple(dict.fromkeys(requested))
    elif requested is not None:
        error.untouched_ids = tuple(dict.fromkeys(requested))
    return error


def after_lost_answer(answer: CancelOrdersResponse) -> CancelOrdersResponse:
    """``answer`` to a retry after an attempt of unknown fate, its "not found or already
    canceled" reasons given as :data:`LOST_ANSWER_REASON` (that attempt most likely canceled
    them); other reasons (e.g. already matched) are left as the server gave them."""
    not_canceled = answer.not_canceled.additional_properties
    if not any(_gone(reason) for reason in not_canceled.values()):
        return answer
    reasons = {
        order_id: f"{LOST_ANSWER_REASON}; the retry was answered: {reason}"
        if _gone(reason)
        else reason
        for order_id, reason in not_canceled.items()
    }
    return answer_of(list(answer.canceled), reasons)


def _gone(reason: object) -> bool:
    """Whether a not-canceled reason says the order is unknown or already canceled."""
    text = str(reason).lower()
    return "not found" in text or "already canceled" in text or "already cancelled" in text
