"""The dashboard as a person uses it, for the browser tests: pages opened on the local stack,
logging in by label and role, screenshots for the README, and Content-Security-Policy violations
collected (the local server sends CloudFront's strict policy, so a violation is a broken page in
production too)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import expect

from tests.support.devstack import DevstackProcess

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
DEFAULT_TIMEOUT_MS = 20_000
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)  # a loaded 2-core machine: 5 s is too short


@dataclass
class DashboardPage:
    """One browser tab on the dashboard, with the CSP violations and page errors it reported."""

    page: Any
    url: str
    violations: list[str] = field(default_factory=list)

    def login(self, email: str, password: str) -> None:
        self.page.goto(self.url)
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()

    def region(self, name: str) -> Any:
        return self.page.get_by_role("region", name=name)

    def screenshot(self, name: str) -> None:
        """Save ``docs/screenshots/<name>.png`` (the README links them)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def wait_for_mark(page: Any, name: str, timeout: float = 60) -> float:
    """When the app set ``performance.mark(name)`` (ms since navigation start), waiting for it.
    Polled with ``evaluate`` (CDP, outside the page's CSP): ``wait_for_function`` evals inside the
    page, which the strict script-src refuses."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at = page.evaluate(f"performance.getEntriesByName({name!r}).map((entry) => entry.startTime)[0] ?? null")
        if at is not None:
            return float(at)
        time.sleep(0.01)
    raise TimeoutError(f"no performance mark {name!r} after {timeout} s")


def wait_for_dashboard(devstack: DevstackProcess, timeout: float = 300) -> None:
    """The dashboard is served last (after a build when its sources changed): wait for its page."""
    url = f"http://127.0.0.1:{devstack.ports['DASHBOARD_PORT']}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"dashboard not served after {timeout} s:\n{devstack.output()[-3000:]}")


def open_dashboard(browser: Any, devstack: DevstackProcess, *, width: int = 1280, height: int = 900) -> DashboardPage:
    wait_for_dashboard(devstack)
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    opened = DashboardPage(page, f"http://localhost:{devstack.ports['DASHBOARD_PORT']}/")

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            opened.violations.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: opened.violations.append(f"page error: {error}"))
    return opened


def api_token(devstack: DevstackProcess, email: str, password: str) -> str:
    answer = requests.post(
        f"{devstack.core_url}/api/auth/login", json={"email": email, "password": password}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def create_user(devstack: DevstackProcess, admin_token: str, email: str, password: str, role: str) -> None:
    answer = requests.post(
        f"{devstack.core_url}/api/admin/users",
        json={"email": email, "password": password, "role": role},
        headers={"Authorization": f"Bearer {admin_token}"},
        timeout=30,
    )
    assert answer.status_code in (201, 409), answer.text  # 409: made by an earlier test of the session


def invoke_function(devstack: DevstackProcess, function: str, event: str, env: dict[str, str]) -> str:
    """``python -m devstack invoke`` against the running stack (same ports, data and database)."""
    variables = {**os.environ, **{name: str(port) for name, port in devstack.ports.items()}, **env}
    variables["DEVSTACK_DATA_DIR"] = str(devstack.data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "devstack", "invoke", function, "--event", str(ROOT / "events" / event)],
        cwd=ROOT, env=variables, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
