"""The local stack's stream task: a child process restarted when its code changes, stopped with
nothing left running. A stand-in ``stream`` package (in a temporary tree) records each start."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from devstack.local.processes import ComponentLogHandler
from devstack.local.stream_task import StreamTask

STAND_IN = """
import os, signal, sys, time
print("started", os.getpid(), flush=True)
signal.signal(signal.SIGTERM, lambda *_: (print("stopping", os.getpid(), flush=True), sys.exit(0)))
while True:
    time.sleep(0.1)
"""


def test_stream_task_restarts_on_code_change_then_stops(tmp_path: Path) -> None:
    package = tmp_path / "stream"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(STAND_IN)
    (tmp_path / "logs").mkdir()
    logs = ComponentLogHandler(tmp_path / "logs", console=open(os.devnull, "w"))  # noqa: SIM115
    log_file = tmp_path / "logs" / "stream.log"

    def lines(word: str) -> list[str]:
        return (
            [line for line in log_file.read_text().splitlines() if line.startswith(word)] if log_file.exists() else []
        )

    async def until(word: str, count: int) -> None:
        for _ in range(200):
            if len(lines(word)) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{count} x {word!r} not logged: {lines('')}")

    async def scenario() -> None:
        task = StreamTask({**os.environ, "PYTHONUNBUFFERED": "1"}, logs, reload=True, cwd=tmp_path)
        task.start()
        await until("started", 1)
        assert task.child is not None
        first = task.child.process
        await asyncio.sleep(1.0)  # the watcher has taken its first look
        (package / "handlers.py").write_text("CHANGED = True\n")
        await until("started", 2)
        assert first is not None
        assert first.poll() == 0  # stopped by SIGTERM, cleanly
        await task.stop()
        assert task.child.process is not None
        assert task.child.process.poll() == 0

    try:
        asyncio.run(asyncio.wait_for(scenario(), 30))
    finally:
        logs.close()
    assert len(lines("stopping")) == 2
