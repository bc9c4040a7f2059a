"""Real mock CLOBs on loopback, each with one injected fault in how it answers a cancel (the
cancel itself is done as the mock always does it)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.responses import Response, StreamingResponse

from clob_cancel_mock import DEFAULT_ACCOUNT, MockClob
from clob_cancel_mock.wire import DropConnection


def order_ids(count: int, salt: str = "summary") -> list[str]:
    """``count`` ids of the CLOB's form (0x + 64 hex digits)."""
    return ["0x" + hashlib.sha256(f"{salt}/{i}".encode()).hexdigest() for i in range(count)]


def live_orders(ids: list[str]) -> list[dict[str, str]]:
    return [{"id": i, "owner": DEFAULT_ACCOUNT.api_key} for i in ids]


def _json_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() != "content-length"}


class TricklingClob(MockClob):
    """Cancels (and takes heartbeats), then sends each answer a byte every ``GAP`` seconds:
    each read is quick, the whole answer takes (length x GAP) seconds."""

    GAP = 0.25

    def cancel_response(self, result: Any, headers: Mapping[str, str]) -> Response:
        return self.trickled(super().cancel_response(result, headers))

    def op_send_heartbeat(self, *args: Any) -> Response:
        return self.trickled(super().op_send_heartbeat(*args))

    def trickled(self, answer: Response) -> Response:
        body = bytes(answer.body)

        async def trickle() -> AsyncIterator[bytes]:
            for index in range(len(body)):
                await asyncio.sleep(self.GAP)
                yield body[index : index + 1]

        headers = _json_headers(answer.headers)
        return StreamingResponse(trickle(), answer.status_code, headers=headers)


class HugeAnswerClob(MockClob):
    """Cancels, then answers with the true answer padded to ``PADDING`` bytes of JSON
    whitespace (valid JSON, 200 MB), a MB every ``GAP`` seconds: the whole takes 10 s."""

    PADDING = 200 * 1024 * 1024
    CHUNK = 1024 * 1024
    GAP = 0.05

    def cancel_response(self, result: Any, headers: Mapping[str, str]) -> Response:
        body = bytes(super().cancel_response(result, headers).body)
        head, tail = body[:-1], body[-1:]  # '{...' and '}'

        async def padded() -> AsyncIterator[bytes]:
            yield head
            for _ in range(self.PADDING // self.CHUNK):
                await asyncio.sleep(self.GAP)
                yield b" " * self.CHUNK
            yield tail

        return StreamingResponse(
            padded(), 200, headers=_json_headers(headers), media_type="application/json"
        )


class LosesAnswersClob(MockClob):
    """Cancels, then drops the connection instead of answering, ``lose`` times."""

    lose = 1

    def cancel_response(self, result: Any, headers: Mapping[str, str]) -> Response:
        if type(self).lose > 0:
            type(self).lose -= 1
            return DropConnection()
        return super().cancel_response(result, headers)
