"""The zygote: one process that imports the heavy third-party modules once and forks workers.

A cold worker spends most of its start importing FastAPI, pydantic, Powertools, boto3 and
pymongo (~1 s each on this class of machine). The zygote imports them once, at stack start, and
forks every worker from itself, so a cold start only imports the function's own code. Only
site-packages modules are preloaded, never project code, so hot reload still works: a retired
worker's replacement is forked from the same zygote and imports the changed files afresh.

Protocol: a SOCK_SEQPACKET control socket. The gateway sends a JSON request (cwd, environment,
module, callable) with two file descriptors attached: the worker's end of its invocation
socketpair and the write end of its log pipe. The zygote forks; the child installs the function's
environment, points stdout/stderr at the log pipe and runs :func:`devstack.runtime.worker_main.serve`;
the zygote answers ``{"pid": N}``. Requests are served before any remaining idle-time preloads.
Workers die with the zygote (PR_SET_PDEATHSIG) and when the gateway closes their socket.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import random
import select
import signal
import socket
import sys
import warnings
from typing import Any

from devstack.runtime.worker_main import serve

# Needed by every HTTP function's cold start: imported before the zygote says it is ready.
PRELOAD_FIRST = (
    "fastapi",
    "fastapi.routing",
    "fastapi.responses",
    "starlette.applications",
    "pydantic",
    "pydantic_settings",
    "mangum",
    "aws_lambda_powertools",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "boto3",
    "botocore.session",
    "pymongo",
    "httpx",
    "orjson",
)
# Used by some functions only: imported while the zygote has nothing else to do, in the order the
# warmed functions need them (the core health asks the AI health, which builds the OpenAI client).
PRELOAD_IDLE = ("openai", "numpy", "talib", "jwt", "argon2", "botocore.client", "botocore.endpoint", "binance.client")
_PR_SET_PDEATHSIG = 1
_MAX_REQUEST = 1 << 20


def preload(module: str) -> None:
    """Import ``module`` if it is installed; a missing optional module only costs its worker time."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. websockets' DeprecationWarning from binance
        with contextlib.suppress(Exception):
            importlib.import_module(module)


def _become_worker(request: dict[str, Any], worker_fd: int, log_fd: int, control: socket.socket) -> None:
    """In the forked child: the function's environment, then serve invocations; never returns."""
    code = 1
    try:
        control.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with contextlib.suppress(Exception):  # Linux: die with the zygote, like a sandbox with its host
            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(log_fd)
        env: dict[str, str] = request["env"]
        os.environ.clear()
        os.environ.update(env)
        os.chdir(request["cwd"])
        # what PYTHONPATH and ``-m`` would have put first in a freshly started interpreter
        extra = [request["cwd"], *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
        sys.path[:] = extra + [p for p in sys.path if p not in extra and p != ""]
        random.seed()  # forks would otherwise share the zygote's random state
        code = serve(socket.socket(fileno=worker_fd), request["module"], request["attribute"])
    except BaseException:  # noqa: BLE001 - a child must never fall back into the zygote's loop
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _serve_one(control: socket.socket) -> bool:
    """Fork one worker for the next request; False when the gateway has gone."""
    try:
        message, fds, _flags, _addr = socket.recv_fds(control, _MAX_REQUEST, 2)
    except OSError:
        return False
    if not message:
        return False
    if len(fds) != 2:
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"error": "expected two file descriptors"}).encode())
        return True
    worker_fd, log_fd = fds
    request = json.loads(message)
    pid = os.fork()
    if pid == 0:
        _become_worker(request, worker_fd, log_fd, control)
    os.close(worker_fd)
    os.close(log_fd)
    control.send(json.dumps({"pid": pid}).encode())
    return True


def main(argv: list[str]) -> int:
    control = socket.socket(fileno=int(argv[1]))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the forked workers
    for module in PRELOAD_FIRST:
        preload(module)
    control.send(json.dumps({"ready": True}).encode())
    idle = list(PRELOAD_IDLE)
    while True:
        readable, _, _ = select.select([control], [], [], 0 if idle else None)
        if readable:
            if not _serve_one(control):
                return 0
        elif idle:
            preload(idle.pop(0))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
