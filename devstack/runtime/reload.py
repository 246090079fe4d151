"""Hot reload for dev mode: a changed source file replaces the workers of the code it belongs to.

Polls modification times (cheap for this tree, no extra dependency) every ``interval`` seconds. A
change under ``functions/<package>/`` retires only that package's workers; a change under
``layers/`` (shared by every function) or elsewhere under ``functions/`` retires them all. The
next request starts fresh workers that import the new code; the gateway itself keeps running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("devstack.reload")
WATCHED_SUFFIXES = (".py", ".json", ".yaml", ".txt")


def snapshot(roots: list[Path]) -> dict[Path, float]:
    """Modification time of every watched file under ``roots``."""
    times: dict[Path, float] = {}
    for root in roots:
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if path.suffix in WATCHED_SUFFIXES and "__pycache__" not in path.parts:
                try:
                    times[path] = path.stat().st_mtime
                except OSError:
                    continue
    return times


def changed_packages(changed: set[Path], functions_root: Path) -> set[str] | None:
    """The function packages touched by ``changed``; None means every function is affected."""
    packages: set[str] = set()
    for path in changed:
        try:
            relative = path.relative_to(functions_root)
        except ValueError:
            return None
        if len(relative.parts) < 2:
            return None
        packages.add(relative.parts[0])
    return packages


class Reloader:
    """Watches source trees and calls ``on_change(packages or None)`` when files change."""

    def __init__(
        self,
        roots: list[Path],
        functions_root: Path,
        on_change: Callable[[set[str] | None], object],
        interval: float = 0.5,
    ) -> None:
        self.roots = roots
        self.functions_root = functions_root
        self.on_change = on_change
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _watch(self) -> None:
        before = await asyncio.to_thread(snapshot, self.roots)
        while True:
            await asyncio.sleep(self.interval)
            after = await asyncio.to_thread(snapshot, self.roots)
            changed = {p for p in after.keys() | before.keys() if after.get(p) != before.get(p)}
            before = after
            if changed:
                packages = changed_packages(changed, self.functions_root)
                log.info(
                    "code changed (%s): reloading %s", len(changed), sorted(packages) if packages else "all functions"
                )
                self.on_change(packages)
