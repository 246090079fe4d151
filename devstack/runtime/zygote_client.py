"""The gateway's side of the zygote (:mod:`devstack.runtime.zygote`): start it early, fork workers from it.

:meth:`Zygote.start` only launches the process (it preloads in the background while the rest of
the stack starts); :meth:`Zygote.fork` waits for it to be ready and returns a
:class:`ForkedProcess`. Forks are serialised over the one control socket (a fork takes a few ms).
When the zygote is gone, :attr:`Zygote.usable` turns false and the pools fall back to starting
workers with a fresh interpreter.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable

from devstack.template.reader import ROOT

LogSink = Callable[[str, str], None]  # (component, line)


class ForkedProcess:
    """A worker forked by the zygote: not our child, so its log pipe's end tells that it exited."""

    def __init__(self, pid: int, logs: asyncio.StreamReader) -> None:
        self.pid = pid
        self.logs = logs
        self.exited = asyncio.Event()

    @property
    def alive(self) -> bool:
        return not self.exited.is_set()

    def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    async def wait(self) -> None:
        await self.exited.wait()


class Zygote:
    """One zygote process; ``fork()`` gives a worker serving ``module.attribute`` with ``env``."""

    def __init__(self, log: LogSink, env: dict[str, str] | None = None) -> None:
        self.log = log
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._lock = asyncio.Lock()
        self._ready = False
        self.usable = True

    def start(self) -> None:
        """Launch the zygote; it imports the shared modules while the caller goes on."""
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "devstack.runtime.zygote", str(child.fileno())],
                pass_fds=(child.fileno(),),
                cwd=ROOT,
                env={**(self.env or os.environ), "PYTHONUNBUFFERED": "1"},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        finally:
            child.close()
        parent.setblocking(False)
        self._control = parent
        threading.Thread(target=self._pump, name="log-zygote", daemon=True).start()

    def _pump(self) -> None:
        stdout = self.process.stdout if self.process is not None else None
        for raw in stdout or ():
            self.log("zygote", raw.decode(errors="replace").rstrip("\n"))

    async def _receive(self) -> dict[str, object]:
        assert self._control is not None  # noqa: S101 - set in start()
        reply = await asyncio.get_running_loop().sock_recv(self._control, 65536)
        if not reply:
            self.usable = False
            raise RuntimeError("the zygote exited; see its log")
        answer: dict[str, object] = json.loads(reply)
        return answer

    async def fork(
        self, cwd: str, env: dict[str, str], module: str, attribute: str
    ) -> tuple[ForkedProcess, socket.socket]:
        """A new worker and the gateway's end of its socketpair; RuntimeError when the zygote is gone."""
        if self._control is None:
            self.start()
        assert self._control is not None  # noqa: S101 - set by start()
        async with self._lock:
            if not self._ready:
                await self._receive()  # {"ready": true} once the shared modules are imported
                self._ready = True
            parent, child = socket.socketpair()
            log_read, log_write = os.pipe()
            request = json.dumps({"cwd": cwd, "env": env, "module": module, "attribute": attribute}).encode()
            try:
                socket.send_fds(self._control, [request], [child.fileno(), log_write])
            except OSError as exc:
                self.usable = False
                parent.close()
                os.close(log_read)
                raise RuntimeError(f"the zygote is gone: {exc}") from None
            finally:
                child.close()
                os.close(log_write)
            reply = await self._receive()
        if "pid" not in reply:
            parent.close()
            os.close(log_read)
            raise RuntimeError(f"the zygote refused: {reply.get('error')}")
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=1 << 20)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(log_read, "rb", 0))
        return ForkedProcess(int(str(reply["pid"])), reader), parent

    async def close(self) -> None:
        """Stop the zygote (its workers die with it) and wait for it to exit."""
        if self._control is not None:
            self._control.close()
            self._control = None
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                await asyncio.to_thread(process.wait, 5)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait)
