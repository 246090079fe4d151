"""The dashboard's local server: ``/config.js`` with the real core API port (the shape the app
reads), CloudFront's cache and security headers on every answer, and the build run only when needed."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from devstack.local.dashboard import (
    cache_control,
    config_script,
    content_security_policy,
    dashboard_app,
    security_headers,
)
from devstack.local.dashboard_build import DashboardBuildError, ensure_built, needs_build


def _config(script: str) -> dict[str, str]:
    match = re.fullmatch(r"window\.TRADECORE_CONFIG = (\{.*\});\n", script)
    assert match, script
    config: dict[str, str] = json.loads(match.group(1))
    return config


def test_config_script_points_at_the_core_port_it_is_given() -> None:
    assert _config(config_script(18080)) == {"apiUrl": "http://localhost:18080", "wsUrl": "ws://localhost:18080/ws"}


def test_config_script_follows_a_changed_port() -> None:
    assert _config(config_script(8080))["apiUrl"] != _config(config_script(9191))["apiUrl"]
    assert _config(config_script(9191))["wsUrl"] == "ws://localhost:9191/ws"


# ------------------------------------------------------------------ headers (CloudFront's, locally)


def test_cache_control_caches_hashed_assets_a_year_and_never_the_page_or_config() -> None:
    assert cache_control("/assets/index-3f9a1c.js") == "public, max-age=31536000, immutable"
    for path in ("/", "/index.html", "/config.js"):
        assert cache_control(path) == "no-store"
    assert cache_control("/favicon.svg") == "no-cache"  # un-hashed: revalidated


def test_content_security_policy_allows_only_itself_the_api_and_the_socket() -> None:
    csp = _directives(content_security_policy("http://localhost:18080", "ws://localhost:18080"))
    assert csp["connect-src"] == ["'self'", "http://localhost:18080", "ws://localhost:18080"]
    assert csp["default-src"] == csp["script-src"] == csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["frame-ancestors"] == csp["base-uri"] == csp["object-src"] == ["'none'"]
    assert not any("unsafe" in source for sources in csp.values() for source in sources)


def test_security_headers_send_hsts_only_over_https() -> None:
    plain = security_headers("default-src 'self'", https=False)
    assert "Strict-Transport-Security" not in plain
    assert (plain["X-Content-Type-Options"], plain["X-Frame-Options"]) == ("nosniff", "DENY")
    assert plain["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert security_headers("default-src 'self'", https=True)["Strict-Transport-Security"].startswith("max-age=")


def _directives(csp: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in csp.split("; "))}


def _built(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<script type="module" src="/assets/index-abc123.js"></script>')
    (dist / "assets" / "index-abc123.js").write_text("console.log('app')")
    return dist


def _get_all(root: Path, paths: list[str]) -> list[tuple[int, dict[str, str], str]]:
    """GET each path from :func:`dashboard_app` served on a Unix socket (unit tests open no TCP)."""

    async def fetch() -> list[tuple[int, dict[str, str], str]]:
        runner = web.AppRunner(dashboard_app(root, 18080))
        await runner.setup()
        socket_path = str(root.parent / "dashboard.sock")
        await web.UnixSite(runner, socket_path).start()
        answers = []
        try:
            async with aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=socket_path)) as session:
                for path in paths:
                    async with session.get(f"http://localhost{path}") as response:
                        answers.append((response.status, dict(response.headers), await response.text()))
        finally:
            await runner.cleanup()
        return answers

    return asyncio.run(fetch())


def test_dashboard_app_serves_the_build_with_cloudfront_headers(tmp_path: Path) -> None:
    index, page, asset, config, missing = _get_all(
        _built(tmp_path), ["/", "/index.html", "/assets/index-abc123.js", "/config.js", "/assets/gone.js"]
    )
    assert (index[0], index[2]) == (200, page[2])
    assert "/assets/index-abc123.js" in index[2]
    assert (index[1]["Cache-Control"], page[1]["Cache-Control"], config[1]["Cache-Control"]) == ("no-store",) * 3
    assert (asset[0], asset[1]["Cache-Control"]) == (200, "public, max-age=31536000, immutable")
    assert _config(config[2])["apiUrl"] == "http://localhost:18080"
    for _status, headers, _body in (index, asset, config, missing):
        assert "connect-src 'self' http://localhost:18080 ws://localhost:18080" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in headers  # plain HTTP
    assert missing[0] == 404


# ------------------------------------------------------------------------------ building when needed


class RecordingNpm:
    """Stands in for npm: records each call and makes ``run build`` write ``dist/index.html``."""

    def __init__(self, fail: str | None = None) -> None:
        self.calls: list[str] = []
        self.fail = fail

    def __call__(self, args: Sequence[str], cwd: Path) -> None:
        command = " ".join(args)
        self.calls.append(command.split(" --")[0])
        if self.fail and command.startswith(self.fail):
            raise DashboardBuildError(f"npm {command} failed (1)")
        if command == "ci --no-audit --no-fund":
            (cwd / "node_modules").mkdir()
        if command == "run build":
            (cwd / "dist").mkdir(exist_ok=True)
            (cwd / "dist" / "index.html").write_text("<!doctype html>")


def _vite_app(tmp_path: Path) -> Path:
    source = tmp_path / "dashboard"
    (source / "src").mkdir(parents=True)
    for name in ("package.json", "package-lock.json", "index.html"):
        (source / name).write_text("{}")
    (source / "src" / "main.tsx").write_text("export {}")
    return source


def _age(path: Path, seconds: float) -> None:
    stamp = path.stat().st_mtime - seconds
    os.utime(path, (stamp, stamp))


def test_ensure_built_installs_and_builds_a_fresh_checkout_then_serves_dist(tmp_path: Path) -> None:
    source, npm = _vite_app(tmp_path), RecordingNpm()
    assert ensure_built(source, npm) == source / "dist"
    assert npm.calls == ["ci", "run build"]


def test_ensure_built_does_nothing_when_dist_is_newer_than_every_source(tmp_path: Path) -> None:
    source, npm = _vite_app(tmp_path), RecordingNpm()
    ensure_built(source, npm)
    for path in (source / "src" / "main.tsx", source / "index.html", source / "package-lock.json"):
        _age(path, 60)
    npm.calls.clear()
    assert ensure_built(source, npm) == source / "dist"
    assert npm.calls == []


@pytest.mark.parametrize("changed", ["src/main.tsx", "index.html", "package-lock.json"])
def test_ensure_built_rebuilds_when_a_source_is_newer_than_dist(tmp_path: Path, changed: str) -> None:
    source, npm = _vite_app(tmp_path), RecordingNpm()
    ensure_built(source, npm)
    _age(source / "dist" / "index.html", 60)
    npm.calls.clear()
    ensure_built(source, npm)
    assert npm.calls == ["run build"]
    assert not needs_build(source)


def test_ensure_built_serves_the_folder_itself_without_a_package_json(tmp_path: Path) -> None:
    source, npm = tmp_path / "static", RecordingNpm()
    source.mkdir()
    (source / "index.html").write_text("<!doctype html>")
    assert ensure_built(source, npm) == source
    assert npm.calls == []


def test_ensure_built_survives_a_failed_build_serving_the_sources(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source, npm = _vite_app(tmp_path), RecordingNpm(fail="run build")
    with caplog.at_level(logging.ERROR, logger="devstack.dashboard"):
        assert ensure_built(source, npm) == source
    assert "dashboard not built" in caplog.text
