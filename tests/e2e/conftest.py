"""The whole local stack (``python -m devstack``) and a real browser (Debian's Chromium)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.devstack import DevstackProcess, running_devstack_process
from tests.support.servers import MongoServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a closed network (see the machine notes): no background calls home.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def devstack(mongo_server: MongoServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevstackProcess]:
    data = Path(tmp_path_factory.mktemp("devstack")) / "data"
    with running_devstack_process(data, {"MONGODB_URI": mongo_server.uri}, timeout=120) as stack:
        yield stack


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: .ci/run installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
