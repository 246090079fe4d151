"""Run function handlers in worker processes, each with the environment the template gives it.

Design (why processes): every function must see ITS environment variables, and Python modules
read configuration at import time, so two functions cannot share one interpreter. Setting
``os.environ`` per call under a lock would serialise all requests and still leak module-level state.
So, like Lambda, each function runs in "containers": worker processes started on first use (the
cold start) that import the handler module once and then serve invocations over a socketpair as
length-prefixed JSON frames (~0.1-0.3 ms per round trip). Functions whose handler module and
resolved environment are identical share a pool (one image serving several functions); the
function-specific variables (``AWS_LAMBDA_FUNCTION_NAME``, memory) are set per invocation.
A pool grows to ``max_workers`` under concurrency (one request per worker, as in Lambda).

A worker that exceeds the function's ``Timeout`` is killed (Lambda discards the sandbox) and the
call reports a timeout; one that crashes is replaced on the next call. ``retire()`` (hot reload)
replaces every worker after its current request.

Cold starts are cheap when a zygote (:mod:`devstack.runtime.zygote`) is given: workers are forked from a
process that has already imported the shared third-party modules. Without one (``devstack
invoke``) or when it is gone, a worker is a fresh ``python -m devstack.runtime.worker_main``. A pool runs
one cold start at a time: requests arriving meanwhile wait for it (or for a busy worker) instead
of piling further cold starts onto the same CPUs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devstack.runtime.zygote_client import ForkedProcess, Zygote
from devstack.template.reader import ROOT, FunctionSpec

_HEADER = struct.Struct(">I")
try:  # several times faster than json on the events and results of the hot path
    import orjson

    def _dumps(message: Any) -> bytes:
        try:
            return orjson.dumps(message)
        except TypeError:  # e.g. header names as multidict's istr keys: the standard encoder takes them
            return json.dumps(message, separators=(",", ":")).encode()

    _loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - orjson is in requirements-dev.txt

    def _dumps(message: Any) -> bytes:
        return json.dumps(message, separators=(",", ":")).encode()

    _loads = json.loads
INIT_TIMEOUT_SECONDS = 30.0
_log = logging.getLogger("devstack.workers")
LogSink = Callable[[str, str], None]  # (component, line)


@dataclass(frozen=True)
class Invocation:
    """The outcome of one call: a result, a function error, or a timeout."""

    result: Any = None
    error: dict[str, Any] | None = None
    timed_out: bool = False
    duration_ms: float = 0.0  # as the gateway saw it: waiting for a worker, IPC and the handler
    handler_ms: float = 0.0  # the handler alone, measured in the worker

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out


class SpawnedProcess:
    """A worker started as a fresh interpreter (our child process)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()

    async def wait(self) -> None:
        await self.process.wait()


class Worker:
    """One worker process (spawned or forked) and the gateway's end of its socketpair."""

    def __init__(
        self, process: SpawnedProcess | ForkedProcess, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ):
        self.process = process
        self.reader = reader
        self.writer = writer
        self.generation = 0

    @property
    def alive(self) -> bool:
        return self.process.alive

    async def call(self, message: dict[str, Any]) -> dict[str, Any]:
        payload = _dumps(message)
        self.writer.write(_HEADER.pack(len(payload)) + payload)
        return await self.read()

    async def read(self) -> dict[str, Any]:
        header = await self.reader.readexactly(_HEADER.size)
        payload = await self.reader.readexactly(_HEADER.unpack(header)[0])
        result: dict[str, Any] = _loads(payload)
        return result

    def kill(self) -> None:
        self.process.kill()
        self.writer.close()


