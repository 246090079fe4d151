"""Child processes of the local stack, each in its own process group, and the log of them all.

Every line a component prints goes to ``.data/logs/<component>.log`` exactly as printed (the
functions' full JSON) and to the console as one readable line (:mod:`devstack.local.console`).
:meth:`ChildProcess.stop` signals the whole process group (SIGTERM, then SIGKILL after a grace
period), so nothing a child started is left running. On Linux a child is also sent SIGTERM by the
kernel when the local stack itself dies without stopping it (``kill -9``, a crash): each child runs
in a session of its own, so nothing else would reach it, and a stale simulator or database would
hold its port for the next ``make dev``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import IO, TextIO

from devstack.local.console import event_line, render

GRACE_SECONDS = 5.0
_PR_SET_PDEATHSIG = 1  # prctl(2)
_LIBC = None
if sys.platform.startswith("linux"):
    import ctypes
    import ctypes.util

    _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking the kernel for SIGTERM when the starting thread's process ends.

    Children are started from the stack's event-loop thread (its main thread), which lives as long
    as the process. The C call needs no Python lock, so it is safe between fork and exec."""
    libc = _LIBC
    if libc is None:
        return None

    def arrange() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the stack died before the request took effect
            os._exit(1)

    return arrange


class ComponentLogHandler(logging.Handler):
    """The log of every component: a readable console line each, the full line in its file.

    :meth:`write` takes a line a component printed (a child process, a function's worker);
    :meth:`emit` takes the local stack's own log records (component: the logger's last name, or
    ``<name>`` of ``fn.<name>``).
    """

    def __init__(
        self,
        log_dir: Path,
        console: TextIO | None = None,
        clock: Callable[[], float] = time.time,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__()
        self.log_dir = log_dir
        self.console = console
        self.clock = clock
        self.tz = tz
        self._files: dict[str, IO[str]] = {}
        self._lock = threading.Lock()

    def write(self, component: str, line: str) -> None:
        shown = render(component, line, self._now(), self.tz)
        self._out(component, shown, line)

    def emit(self, record: logging.LogRecord) -> None:
        name = record.name
        component = name.removeprefix("fn.") if name.startswith("fn.") else name.split(".")[-1]
        try:
            message = record.getMessage()
            if record.exc_info:
                message += f"  ! {record.exc_info[0].__name__ if record.exc_info[0] else 'error'}"
                message += " (traceback in the log file)"
            at = datetime.fromtimestamp(record.created, UTC).astimezone(self.tz)
            shown = event_line(at, component, record.levelname, message.splitlines()[0] if message else "")
            self._out(component, shown, self.format(record))
        except Exception:  # noqa: BLE001 - logging must never raise into the caller
            self.handleError(record)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _out(self, component: str, shown: str | None, line: str) -> None:
        with self._lock:
            if shown is not None:
                print(shown, file=self.console or sys.stdout, flush=True)
            sink = self._files.get(component)
            if sink is None:
                sink = (self.log_dir / f"{component}.log").open("a", buffering=1)
                self._files[component] = sink
            sink.write(line + "\n")

    def stream_of(self, component: str) -> LineStream:
        """A text stream whose every line is :meth:`write`-n as ``component`` (for a library's handler)."""
        return LineStream(self, component)

    def close(self) -> None:
        with self._lock:
            for sink in self._files.values():
                sink.close()
            self._files.clear()
        super().close()


class LineStream:
    """Just enough of a text stream for ``logging.StreamHandler``: whole lines to a component."""

    def __init__(self, logs: ComponentLogHandler, component: str) -> None:
        self.logs = logs
        self.component = component
        self._partial = ""

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self.logs.write(self.component, line)
        return len(text)

    def flush(self) -> None:
        pass


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes] | None = None, name: str = "") -> None:
    """Wait until something listens on ``port``; raise RuntimeError if the process died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}; see .data/logs/{name}.log")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


async def wait_for_port_async(
    port: int, timeout: float, process: subprocess.Popen[bytes] | None = None, name: str = "", interval: float = 0.02
) -> None:
    """:func:`wait_for_port` without blocking the event loop, polling every ``interval`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}; see .data/logs/{name}.log")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1.0)
        except (OSError, TimeoutError):
            await asyncio.sleep(interval)
            continue
        writer.close()
        return
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


class ChildProcess:
    """One component running as a child process in its own session (process group)."""

    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], logs: ComponentLogHandler, cwd: Path | None = None
    ) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.logs = logs
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),
        )
        threading.Thread(target=self._pump, name=f"log-{self.name}", daemon=True).start()
        return self.process

    def _pump(self) -> None:
        assert self.process is not None  # noqa: S101
        assert self.process.stdout is not None  # noqa: S101
        for raw in self.process.stdout:
            self.logs.write(self.name, raw.decode(errors="replace").rstrip("\n"))

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL it after the grace period."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass
