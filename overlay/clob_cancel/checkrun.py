"""Running the checks of doctor.py: :class:`CheckSteps` takes them step by step without I/O
(sans-IO), and :func:`run_check` / :func:`run_check_async` are the thin sync and async shells
that do each step's I/O for ``client.check()``. Apart from doctor.py, which decides what the
checks find: doing their reads is a job of its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ._call import Endpoint
from .doctor import CheckReport, CheckTarget, Derive, Read, Step, Timed, diagnose

Reader = Callable[[Endpoint, type, dict[str, Any]], object]
"""A client's one attempt of a read: ``(endpoint, expected model, request)``."""


def _derive(target: CheckTarget, step: Derive, l1_options: Mapping[str, Any]) -> object:
    from .l1 import derive_api_key

    try:
        return derive_api_key(target.url, step.private_key, **l1_options)
    except Exception as e:  # a diagnosis, not a cancel: said, never raised
        return e


class CheckSteps:
    """The checks as steps to take, without I/O (sans-IO): the next read or derive, its answer
    fed back with the clock read around it, and at the end the report. The sync and async
    drivers below only do each step's I/O."""

    def __init__(self, target: CheckTarget, clock: Callable[[], float]) -> None:
        self._steps = diagnose(target)
        self._clock = clock
        self._next: Step | CheckReport = next(self._steps)
        self._sent = 0.0

    def next_step(self) -> Step | None:
        """The step to take now (the clock is read as it starts), or None once the report is
        done."""
        if isinstance(self._next, CheckReport):
            return None
        self._sent = self._clock()
        return self._next

    def answered(self, result: object) -> None:
        """The answer of the step :meth:`next_step` gave (the model, or the error)."""
        try:
            self._next = self._steps.send(Timed(result, self._sent, self._clock()))
        except StopIteration as done:
            self._next = done.value

    @property
    def report(self) -> CheckReport:
        assert isinstance(self._next, CheckReport), "the checks are not done"
        return self._next


def run_check(
    target: CheckTarget,
    read: Reader,
    clock: Callable[[], float],
    l1_options: Mapping[str, Any],
) -> CheckReport:
    """Drive :func:`diagnose` with a sync client's ``read``."""
    checks = CheckSteps(target, clock)
    while (step := checks.next_step()) is not None:
        if isinstance(step, Read):
            checks.answered(read(step.endpoint, step.ok, step.request))
        else:
            checks.answered(_derive(target, step, l1_options))
    return checks.report


async def run_check_async(
    target: CheckTarget,
    read: Callable[[Endpoint, type, dict[str, Any]], Awaitable[object]],
    clock: Callable[[], float],
    l1_options: Mapping[str, Any],
) -> CheckReport:
    """Drive :func:`diagnose` with an async client's ``read`` (the L1 derive in a thread)."""
    import asyncio

    checks = CheckSteps(target, clock)
    while (step := checks.next_step()) is not None:
        if isinstance(step, Read):
            checks.answered(await read(step.endpoint, step.ok, step.request))
        else:
            checks.answered(await asyncio.to_thread(_derive, target, step, l1_options))
    return checks.report
