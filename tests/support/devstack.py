"""Fixtures' helpers for the local stack: run it in-process on free ports, or as ``python -m devstack``.

:func:`running_local_stack` runs the gateway + scheduler on a private event loop in a thread (fast;
for tests of the gateway itself). :func:`running_devstack_process` starts the whole stack as
``make dev`` does, on free ports, and waits until ``GET /api/health`` answers: for e2e tests.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from devstack.local.settings import PORT_DEFAULTS, DevstackSettings
from devstack.local.stack import LocalStack
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
TEST_TEMPLATE = Path(__file__).with_name("devstack_template.yaml")


@dataclass
class StackHandle:
    """A running local stack: its settings, the LocalStack object and its loop."""

    settings: DevstackSettings
    stack: LocalStack
    loop: asyncio.AbstractEventLoop
    lines: list[tuple[str, str]] = field(default_factory=list)

    @property
    def core_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.ports['CORE_API_PORT']}"

    @property
    def ai_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.ports['AI_API_PORT']}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.settings.ports['CORE_API_PORT']}/ws"

    def call(self, coroutine: Any, timeout: float = 30) -> Any:
        """Run a coroutine on the stack's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


def free_ports() -> dict[str, int]:
    return {name: free_port() for name in PORT_DEFAULTS}


@contextmanager
def running_local_stack(
    template: Path = TEST_TEMPLATE, base_env: dict[str, str] | None = None, **overrides: Any
) -> Iterator[StackHandle]:
    """Gateway + scheduler for ``template`` on free ports, on an event loop in a thread."""
    settings = DevstackSettings(ports=free_ports(), template=template, reload=False, **overrides)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    lines: list[tuple[str, str]] = []
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", **(base_env or {})}

    async def build() -> LocalStack:
        stack = LocalStack(settings, env, log_sink=lambda component, line: lines.append((component, line)))
        await stack.start()
        return stack

    stack = asyncio.run_coroutine_threadsafe(build(), loop).result(30)
    handle = StackHandle(settings, stack, loop, lines)
    try:
        yield handle
    finally:
        handle.call(stack.stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


@dataclass
class DevstackProcess:
    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    data_dir: Path
    log_path: Path

    @property
    def core_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['CORE_API_PORT']}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ports['CORE_API_PORT']}/ws"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_devstack_process(
    data_dir: Path, extra_env: dict[str, str] | None = None, timeout: float = 60
) -> Iterator[DevstackProcess]:
    """``python -m devstack`` on free ports with its data in ``data_dir``; stopped with SIGTERM."""
    ports = free_ports()
    env = {**os.environ, **{name: str(port) for name, port in ports.items()}, "DEVSTACK_DATA_DIR": str(data_dir)}
    env.update(extra_env or {})
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "devstack-test-output.log"
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    handle = DevstackProcess(process, ports, data_dir, log_path)
    try:
        _wait_healthy(handle, timeout)
        yield handle
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                # its children run in sessions of their own; the kernel ends them with it (devstack's
                # parent-death signal, tests/integration/test_devstack_children.py)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def descendants(root: int) -> list[int]:
    """Process ids under ``root`` (from /proc: psutil is not installed here)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _wait_healthy(handle: DevstackProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if handle.process.poll() is not None:
            raise RuntimeError(f"devstack exited with {handle.process.returncode}:\n{handle.output()[-4000:]}")
        try:
            if requests.get(f"{handle.core_url}/api/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)  # tight: the start benchmark measures through this loop
    raise TimeoutError(f"devstack not healthy after {timeout}s:\n{handle.output()[-4000:]}")
