"""The aiohttp application: routes, the market clock loop and periodic persistence."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from devstack.exchange_sim import admin, rest_lists, rest_public, rest_trading, rest_wallet, ws_api
from devstack.exchange_sim.http_common import SIM, binance_middleware
from devstack.exchange_sim.simulator import SimConfig, Simulator
from devstack.exchange_sim.streams import HUB_KEY, StreamHub

log = logging.getLogger("exchange_sim")
SAVE_EVERY_SECONDS = 5.0  # a full snapshot is not free; the hot path must stay lean


async def _market_loop(sim: Simulator) -> None:
    """Print ticks as time passes (live mode) and save dirty state about once a second."""
    interval = max(0.01, min(0.1, sim.market.tick_ms / 1000))
    since_save = 0.0
    while True:
        await asyncio.sleep(interval)
        sim.catch_up()
        since_save += interval
        if sim.dirty and since_save >= SAVE_EVERY_SECONDS:
            since_save = 0.0
            sim.save()


async def _background(app: web.Application) -> AsyncIterator[None]:
    sim, hub = app[SIM], app[HUB_KEY]
    task = asyncio.create_task(_market_loop(sim))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await hub.drop_all()
    sim.save()


def create_app(config: SimConfig) -> web.Application:
    """The simulator as an aiohttp app (REST, market streams and the WebSocket API on one port)."""
    sim = Simulator(config)
    app = web.Application(middlewares=[binance_middleware])
    app[SIM] = sim
    hub = StreamHub(sim)
    app[HUB_KEY] = hub
    for table in (rest_public.routes, rest_trading.routes, rest_lists.routes, rest_wallet.routes, admin.routes):
        app.add_routes(table)
    app.router.add_get("/ws", hub.handle)
    app.router.add_get("/ws/{streams:.+}", hub.handle)
    app.router.add_get("/stream", hub.handle)
    ws_api.add_routes(app)
    app.cleanup_ctx.append(_background)
    return app
