"""Workers forked from the zygote: real requests, hot reload of project code, fallback, clean stop."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import requests

from devstack.runtime.workers import SpawnedProcess
from devstack.runtime.zygote_client import ForkedProcess
from tests.support.devstack import StackHandle, running_local_stack

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  CoreHttpApi:
    Type: AWS::Serverless::HttpApi
  VersionFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: version_app.handler
      CodeUri: {code}
      Runtime: python3.12
      Environment:
        Variables:
          GREETING: hello
      Events:
        Get: {{Type: HttpApi, Properties: {{ApiId: !Ref CoreHttpApi, Method: GET, Path: /api/version}}}}
"""
HANDLER = """
import os
VERSION = {version}
def handler(event, context):
    return {{"version": VERSION, "greeting": os.environ.get("GREETING"), "pid": os.getpid()}}
"""


def _write_function(folder: Path, version: int) -> None:
    (folder / "version_app.py").write_text(HANDLER.format(version=version))
    # a new mtime second for the source, so no stale bytecode can be taken for it
    stamp = time.time() + version
    os.utime(folder / "version_app.py", (stamp, stamp))


def _get(stack: StackHandle) -> dict[str, object]:
    port = stack.settings.ports["CORE_API_PORT"]
    response = requests.get(f"http://127.0.0.1:{port}/api/version", timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _parent_pid(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _stack(tmp_path: Path) -> tuple[Path, Path]:
    code = tmp_path / "code"
    code.mkdir()
    _write_function(code, 1)
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE.format(code=code))
    return template, code


def test_worker_is_forked_from_the_zygote_and_sees_its_environment(tmp_path: Path) -> None:
    template, _ = _stack(tmp_path)
    with running_local_stack(template) as stack:
        body = _get(stack)
        zygote = stack.stack.runtime.zygote
        assert zygote is not None
        assert zygote.process is not None
        assert body["greeting"] == "hello"
        # THEN the worker is a fork of the zygote, not a fresh interpreter started by the gateway
        assert _parent_pid(int(str(body["pid"]))) == zygote.process.pid
        (pool,) = stack.stack.runtime.pools.values()
        assert all(isinstance(worker.process, ForkedProcess) for worker in pool._idle)
        worker_pid = int(str(body["pid"]))
    # AND stopping the stack leaves neither the worker nor the zygote running
    assert _gone(worker_pid)
    assert _gone(zygote.process.pid)


def test_changed_project_code_is_imported_by_the_next_forked_worker(tmp_path: Path) -> None:
    template, code = _stack(tmp_path)
    with running_local_stack(template) as stack:
        first = _get(stack)
        assert first["version"] == 1
        # WHEN the source changes and the pool is retired (what hot reload does)
        _write_function(code, 2)
        stack.stack.runtime.reload(None)
        second = _get(stack)
        # THEN a new worker runs the new code: the zygote never imported project modules
        assert second["version"] == 2
        assert second["pid"] != first["pid"]
        assert _gone(int(str(first["pid"])))


def test_pool_falls_back_to_a_fresh_interpreter_when_the_zygote_is_gone(tmp_path: Path) -> None:
    template, _ = _stack(tmp_path)
    with running_local_stack(template) as stack:
        first = _get(stack)
        zygote = stack.stack.runtime.zygote
        assert zygote is not None
        assert zygote.process is not None
        # WHEN the zygote dies (its forked workers die with it)
        os.kill(zygote.process.pid, signal.SIGKILL)
        assert _gone(int(str(first["pid"])))
        # THEN the next request still succeeds, from a worker started without the zygote
        assert _get(stack)["greeting"] == "hello"
        (pool,) = stack.stack.runtime.pools.values()
        assert any(isinstance(worker.process, SpawnedProcess) for worker in pool._idle)
        assert zygote.usable is False