class WorkerPool:
    """The warm workers of one handler module + environment."""

    def __init__(
        self,
        name: str,
        function: FunctionSpec,
        env: dict[str, str],
        log: LogSink,
        max_workers: int = 4,
        zygote: Zygote | None = None,
    ):
        self.name = name
        self.zygote = zygote
        self.function = function
        self.env = env
        self.log = log
        self.max_workers = max_workers
        self.package = function.package
        self._idle: list[Worker] = []
        self._count = 0
        self._starting = 0  # cold starts in progress (at most one)
        self._generation = 0
        self._available = asyncio.Condition()

    async def invoke(self, spec: FunctionSpec, event: Any, request_id: str) -> Invocation:
        """Run ``spec``'s handler on ``event``; never raises for function errors or timeouts."""
        started = time.perf_counter()
        try:
            worker = await self._acquire()
        except RuntimeError as exc:
            return Invocation(error={"errorType": "Runtime.ExitError", "errorMessage": str(exc)})
        region = self.env.get("AWS_REGION", "us-east-1")
        message = {
            "event": event,
            "request_id": request_id,
            "function_name": spec.logical_id,
            "function_arn": f"arn:aws:lambda:{region}:123456789012:function:{spec.logical_id}",
            "memory": spec.memory_size,
            "timeout_ms": spec.timeout * 1000,
        }
        try:
            response = await asyncio.wait_for(worker.call(message), timeout=spec.timeout)
        except TimeoutError:
            worker.kill()
            await self._release(worker, discard=True)
            return Invocation(timed_out=True, duration_ms=(time.perf_counter() - started) * 1000)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            worker.kill()
            await self._release(worker, discard=True)
            error = {"errorType": "Runtime.ExitError", "errorMessage": f"worker exited: {exc}"}
            return Invocation(error=error, duration_ms=(time.perf_counter() - started) * 1000)
        await self._release(worker)
        duration = (time.perf_counter() - started) * 1000
        if response.get("ok"):
            return Invocation(result=response.get("result"), duration_ms=duration, handler_ms=response["handler_ms"])
        return Invocation(error=response, duration_ms=duration)

    async def warm(self) -> None:
        """Start one worker ahead of the first request (a provisioned-concurrency stand-in)."""
        worker = await self._acquire()
        await self._release(worker)

    def retire(self) -> None:
        """Hot reload: replace every worker (idle ones now, busy ones after their request)."""
        self._generation += 1
        for worker in self._idle:
            worker.kill()
            self._count -= 1
        self._idle.clear()

    async def close(self) -> None:
        """Stop every idle worker and wait for it to exit."""
        workers = list(self._idle)
        self.retire()
        for worker in workers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker.process.wait(), timeout=5)

    async def _acquire(self) -> Worker:
        async with self._available:
            while True:
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive and worker.generation == self._generation:
                        return worker
                    worker.kill()
                    self._count -= 1
                if self._count < self.max_workers and not self._starting:
                    self._count += 1
                    self._starting += 1
                    break
                await self._available.wait()
        try:
            return await self._spawn()
        except BaseException:
            async with self._available:
                self._count -= 1
                raise
        finally:
            async with self._available:
                self._starting -= 1
                self._available.notify_all()

    async def _release(self, worker: Worker, discard: bool = False) -> None:
        async with self._available:
            if discard or not worker.alive or worker.generation != self._generation:
                worker.kill()
                self._count -= 1
            else:
                self._idle.append(worker)
            self._available.notify()

    async def _spawn(self) -> Worker:
        started = time.perf_counter()
        module, attribute = self.function.handler.rsplit(".", 1)
        cwd = str(ROOT / self.function.code_uri)
        process: SpawnedProcess | ForkedProcess | None = None
        if self.zygote is not None and self.zygote.usable:
            try:
                process, parent = await self.zygote.fork(cwd, self.env, module, attribute)
            except RuntimeError as exc:
                self.log(self.name, f"zygote unavailable ({exc}); starting a fresh interpreter")
        if isinstance(process, ForkedProcess):
            asyncio.get_running_loop().create_task(self._forward_logs(process.logs, process.exited))
        else:
            process, parent = await self._exec(cwd, module, attribute)
        reader, writer = await asyncio.open_connection(sock=parent, limit=64 << 20)
        worker = Worker(process, reader, writer)
        worker.generation = self._generation
        try:
            await asyncio.wait_for(worker.read(), timeout=INIT_TIMEOUT_SECONDS)
        except (TimeoutError, asyncio.IncompleteReadError):
            worker.kill()
            raise RuntimeError(f"{self.name}: the worker did not start") from None
        how = "forked" if isinstance(process, ForkedProcess) else "spawned"
        _log.debug("%s: cold start (%s) %.2f s", self.name, how, time.perf_counter() - started)
        return worker

    async def _exec(self, cwd: str, module: str, attribute: str) -> tuple[SpawnedProcess, socket.socket]:
        parent, child = socket.socketpair()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "devstack.runtime.worker_main",
                str(child.fileno()),
                module,
                attribute,
                pass_fds=(child.fileno(),),
                env=self.env,
                cwd=cwd,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=False,
            )
        finally:
            child.close()
        assert process.stdout is not None  # noqa: S101 - requested above
        asyncio.get_running_loop().create_task(self._forward_logs(process.stdout))
        return SpawnedProcess(process), parent

    async def _forward_logs(self, stream: asyncio.StreamReader, done: asyncio.Event | None = None) -> None:
        try:
            while True:
                try:
                    line = await stream.readline()
                except ValueError:  # over the reader's limit; the reader dropped it
                    self.log(self.name, "(an overlong log line was dropped)")
                    continue
                if not line:
                    break
                self.log(self.name, line.decode(errors="replace").rstrip("\n"))
        finally:
            if done is not None:
                done.set()


def worker_environment(function_env: dict[str, str], base: dict[str, str], function: FunctionSpec) -> dict[str, str]:
    """The process environment of a worker: Lambda's standard variables, then the template's."""
    region = base.get("AWS_REGION", "us-east-1")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": "UTC",
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - Lambda's HOME is writable /tmp-like
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / function.code_uri), str(ROOT / "layers" / "tradecore")]),
        "PYTHONUNBUFFERED": "1",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout),
        "AWS_LAMBDA_LOG_STREAM_NAME": "local/[$LATEST]devstack",
        "LAMBDA_TASK_ROOT": str(ROOT / function.code_uri),
    }
    env.update(base)
    env.update(function_env)
    return env
