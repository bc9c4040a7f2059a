"""The bench server: HTTP/1.1 keep-alive on 127.0.0.1, a fixed valid answer per operation.

It verifies nothing and does almost no work per request (the answers are built before it listens
and looked up by path and body length), so that it costs every client the same and is never the
bottleneck. The harness starts it as its own process, pinned to the other core:

    python -m bench.server --cpu 1     # prints its port, serves until its stdin is closed
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from bench.workload import CALLS, answer_bytes, body_bytes


def _response(body: bytes, status: bytes = b"200 OK") -> bytes:
    head = b"HTTP/1.1 %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
    return head % (status, len(body)) + body


# (path, body length) -> the whole response, for every call of the workload.
ANSWERS = {
    (call.path.encode(), len(body_bytes(call.body))): _response(answer_bytes(call.answered))
    for call in CALLS.values()
}


def answer(path: bytes, body: bytes) -> bytes:
    """The answer to a request outside the workload, built from its own ids."""
    try:
        sent = json.loads(body) if body else None
    except ValueError:
        return _response(b'{"error":"Invalid order payload"}', b"400 Bad Request")
    ids = sent if isinstance(sent, list) else [sent["orderID"]] if isinstance(sent, dict) else []
    out = json.dumps({"canceled": ids, "not_canceled": {}}, ensure_ascii=False).encode()
    return _response(out)


class Connection(asyncio.Protocol):
    """One keep-alive connection: parse a head, take Content-Length bytes of body, answer, repeat.

    A body whose answer is ready is only counted, never stored (the 70 kB of cancel_orders(1000)
    would otherwise be copied several times per request); others are buffered and parsed.
    """

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.skip = 0  # body bytes still to come for the answer in self.ready
        self.ready = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.skip:
            if len(data) < self.skip:
                self.skip -= len(data)
                return
            data = data[self.skip :]
            self.skip = 0
            self.transport.write(self.ready)
            if not data:
                return
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = bytes(self.buffer[:end]).lower()
            path = head.split(b" ", 2)[1].split(b"?", 1)[0]
            at = head.find(b"\r\ncontent-length:")
            length = int(head[at + 17 :].split(b"\r\n", 1)[0]) if at >= 0 else 0
            start, stop = end + 4, end + 4 + length
            ready = ANSWERS.get((path, length))
            if ready is not None and len(self.buffer) < stop:  # count the rest, do not keep it
                self.skip, self.ready = stop - len(self.buffer), ready
                self.buffer.clear()
                return
            if len(self.buffer) < stop:
                return  # wait for the whole body of a request outside the workload
            body = b"" if ready is not None else bytes(self.buffer[start:stop])
            del self.buffer[:stop]
            self.transport.write(ready or answer(path, body))


async def serve(port: int) -> None:
    """Serve until stdin reaches its end: the harness holds it open, so the server never
    outlives the harness, however that ends."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Connection, "127.0.0.1", port, backlog=128)
    print(server.sockets[0].getsockname()[1], flush=True)
    parent_gone = loop.create_future()

    def check_stdin() -> None:
        if not os.read(sys.stdin.fileno(), 1) and not parent_gone.done():
            parent_gone.set_result(None)

    loop.add_reader(sys.stdin.fileno(), check_stdin)
    async with server:
        await parent_gone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port (default)")
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one core")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    try:
        asyncio.run(serve(args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
