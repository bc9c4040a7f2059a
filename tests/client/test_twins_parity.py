"""The sync and async twins stay twins: CancelClient / AsyncCancelClient and HeartbeatKeeper /
AsyncHeartbeatKeeper have the same public methods and properties, with the same parameters
(names, kinds, defaults and types), each async one a coroutine where its twin blocks. The twins
are hand-written (as httpx's and openai-python's are); this is what keeps them from drifting."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest

from clob_cancel import AsyncCancelClient, AsyncHeartbeatKeeper, CancelClient, HeartbeatKeeper

# Only the async constructor has these: the chunks' concurrency and the transport under httpx.
ASYNC_ONLY_PARAMETERS = {"__init__": {"max_concurrency", "backend"}}
# A blocking wait or stop takes a timeout; an awaited one is bounded by asyncio.wait_for / timeout.
SYNC_ONLY_PARAMETERS = {"wait": {"timeout"}, "stop": {"timeout"}}
# The async names of the same methods (httpx's convention for close).
ASYNC_NAMES = {"__enter__": "__aenter__", "__exit__": "__aexit__", "close": "aclose"}
# Not awaited in either: the answer is at hand (the keeper's check and poll; the client's reads the
# server).
PLAIN_IN_BOTH = {"heartbeat", "from_env"}
PLAIN_IN_BOTH_OF: dict[type, set[str]] = {HeartbeatKeeper: {"check", "poll"}}


def public(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") or name in ("__init__", *ASYNC_NAMES, *ASYNC_NAMES.values())
    }


def same_default(ours: object, theirs: object) -> bool:
    """Equal, or the same function of each world (time.sleep and asyncio.sleep)."""
    name = getattr(ours, "__name__", None)
    return ours == theirs or (name is not None and name == getattr(theirs, "__name__", None))


def sync_type(annotation: str) -> str:
    """An async twin's annotation as the sync one spells it."""
    annotation = annotation.replace("AsyncClientOptions", "SyncClientOptions")  # from_env's
    annotation = re.sub(r"\bAsync(?=[A-Z])", "", annotation)
    return annotation.replace("Awaitable[None]", "None")


@pytest.mark.parametrize(
    ("sync", "async_"),
    [(CancelClient, AsyncCancelClient), (HeartbeatKeeper, AsyncHeartbeatKeeper)],
    ids=["client", "keeper"],
)
def test_the_twins_have_the_same_methods_and_signatures(sync: type, async_: type) -> None:
    sync_members, async_members = public(sync), public(async_)
    assert {ASYNC_NAMES.get(name, name) for name in sync_members} == set(async_members)
    for name, member in sync_members.items():
        twin = getattr(async_, ASYNC_NAMES.get(name, name))
        if isinstance(member, property):
            assert isinstance(twin, property), name
            continue
        if not callable(member):
            assert member == twin, name
            continue
        plain = PLAIN_IN_BOTH | PLAIN_IN_BOTH_OF.get(sync, set())
        blocking = name not in plain and name != "__init__"
        assert inspect.iscoroutinefunction(twin) == blocking, f"{name}: async in the twin?"
        ours = {
            n: p
            for n, p in inspect.signature(member).parameters.items()
            if n not in SYNC_ONLY_PARAMETERS.get(name, set())
        }
        theirs = {
            n: p
            for n, p in inspect.signature(twin).parameters.items()
            if n not in ASYNC_ONLY_PARAMETERS.get(name, set())
        }
        assert list(ours) == list(theirs), name
        for parameter, other in zip(ours.values(), theirs.values(), strict=True):
            assert parameter.kind == other.kind, (name, parameter.name)
            assert same_default(parameter.default, other.default), (name, parameter.name)
            assert str(parameter.annotation) == sync_type(str(other.annotation)), (
                name,
                parameter.name,
            )
