"""A misbehaving heartbeat server on loopback, for what the mock does not do."""

from __future__ import annotations

import socket
import threading
import time


class TricklingServer:
    """Accepts the first heartbeat, then answers each later one a byte every 0.3 s: every read
    is quick, the send never ends. Plain sockets: a misbehaving server on loopback."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.heartbeats = 0
        self.closed = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while not self.closed.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.answer, args=(connection,), daemon=True).start()

    def answer(self, connection: socket.socket) -> None:
        with connection:
            try:
                while self.read_request(connection):
                    self.heartbeats += 1
                    body = b'{"heartbeat_id": "hb%d"}' % self.heartbeats
                    if self.heartbeats > 1:
                        body += b" " * 1000  # trickled: 300 s
                    head = (
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n"
                    ).encode()
                    connection.sendall(head + body[:1])
                    for byte in range(1, len(body)):
                        if self.heartbeats > 1:
                            time.sleep(0.3)
                            if self.closed.is_set():
                                return
                        connection.sendall(body[byte : byte + 1])
            except OSError:
                return

    @staticmethod
    def read_request(connection: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            body += connection.recv(65536)
        return True

    def close(self) -> None:
        self.closed.set()
        self.listener.close()
