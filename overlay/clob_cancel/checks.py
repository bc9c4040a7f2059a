"""The checks of a cancel's input, made before anything is sent: each names the bad value's
place (``order_ids[3]``), never only that something was wrong."""

from __future__ import annotations

from collections.abc import Iterable

from clob_cancel_client.models import CancelMarketOrdersRequest
from clob_cancel_client.types import UNSET


def check_utf8(text: str, where: str) -> None:
    """JSON bodies are UTF-8: a lone surrogate cannot be sent, so say which value holds one."""
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError as e:
            raise ValueError(
                f"{where} is not valid text (lone surrogate at index {e.start})"
            ) from None


def check_id(order_id: object, where: str) -> str:
    """``order_id`` when it is a non-empty str of valid text, else a TypeError/ValueError."""
    if not isinstance(order_id, str):
        raise TypeError(f"{where} must be a str, got {type(order_id).__name__}")
    if not order_id:
        raise ValueError(f"{where} is an empty string")
    check_utf8(order_id, where)
    return order_id


def check_ids(order_ids: Iterable[str]) -> list[str]:
    """``order_ids`` as a list, each checked as :func:`check_id` does; refuses a single string."""
    if isinstance(order_ids, str | bytes):
        raise TypeError("order_ids must be a list of ids, not a single string (use cancel())")
    ids = list(order_ids)
    if not ids:
        raise ValueError("order_ids is empty: nothing to cancel")
    try:
        # At C speed, and no set: duplicates matter only across requests (Batches.split).
        joined = "".join(ids)  # TypeError on any non-str
        valid = all(ids)  # no empty id; faster than `"" not in ids` (bench/README.md)
        if valid and not joined.isascii():
            joined.encode()  # UnicodeEncodeError (a ValueError) on a lone surrogate
    except (TypeError, ValueError):
        valid = False
    if not valid:  # find and name the culprit
        for index, order_id in enumerate(ids):
            check_id(order_id, f"order_ids[{index}]")
    return ids


def check_filter(name: str, value: object) -> str:
    """A market cancel's filter: a non-empty str of valid text ("" for None)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str or None, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} is an empty string: give a value or None")
    check_utf8(value, name)
    return value


def positive_int(name: str, value: int) -> int:
    """``value`` when it is an int >= 1 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def market_request(market: str | None, asset_id: str | None) -> CancelMarketOrdersRequest:
    """The body of a market cancel; refuses one with neither filter (it would cancel all)."""
    if market is None and asset_id is None:
        raise ValueError(
            "cancel_market_orders needs market and/or asset_id; to cancel every order of the "
            "account, call cancel_all() explicitly"
        )
    # Only the filters given: the bytes py-clob-client-v2 sends.
    return CancelMarketOrdersRequest(
        market=UNSET if market is None else check_filter("market", market),
        asset_id=UNSET if asset_id is None else check_filter("asset_id", asset_id),
    )
