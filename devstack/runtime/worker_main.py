"""A function "container": imports one handler module with its environment and serves invocations.

Forked from the zygote (:mod:`devstack.runtime.zygote`), or started by :mod:`devstack.runtime.workers` as
``python -m devstack.runtime.worker_main <fd> <module> <callable>``, with the environment the template
gives the function. Requests and results travel as length-prefixed JSON frames over the socket
``fd`` (stdout and stderr stay free for the function's own logs); each result carries
``handler_ms``, the time the handler itself took, so the gateway's own share can be measured. The
module is imported once (the cold start); an import error is reported on every invocation, as
Lambda reports ``Runtime.ImportModuleError``.
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import struct
import sys
import time
import traceback
from typing import Any

_HEADER = struct.Struct(">I")

try:  # orjson is several times faster on the events and results of the hot path
    import orjson

    def _dumps(message: dict[str, Any]) -> bytes:
        try:
            return orjson.dumps(message, default=str)
        except TypeError:  # e.g. non-string keys: the standard encoder is more lenient
            return json.dumps(message, separators=(",", ":"), default=str).encode()

    _loads: Any = orjson.loads
except ImportError:  # pragma: no cover - orjson is in requirements-dev.txt

    def _dumps(message: dict[str, Any]) -> bytes:
        return json.dumps(message, separators=(",", ":"), default=str).encode()

    _loads = json.loads


def send_frame(sock: socket.socket, message: dict[str, Any]) -> None:
    payload = _dumps(message)
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def recv_frame(sock: socket.socket) -> dict[str, Any] | None:
    header = _recv_exactly(sock, _HEADER.size)
    if header is None:
        return None
    payload = _recv_exactly(sock, _HEADER.unpack(header)[0])
    return None if payload is None else _loads(payload)


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class LambdaContext:
    """What the Lambda Python runtime passes as ``context``; the remaining time counts down."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = request["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = request["function_arn"]
        self.memory_limit_in_mb = int(request["memory"])
        self.aws_request_id = request["request_id"]
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = time.monotonic() + request["timeout_ms"] / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "ok": False,
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc),
    }


def _invoke(handler: Any, request: dict[str, Any]) -> dict[str, Any]:
    os.environ["AWS_LAMBDA_FUNCTION_NAME"] = request["function_name"]
    os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(request["memory"])
    os.environ["_X_AMZN_TRACE_ID"] = request.get("trace_header", "")
    context = LambdaContext(request)
    started = time.perf_counter()
    try:
        result = handler(request["event"], context)
    except Exception as exc:  # noqa: BLE001 - reported to the caller as a function error
        traceback.print_exc()
        return _error(exc)
    return {"ok": True, "result": result, "handler_ms": (time.perf_counter() - started) * 1000}


def main(argv: list[str]) -> int:
    fd, module_name, attribute = int(argv[1]), argv[2], argv[3]
    return serve(socket.socket(fileno=fd), module_name, attribute)


def serve(sock: socket.socket, module_name: str, attribute: str) -> int:
    """Import the handler, say ready, then answer invocations until the gateway closes ``sock``."""
    handler: Any = None
    init_error: dict[str, Any] | None = None
    try:
        handler = getattr(importlib.import_module(module_name), attribute)
    except Exception as exc:  # noqa: BLE001 - the function's own import failure, reported per call
        traceback.print_exc()
        init_error = _error(exc, "Runtime.ImportModuleError")
    send_frame(sock, {"ready": init_error is None})
    while (request := recv_frame(sock)) is not None:
        response = init_error or _invoke(handler, request)
        sys.stdout.flush()
        sys.stderr.flush()
        send_frame(sock, response)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
