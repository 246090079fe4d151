"""The whole local stack as ``make dev`` runs it, on free ports, plus ``devstack invoke``."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import websockets
import websockets.exceptions

from devstack.template.stack import read_stack
from tests.support.devstack import ROOT, running_devstack_process
from tests.support.servers import MongoServer, free_port


def _call_route(base: str, method: str, path: str) -> requests.Response:
    concrete = re.sub(r"\{(\w+)\+?\}", "x", path)
    return requests.request(method if method != "ANY" else "GET", base + concrete, json={}, timeout=60)


def test_whole_stack_serves_every_route_and_stops_cleanly(mongo_server: MongoServer, tmp_path: Path) -> None:
    stack = read_stack()
    with running_devstack_process(tmp_path / "data", {"MONGODB_URI": mongo_server.uri}) as devstack:
        # GIVEN the stack is healthy (the fixture waited for GET /api/health == 200)
        ports = devstack.ports
        bases = {"CoreHttpApi": devstack.core_url, "AiHttpApi": f"http://127.0.0.1:{ports['AI_API_PORT']}"}
        # WHEN every route of the template is called THEN the gateway routes it to a function
        not_implemented = []
        for route in stack.http_routes:
            response = _call_route(bases[route.api], route.method, route.path)
            assert response.headers.get("x-devstack-origin") != "gateway" or response.status_code not in (404, 405), (
                f"{route.route_key} not served: {response.status_code}"
            )
            if response.status_code == 502:
                not_implemented.append(route.route_key)
        print("routes answering 502 (handler missing or failing):", not_implemented)

        # AND the real WebSocket function refuses a connection without a valid token
        async def refused() -> int:
            with pytest.raises(websockets.exceptions.InvalidStatus) as error:
                async with websockets.connect(devstack.ws_url + "?token=not-a-jwt"):
                    pass
            return error.value.response.status_code

        assert asyncio.run(refused()) in (401, 403)
        # AND the dashboard is told the core API's real port (not the default 8080)
        dashboard = f"http://127.0.0.1:{ports['DASHBOARD_PORT']}"
        config = _when_served(f"{dashboard}/config.js")
        assert config.status_code == 200
        assert config.headers["content-type"].startswith("application/javascript")
        core_port = ports["CORE_API_PORT"]
        assert f'"apiUrl": "http://localhost:{core_port}"' in config.text
        assert f'"wsUrl": "ws://localhost:{core_port}/ws"' in config.text
        assert 'src="/config.js"' in requests.get(f"{dashboard}/", timeout=10).text
        logs = devstack.data_dir / "logs"
        assert (logs / "gateway.log").exists()
        # AND the console shows one readable line per event, moto's banner and request lines gone,
        # and the functions' full JSON lines are in their files
        _assert_readable_console(devstack.output())
        # AND the demo user's paper account was opened at start, through the real functions
        assert "demo exchange account: paper (simulator" in devstack.output()
        assert any(line.startswith("{") for line in (logs / "auth.log").read_text().splitlines())
        secrets_file = devstack.data_dir / "secrets.json"
        assert oct(secrets_file.stat().st_mode & 0o777) == "0o600"
        assert json.loads(secrets_file.read_text())["JWT_SECRET"] not in devstack.output()
        pgid = devstack.process.pid
    # THEN SIGTERM left no process of the stack's group running
    assert devstack.process.returncode == 0
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)


_EVENT_LINE = re.compile(r"^\d\d:\d\d:\d\d \S+ +(DEBUG|INFO|WARNING|ERROR|CRITICAL)? +\S")
_BANNER = re.compile(r"^(tradecore local stack is up:|  \S.*|Ctrl-C stops everything\.|)$")


def _assert_readable_console(output: str) -> None:
    lines = output.splitlines()
    unreadable = [line for line in lines if not (_EVENT_LINE.match(line) or _BANNER.match(line))]
    assert unreadable == [], "\n".join(unreadable[:20])
    assert not [line for line in lines if "development server" in line or "HTTP/1.1" in line]
    assert any(re.match(r"^\d\d:\d\d:\d\d runner +DEBUG phase gateway up", line) for line in lines)
    # the tradecore logs of the runner no longer silence the local stack's own lines after them
    assert any(re.match(r"^\d\d:\d\d:\d\d gateway +INFO +GET /api/health -> 200", line) for line in lines)


def test_port_in_use_names_the_port_and_its_variable(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "CORE_API_PORT": str(port),
            "AI_API_PORT": str(free_port()),
            "DEVSTACK_DATA_DIR": str(tmp_path),
            "MONGODB_URI": "mongodb://127.0.0.1:1",
        }
        result = subprocess.run(
            [sys.executable, "-m", "devstack"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert f"port {port} is already in use; set CORE_API_PORT" in result.stderr


def test_devstack_invoke_runs_a_function_with_an_events_file(mongo_server: MongoServer, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MONGODB_URI": mongo_server.uri,
        "DEVSTACK_DATA_DIR": str(tmp_path),
        "MOTO_PORT": str(free_port()),
    }
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "invoke", "HealthFunction", "--event", "events/api_health.json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    printed = json.loads(result.stdout)
    assert printed["statusCode"] in (200, 503)
    assert json.loads(printed["body"])["service"] == "core"


def test_devstack_invoke_unknown_function_says_so(tmp_path: Path) -> None:
    env = {**os.environ, "DEVSTACK_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "invoke", "NoSuchFunction"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "NoSuchFunction" in result.stderr
    assert signal.SIGTERM  # the module is importable on this platform


def _when_served(url: str, timeout: float = 60) -> requests.Response:
    """GET ``url`` once it is served: the dashboard comes up last, after the demo paper account
    (which the health check does not wait for), so right after health it may not listen yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, timeout=10)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
