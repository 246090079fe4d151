"""Functions by logical id: one worker pool per distinct code and environment.

Shared by everything that invokes a function locally (the HTTP and WebSocket gateway, the
scheduler, ``python -m devstack invoke``); functions that share handler, code and environment
share a pool, so a template with many routes on one package does not start a worker per route.
"""

from __future__ import annotations

import asyncio
from typing import Any

from devstack.local.resources import LocalResources
from devstack.runtime.workers import Invocation, LogSink, WorkerPool, worker_environment
from devstack.runtime.zygote_client import Zygote
from devstack.template.reader import FunctionSpec
from devstack.template.stack import Stack


class FunctionRuntime:
    """Invokes functions by logical id through worker pools (shared by HTTP, WebSocket, schedules)."""

    def __init__(
        self,
        stack: Stack,
        resources: LocalResources,
        base_env: dict[str, str],
        log_sink: LogSink,
        max_workers: int = 4,
        zygote: Zygote | None = None,
    ) -> None:
        self.stack = stack
        self.zygote = zygote
        self.pools: dict[tuple[str, str, tuple[tuple[str, str], ...]], WorkerPool] = {}
        self._pool_of: dict[str, WorkerPool] = {}
        for function in stack.functions.values():
            env = worker_environment(resources.function_environment(function), base_env, function)
            key = (function.handler, function.code_uri, tuple(sorted(env.items())))
            if key not in self.pools:
                taken = sum(1 for pool in self.pools.values() if pool.package == function.package)
                name = function.package + (f"-{taken + 1}" if taken else "")
                self.pools[key] = WorkerPool(name, function, env, log_sink, max_workers, zygote)
            self._pool_of[function.logical_id] = self.pools[key]

    def function(self, logical_id: str) -> FunctionSpec:
        if logical_id not in self.stack.functions:
            raise KeyError(f"no function {logical_id!r} in the template")
        return self.stack.functions[logical_id]

    async def invoke(self, logical_id: str, event: Any, req_id: str | None = None) -> Invocation:
        spec = self.function(logical_id)
        return await self._pool_of[logical_id].invoke(spec, event, req_id or _uuid())

    async def warm(self, logical_ids: list[str]) -> None:
        await asyncio.gather(*(self._pool_of[name].warm() for name in logical_ids if name in self._pool_of))

    def reload(self, changed_packages: set[str] | None) -> list[str]:
        """Replace the workers of the given code packages (None: all); returns the pools retired."""
        retired = []
        for pool in self.pools.values():
            if changed_packages is None or pool.package in changed_packages:
                pool.retire()
                retired.append(pool.name)
        return retired

    async def close(self) -> None:
        """Stop every worker, then the zygote (if any)."""
        for pool in self.pools.values():
            await pool.close()
        if self.zygote is not None:
            await self.zygote.close()


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())
