"""The dashboard: time to the first chart drawn with data on the local stack (target <= 1 s), and
the JavaScript it ships, gzipped (target <= 150 KB; lightweight-charts alone is ~45 KB).

Size: every ``dashboard/dist/assets/*.js`` of a fresh build (``ensure_built``), each gzipped at
level 9 as CloudFront compresses it, summed. Time: ``python -m devstack`` on free ports, Debian's
Chromium as in the browser tests; the demo user's token is put in the tab's ``sessionStorage``
(as logging in leaves it), then the page is loaded and the app's ``performance.mark('chart-rendered')``
(set when the candles' first ``setData`` has data) is read: milliseconds since navigation start,
so it includes the page, ``config.js``, the bundle, ``/api/auth/me`` and ``/api/market/candles``.
The first load (cold functions) is reported apart; the target is on the median of warm loads.
"""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import requests

from bench.result import Result, median
from devstack.local.dashboard_build import ensure_built
from devstack.local.runner import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.dashboard_page import wait_for_dashboard, wait_for_mark
from tests.support.devstack import DevstackProcess, running_devstack_process

ROOT = Path(__file__).resolve().parent.parent
WARM_LOADS = 7


def shipped_js_gzipped_kb(dist: Path) -> tuple[float, float, int]:
    """(gzipped KB, raw KB, files) of the JavaScript under ``dist/assets``."""
    files = sorted((dist / "assets").glob("*.js"))
    raw = [path.read_bytes() for path in files]
    return sum(len(gzip.compress(data, 9)) for data in raw) / 1024, sum(map(len, raw)) / 1024, len(files)


# when each API answer had arrived (ms since navigation start): where a slow first chart waits
_API_DONE = """Object.fromEntries(performance.getEntriesByType('resource')
  .filter((e) => e.name.includes('/api/'))
  .map((e) => [new URL(e.name).pathname, Math.round(e.responseEnd)]))"""


def _chart_times(devstack: DevstackProcess) -> tuple[list[float], list[dict[str, int]]]:
    from playwright.sync_api import sync_playwright

    url = f"http://localhost:{devstack.ports['DASHBOARD_PORT']}/"
    login = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    token = requests.post(f"{devstack.core_url}/api/auth/login", json=login, timeout=30).json()["access_token"]
    times, answers = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(f"sessionStorage.setItem('tradecore.token', {token!r});")
        for _ in range(1 + WARM_LOADS):
            page = context.new_page()  # a new page each time: nothing from the last load's memory
            page.goto(url)
            times.append(wait_for_mark(page, "chart-rendered"))
            answers.append(page.evaluate(_API_DONE))
            page.close()
        browser.close()
    return times, answers


def run() -> list[Result]:
    dist = ensure_built(ROOT / "dashboard")
    gzipped, raw, files = shipped_js_gzipped_kb(dist)
    results = [
        Result("dashboard.js_gzipped", gzipped, "KB", target=150.0,
               note=f"{files} file(s) in dist/assets, {raw:.0f} KB before gzip -9"),
    ]  # fmt: skip
    if CHROMIUM is None:
        return results
    with (
        tempfile.TemporaryDirectory(prefix="dashboard-bench-") as folder,
        running_devstack_process(Path(folder) / "data", timeout=180) as devstack,
    ):
        wait_for_dashboard(devstack)
        (cold, *warm), answers = _chart_times(devstack)
    samples = ", ".join(f"{value:.0f}" for value in warm)
    paths = sorted({path for answer in answers[1:] for path in answer})
    waits = ", ".join(f"{path} {median([a[path] for a in answers[1:] if path in a]):.0f}" for path in paths)
    results += [
        Result("dashboard.first_chart_render.p50", median(warm), "ms", target=1000.0,
               note=f"navigation start to candles drawn, {WARM_LOADS} warm loads ({samples} ms); "
               f"median API answer done at: {waits} ms"),
        Result("dashboard.first_chart_render.cold", cold, "ms", note="the first load after the stack started"),
    ]  # fmt: skip
    return results
