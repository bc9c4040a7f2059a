"""How far this machine's clock is from the server's, from one ``GET /time``: the one rule the
client's ``sync_clock``, ``client.check()`` and ``clob-cancel time`` all measure by, in a module
without dependencies so that the CLI can use it without importing httpx."""

from __future__ import annotations


def offset_from_server_time(server_time: int, sent: float, received: float) -> float:
    """Seconds to add to this machine's clock to read the server's, given ``GET /time``'s answer
    and this machine's clock when the request was sent and when the answer came. ``/time`` is
    whole seconds: the server's clock was in [t, t + 1) halfway through the call."""
    return server_time + 0.5 - (sent + received) / 2
