"""The stream task on this machine: ``python -m stream`` as a child process with the environment
the template's ``StreamTaskDefinition`` gives its container (resolved to the local stand-ins, as a
function's is: moto tables and queues, the gateway's ``@connections`` and AI API, the simulator),
on top of what every local function gets (endpoints, fake AWS credentials, app secrets).

It starts once the AWS resources and the gateway exist (its environment names them), and in dev
mode it is restarted when code under ``layers/`` or ``stream/`` changes, as the functions'
workers are retired: the old process gets SIGTERM (it stops within 10 s), then a new one starts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

from devstack.local.processes import ChildProcess, ComponentLogHandler
from devstack.local.resources import LocalResources
from devstack.runtime.reload import Reloader
from devstack.template.intrinsics import NO_VALUE, TemplateError
from devstack.template.reader import ROOT

log = logging.getLogger("devstack.stream")
TASK_DEFINITION = "StreamTaskDefinition"
COMPONENT = "stream"


def task_environment(resources: LocalResources, logical_id: str = TASK_DEFINITION) -> dict[str, str]:
    """The container environment of the task definition, resolved locally (``{}`` when the template
    has no such task). ``TemplateError`` names an entry that does not resolve to a string."""
    resource = resources.stack.template.resources.get(logical_id)
    if resource is None:
        return {}
    env: dict[str, str] = {}
    containers = (resource.get("Properties") or {}).get("ContainerDefinitions") or []
    for i, container in enumerate(containers):
        for j, entry in enumerate(container.get("Environment") or []):
            where = f"Resources.{logical_id}.Properties.ContainerDefinitions[{i}].Environment[{j}]"
            value = resources.resolve(entry.get("Value", ""), where)
            if value is NO_VALUE:
                continue
            if isinstance(value, bool):
                value = str(value).lower()
            if isinstance(value, (dict, list)):
                raise TemplateError(f"{where}: not a string")
            env[str(entry["Name"])] = resources.localize_urls(str(value))
    return env


class StreamTask:
    """The stream task's child process; :meth:`restart` replaces it with one running current code."""

    def __init__(self, env: dict[str, str], logs: ComponentLogHandler, *, reload: bool, cwd: Path = ROOT) -> None:
        self.env = env
        self.logs = logs
        self.cwd = cwd
        self.child: ChildProcess | None = None
        self.reloader = Reloader([cwd / "layers", cwd / "stream"], cwd / "functions", self._changed) if reload else None
        self._restarting: asyncio.Task[None] | None = None

    @classmethod
    def for_stack(
        cls, resources: LocalResources, base_env: dict[str, str], logs: ComponentLogHandler, *, reload: bool
    ) -> StreamTask:
        env = {**os.environ, **base_env, **task_environment(resources), "PYTHONUNBUFFERED": "1"}
        return cls(env, logs, reload=reload)

    def start(self) -> None:
        """Start the process (and, in dev mode, watching the code); call on the running loop."""
        self._spawn()
        if self.reloader is not None:
            self.reloader.start()

    def _spawn(self) -> None:
        self.child = ChildProcess(COMPONENT, [sys.executable, "-m", "stream"], self.env, self.logs, cwd=self.cwd)
        self.child.start()

    async def restart(self) -> None:
        if self.child is not None:
            await asyncio.to_thread(self.child.stop)
        self._spawn()
        log.info("stream task restarted")

    def _changed(self, _packages: set[str] | None) -> None:
        if self._restarting is None or self._restarting.done():  # one restart picks up every change
            self._restarting = asyncio.get_running_loop().create_task(self.restart())

    async def stop(self) -> None:
        if self.reloader is not None:
            await self.reloader.stop()
        if self._restarting is not None:
            await asyncio.gather(self._restarting, return_exceptions=True)
        if self.child is not None:
            await asyncio.to_thread(self.child.stop)
