"""The in-process part of the local stack: gateway, scheduler, SQS event sources and hot reload,
on one event loop.

:class:`LocalStack` is what ``python -m devstack`` runs after the child processes are up, and what
tests start on free ports. ``base_env`` carries what every function gets on top of the template
(local endpoints, credentials for moto, the app secrets).
"""

from __future__ import annotations

import logging
from typing import Any

from devstack.gateway.http import Gateway
from devstack.local.event_sources import EventSources
from devstack.local.resources import LocalResources
from devstack.local.scheduler import Scheduler
from devstack.local.settings import DevstackSettings
from devstack.runtime.functions import FunctionRuntime
from devstack.runtime.reload import Reloader
from devstack.runtime.workers import LogSink
from devstack.runtime.zygote_client import Zygote
from devstack.template.reader import ROOT
from devstack.template.stack import Stack, read_stack

log = logging.getLogger("devstack")


def default_log_sink(component: str, line: str) -> None:
    logging.getLogger(f"fn.{component}").info("%s", line)


class LocalStack:
    """Gateway + scheduler + SQS pollers + reloader over one template."""

    def __init__(
        self,
        settings: DevstackSettings,
        base_env: dict[str, str],
        overrides: dict[str, dict[str, Any]] | None = None,
        log_sink: LogSink = default_log_sink,
        stack: Stack | None = None,
        zygote: Zygote | None = None,
    ) -> None:
        """``stack``: the template already read (else read now); ``zygote``: one already started
        (else one is made when ``settings.zygote``); the LocalStack stops it in :meth:`stop`."""
        self.settings = settings
        self.stack: Stack = stack if stack is not None else read_stack(settings.template, settings.parameter_overrides)
        self.resources = LocalResources(self.stack, settings, overrides)
        if zygote is None and settings.zygote:
            zygote = Zygote(log_sink)
        self.runtime = FunctionRuntime(
            self.stack, self.resources, base_env, log_sink, settings.max_workers_per_function, zygote
        )
        self.gateway = Gateway(self.stack, self.resources, settings, self.runtime)
        self.scheduler = Scheduler(self.stack.schedules, self.runtime.invoke, settings.time_scale, settings.region)
        self.event_sources = EventSources(self.stack, self.resources, self.runtime.invoke, base_env)
        self.reloader: Reloader | None = None
        if settings.reload:
            roots = [ROOT / "functions", ROOT / "layers", ROOT / "stream"]
            roots += sorted({(ROOT / f.code_uri).resolve() for f in self.stack.functions.values()} - set(roots))
            self.reloader = Reloader(roots, ROOT / "functions", self.runtime.reload)

    async def start(self, warm: list[str] | None = None) -> None:
        """Bind every listener (PortInUseError names the variable), then start schedules, the SQS
        pollers and reload."""
        if self.runtime.zygote is not None and self.runtime.zygote.process is None:
            self.runtime.zygote.start()  # preloads while the listeners bind
        await self.gateway.start()
        self.scheduler.start()
        self.event_sources.start()
        if self.reloader is not None:
            self.reloader.start()
        if warm:
            await self.runtime.warm(warm)

    async def stop(self) -> None:
        if self.reloader is not None:
            await self.reloader.stop()
        await self.scheduler.stop()
        await self.event_sources.stop()
        await self.gateway.stop()
        await self.runtime.close()

    def urls(self) -> dict[str, str]:
        out = {api: self.resources.api_url(api) for api in self.stack.http_apis}
        for api in self.stack.websocket_apis:
            out[api] = self.resources.api_url(api).replace("http://", "ws://") + "/ws"
        return out
