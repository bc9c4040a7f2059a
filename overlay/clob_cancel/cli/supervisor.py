"""The command the heartbeat keeps armed: started, passed our signals, stopped on a lapse."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .exits import ExitCode

if TYPE_CHECKING:
    from ..heartbeat import HeartbeatKeeper

FORWARDED_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
"""The signals passed on to the command (or, without one, that stop the heartbeats)."""


def run_armed(command: list[str], keeper: HeartbeatKeeper, say: Callable[[str], None]) -> int:
    """Run ``command`` (or, without one, wait for SIGINT/SIGTERM) while ``keeper`` sends; the
    exit code. A lapse stops the command: it must not run on without the switch it was promised."""
    import signal
    import subprocess
    import threading

    stop = threading.Event()
    child = None
    if command:
        try:  # its own process group, so that each signal reaches it once: passed on by us
            child = subprocess.Popen(command, process_group=0)
        except OSError as e:
            say(f"cannot start {command[0]}: {e.strerror or e}")
            return 127

    def on_signal(number: int, _frame: object) -> None:
        if child is not None:
            child.send_signal(number)
        else:
            stop.set()

    names = [name for name in FORWARDED_SIGNALS if hasattr(signal, name)]
    previous = {name: signal.signal(getattr(signal, name), on_signal) for name in names}
    try:
        while True:
            if keeper.lapse is not None:
                if child is not None:
                    say(f"stopping {command[0]}: its orders are no longer protected")
                    child.terminate()
                    try:
                        child.wait(10)
                    except subprocess.TimeoutExpired:
                        child.kill()
                        child.wait()
                return ExitCode.FAILED
            if child is not None:
                try:
                    returncode: int = child.wait(0.1)
                except subprocess.TimeoutExpired:
                    continue
                return returncode if returncode >= 0 else 128 - returncode
            if stop.wait(0.1):
                return ExitCode.OK
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)
