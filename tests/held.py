"""Holding a real ``clob-cancel`` process at one point, for a signal to reach it there: waiting
in read() on a FIFO, or in write() to a pipe this side leaves full. Each waits for the condition
itself, never for a guessed time."""

from __future__ import annotations

import errno
import fcntl
import os
import struct
import subprocess
import termios
import time
from pathlib import Path
from typing import IO

PATIENCE = 30.0


def fifo_opened_by(process: subprocess.Popen[str], fifo: Path) -> int:
    """A write end of ``fifo``, once ``process`` has opened it to read: from then on it waits
    for the end of the file, in read(), until the write end is closed."""
    began = time.monotonic()
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
        assert time.monotonic() - began < PATIENCE, f"{fifo.name} was never opened"
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)


def pipe_filled_by(process: subprocess.Popen[str], pipe: IO[str] | None) -> None:
    """Until ``process`` has filled ``pipe`` (its stdout or stderr, unread here): it then waits
    in write() until this side reads."""
    assert pipe is not None
    full = fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ)
    began = time.monotonic()
    while pending_bytes(pipe) < full:
        assert time.monotonic() - began < PATIENCE, "the pipe was never filled"
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)


def pending_bytes(pipe: IO[str]) -> int:
    """What is written to ``pipe`` and not yet read."""
    return int(struct.unpack("i", fcntl.ioctl(pipe.fileno(), termios.FIONREAD, b"\0" * 4))[0])
