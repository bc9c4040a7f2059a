"""In a terminal (a real pty, the wrapper run by a shell as its controlling process's job): the
bot gets the foreground, so it reads the terminal and Ctrl-C reaches it; Ctrl-Z stops it for
good; the shell has its terminal back afterwards."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import shlex
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import env_for, wrapper_argv

# Not signal.pause(): it does not look at signals that came before it blocks, so a Ctrl-C landing
# between the print and the pause (a busy machine: the test reads the line and types at once)
# was handled by nobody and the bot slept on. A sleep loop looks at least once a tick.
BOT = """\
import sys, time
print("bot: ready", flush=True)
line = sys.stdin.readline().strip()
try:  # entered before it says what it read: the test's Ctrl-C follows that line
    print("bot read:", line, flush=True)
    while True:
        time.sleep(0.05)
except KeyboardInterrupt:
    print("bot: interrupted", flush=True)
    sys.exit(5)
"""


class Terminal:
    """A shell script run in a new session on a pty; what it prints, what we type."""

    def __init__(self, script: str, env: dict[str, str]) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: exec at once
            os.execve("/bin/sh", ["sh", "-c", script], env)
        self.pid, self.fd, self.seen = pid, fd, b""

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def expect(self, text: str, within: float = 30.0) -> None:
        end = time.monotonic() + within
        while text.encode() not in self.seen:
            left = end - time.monotonic()
            assert left > 0, f"{text!r} never came; the terminal showed:\n{self.seen.decode()}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.fd, 4096)
                except OSError:  # EIO: the session ended
                    assert text.encode() in self.seen, self.seen.decode()
                    return

    def close(self) -> None:
        os.close(self.fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


@pytest.fixture
def terminal(clob: Any, tmp_path: Path) -> Iterator[Any]:
    bot = tmp_path / "bot.py"
    bot.write_text(BOT)
    opened: list[Terminal] = []

    def open_one() -> Terminal:
        wrapper = shlex.join(wrapper_argv("--grace", "2", "--", "python3", str(bot)))
        script = f'{wrapper}; echo "wrapper exit $?"; read line; echo "shell read: $line"'
        opened.append(Terminal(script, env_for(clob.url)))
        return opened[-1]

    yield open_one
    for each in opened:
        each.close()


def test_the_bot_reads_the_terminal_and_ctrl_c_reaches_it(terminal: Any) -> None:
    tty = terminal()
    tty.expect("bot: ready")
    tty.type(b"hello\n")
    tty.expect("bot read: hello")  # not stopped by SIGTTIN: it has the foreground
    tty.type(b"\x03")  # Ctrl-C
    tty.expect("bot: interrupted")
    tty.expect("wrapper exit 5")
    tty.type(b"back\n")
    tty.expect("shell read: back")  # the shell has its terminal back


def test_ctrl_z_stops_the_bot_for_good(terminal: Any) -> None:
    tty = terminal()
    tty.expect("bot: ready")
    tty.type(b"\x1a")  # Ctrl-Z
    tty.expect("suspended by SIGTSTP: a frozen bot is not kept armed")
    tty.expect(f"wrapper exit {128 + signal.SIGTERM}")
    tty.type(b"back\n")
    tty.expect("shell read: back")
