"""Building the dashboard for the local stack when its sources changed (``npm ci``, ``npm run build``).

``make dev`` must serve what ``make deploy`` ships: the Vite build in ``dashboard/dist``. A build
costs seconds, so it runs only when needed: no ``node_modules`` → ``npm ci``; no ``dist`` or one
older than any source (``src/``, ``public/``, ``index.html``, ``package-lock.json``, the Vite and
TypeScript configs) → ``npm run build``. Without a ``package.json`` (the static dashboard from
before the Vite app) there is nothing to build and the folder itself is served.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

log = logging.getLogger("devstack.dashboard")

SOURCE_FILES = ("index.html", "package-lock.json", "vite.config.ts", "tsconfig.json")
SOURCE_DIRS = ("src", "public")
Run = Callable[[Sequence[str], Path], None]


class DashboardBuildError(RuntimeError):
    """npm is missing or a step failed; the message names the step and ends with its output."""


def _files(source: Path) -> Iterable[Path]:
    for name in SOURCE_FILES:
        if (source / name).is_file():
            yield source / name
    for name in SOURCE_DIRS:
        if (source / name).is_dir():
            yield from (path for path in (source / name).rglob("*") if path.is_file())


def newest_source_mtime(source: Path) -> float:
    """The latest modification time of any file the build reads (0 when there is none)."""
    return max((path.stat().st_mtime for path in _files(source)), default=0.0)


def needs_install(source: Path) -> bool:
    return (source / "package.json").is_file() and not (source / "node_modules").is_dir()


def needs_build(source: Path) -> bool:
    """A Vite app whose ``dist/index.html`` is missing or older than one of its sources."""
    if not (source / "package.json").is_file():
        return False
    built = source / "dist" / "index.html"
    return not built.is_file() or built.stat().st_mtime < newest_source_mtime(source)


def run_npm(args: Sequence[str], cwd: Path) -> None:
    """Run ``npm <args>`` in ``cwd``; :class:`DashboardBuildError` with the tail of its output if it fails."""
    npm = shutil.which("npm")
    if npm is None:
        raise DashboardBuildError("npm not found: install Node.js 20+ to build the dashboard")
    done = subprocess.run([npm, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-20:]
        raise DashboardBuildError(f"npm {' '.join(args)} failed ({done.returncode}):\n" + "\n".join(tail))


def ensure_built(source: Path, run: Run = run_npm) -> Path:
    """Install and build the dashboard when needed; the folder to serve (``dist`` once there is one).

    A failed build is logged, not raised: a stale ``dist`` (or the sources) is still served, so the
    rest of the stack comes up and the log says why the dashboard is old.
    """
    try:
        if needs_install(source):
            log.info("dashboard: npm ci (first run)")
            run(["ci", "--no-audit", "--no-fund"], source)
        if needs_build(source):
            log.info("dashboard: npm run build (sources changed)")
            run(["run", "build"], source)
    except DashboardBuildError as exc:
        log.error("dashboard not built: %s", exc)
    return served_root(source)


def served_root(source: Path) -> Path:
    """``dist`` when a build exists, else the source folder itself (the static dashboard of old)."""
    dist = source / "dist"
    return dist if (dist / "index.html").is_file() else source
