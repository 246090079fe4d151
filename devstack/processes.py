"""Child processes of the local stack, each in its own process group, with prefixed logs.

Every line a child prints goes to the console as ``[name] line`` and to ``.data/logs/<name>.log``.
:meth:`ChildProcess.stop` signals the whole process group (SIGTERM, then SIGKILL after a grace
period), so nothing a child started is left running.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

GRACE_SECONDS = 5.0


class ComponentLogHandler(logging.Handler):
    """Console ``[component] message`` plus ``<log_dir>/<component>.log`` for every record."""

    def __init__(self, log_dir: Path) -> None:
        super().__init__()
        self.log_dir = log_dir
        self._files: dict[str, object] = {}
        self._lock_files = threading.Lock()

    def write(self, component: str, line: str) -> None:
        print(f"[{component}] {line}", flush=True)
        with self._lock_files:
            sink = self._files.get(component)
            if sink is None:
                sink = (self.log_dir / f"{component}.log").open("a", buffering=1)
                self._files[component] = sink
            sink.write(line + "\n")  # type: ignore[attr-defined]

    def emit(self, record: logging.LogRecord) -> None:
        name = record.name
        component = name.removeprefix("fn.") if name.startswith("fn.") else name.split(".")[-1]
        self.write(component, self.format(record))

    def close(self) -> None:
        for sink in self._files.values():
            sink.close()  # type: ignore[attr-defined]
        super().close()


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
