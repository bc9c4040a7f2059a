"""An ASGI app (the mock CLOB) served over TLS by hypercorn on 127.0.0.1, with a throwaway CA
and certificate made by trustme, speaking HTTP/2 or HTTP/1.1 as the client offers by ALPN.

Used by the HTTP/2 tests (tests/client/test_http2.py) and the TLS rows of the benchmark,
which runs it as its own process pinned to the server's core:

    with TlsServer(app) as server:
        CancelClient(server.url, creds, address, verify=server.client_context(), http2=True)

    python -m bench.tls --cpu 1 --ca ca.pem   # the mock; prints its port, serves until stdin ends
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import ssl
import sys
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import trustme
from hypercorn.asyncio import serve
from hypercorn.config import Config


class TlsServer:
    """Serves ``app`` in a background thread until the block ends; ``url`` is https://."""

    def __init__(self, app: Any, *, start_timeout: float = 10.0) -> None:
        self.app = app
        self.start_timeout = start_timeout
        self.ca = trustme.CA()
        self._certificate = self.ca.issue_cert("127.0.0.1", "localhost")
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"https://127.0.0.1:{self._socket.getsockname()[1]}"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._files = tempfile.TemporaryDirectory(prefix="clob-cancel-tls-")

    def client_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts this server's throwaway CA (and nothing else)."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    def _config(self) -> Config:
        folder = Path(self._files.name)
        certfile, keyfile = folder / "cert.pem", folder / "key.pem"
        self._certificate.private_key_pem.write_to_path(str(keyfile))
        certfile.write_bytes(b"".join(pem.bytes() for pem in self._certificate.cert_chain_pems))
        config = Config()
        config.bind = [f"fd://{self._socket.fileno()}"]
        config.certfile, config.keyfile = str(certfile), str(keyfile)
        config.alpn_protocols = ["h2", "http/1.1"]
        config.accesslog = config.errorlog = None
        config.keep_alive_timeout = 30
        return config

    def _run(self, config: Config, started: threading.Event) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._loop.call_soon(started.set)
            await serve(self.app, config, shutdown_trigger=self._stop.wait, mode="asgi")

        asyncio.run(main())

    def __enter__(self) -> Self:
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(self._config(), started), name="tls-server", daemon=True
        )
        self._thread.start()
        if not started.wait(self.start_timeout):
            raise RuntimeError("the TLS server did not start")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)
        if self._loop is not None:
            self._socket.detach()  # hypercorn took the socket over and closed it
        else:
            self._socket.close()
        self._files.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description="the mock CLOB over TLS (HTTP/2 and HTTP/1.1)")
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one core")
    parser.add_argument("--ca", type=Path, required=True, help="write the CA certificate here")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    from clob_cancel_mock import create_app

    with TlsServer(create_app()) as server:
        server.ca.cert_pem.write_to_path(str(args.ca))
        print(server.url.rsplit(":", 1)[1], flush=True)
        sys.stdin.read()  # the harness holds stdin open: never outlive it


if __name__ == "__main__":
    main()
