"""Test and operator knobs under ``/sim/``: accounts, faults, clock, prices and limits.

Not part of Binance's API; bound to 127.0.0.1 like the rest of the simulator.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from devstack.exchange_sim.http_common import SIM, json_response
from devstack.exchange_sim.streams import HUB_KEY

routes = web.RouteTableDef()


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="body must be JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return body


@routes.post("/sim/accounts")
async def create_account(request: web.Request) -> web.Response:
    """``{api_key?, api_secret?, balances?: {"USDT": "10000"}, maker_rate?, taker_rate?,
    withdrawals_enabled?, ip_restricted?}`` → the keys (and the balances)."""
    sim = request.app[SIM]
    body = await _body(request)
    account = sim.create_account(body.get("api_key"), body.get("api_secret"), body.get("balances"))
    for name in ("maker_rate", "taker_rate"):
        if name in body:
            setattr(account, name, type(account.maker_rate)(str(body[name])))
    _set_restrictions(account, body)
    return json_response({"apiKey": account.api_key, "secretKey": account.secret, "balances": _balances(account)})


def _balances(account: Any) -> dict[str, dict[str, str]]:
    return {asset: {"free": str(free), "locked": str(locked)} for asset, (free, locked) in account.balances.items()}


@routes.get("/sim/accounts/{api_key}")
async def get_account(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    account = sim.accounts.get(request.match_info["api_key"])
    if account is None:
        raise web.HTTPNotFound(text="no such account")
    return json_response({"balances": _balances(account), "value_usdt": str(sim.account_value(account))})


def _set_restrictions(account: Any, body: dict[str, Any]) -> None:
    for name in ("withdrawals_enabled", "ip_restricted"):
        if name in body:
            setattr(account, name, bool(body[name]))


@routes.post("/sim/accounts/{api_key}/permissions")
async def set_permissions(request: web.Request) -> web.Response:
    """``{withdrawals_enabled?, ip_restricted?}``: what ``/sapi/v1/account/apiRestrictions`` says of
    the key from now on (absent fields stay as they are)."""
    sim = request.app[SIM]
    account = sim.accounts.get(request.match_info["api_key"])
    if account is None:
        raise web.HTTPNotFound(text="no such account")
    _set_restrictions(account, await _body(request))
    sim.dirty = True
    return json_response({"withdrawals_enabled": account.withdrawals_enabled, "ip_restricted": account.ip_restricted})


@routes.get("/sim/faults")
async def get_faults(request: web.Request) -> web.Response:
    return json_response(request.app[SIM].faults.as_dict())


@routes.post("/sim/faults")
async def set_faults(request: web.Request) -> web.Response:
    """``{latency_ms, error_rate, drop_streams, reject_next_order, drop_response_after_place,
    hide_new_orders_ms}``; absent fields stay as they are.

    ``reject_next_order`` is ``true``, a count, or ``{"code", "msg", "status"}`` for the error.
    ``drop_response_after_place`` (``true`` or a count) places the next orders (or OCO lists), then
    cuts the connection before answering: the client cannot know the order exists (a lost response).
    ``hide_new_orders_ms`` (0 turns it off) keeps every order and list placed from now on invisible
    to queries (order, openOrders, allOrders, orderList) for that long, as Binance may for a moment.
    """
    sim = request.app[SIM]
    body = await _body(request)
    faults = sim.faults
    if "latency_ms" in body:
        faults.latency_ms = max(0, int(body["latency_ms"]))
    if "error_rate" in body:
        faults.error_rate = min(1.0, max(0.0, float(body["error_rate"])))
    reject = body.get("reject_next_order")
    if isinstance(reject, dict):
        faults.reject_next_orders.append(reject)
    elif reject is True or (isinstance(reject, int) and not isinstance(reject, bool)):
        faults.reject_next_orders.extend({} for _ in range(int(reject)))
    drop = body.get("drop_response_after_place")
    if drop is not None:
        faults.drop_response_after_place = max(0, int(drop))
    if "hide_new_orders_ms" in body:
        faults.hide_new_orders_ms = max(0, int(body["hide_new_orders_ms"]))
    dropped = await request.app[HUB_KEY].drop_all() if body.get("drop_streams") else 0
    return json_response({**faults.as_dict(), "dropped_connections": dropped})


@routes.delete("/sim/faults")
async def clear_faults(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    sim.faults = type(sim.faults)()
    return json_response(sim.faults.as_dict())


@routes.get("/sim/clock")
async def get_clock(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    return json_response(_clock(sim))


def _clock(sim: Any) -> dict[str, Any]:
    return {
        "now_ms": sim.clock.now(),
        "offset_ms": sim.clock.offset_ms,
        "market_time_ms": sim.market.time_ms,
        "mode": "manual" if sim.config.manual_market else "live",
        "tick_ms": sim.market.tick_ms,
    }


@routes.post("/sim/clock")
async def move_clock(request: web.Request) -> web.Response:
    """``{"advance_ms": N}`` moves time forward; ``{"mode": "manual"|"live"}`` pauses or resumes."""
    sim = request.app[SIM]
    body = await _body(request)
    if body.get("mode") in ("manual", "live"):
        sim.config.manual_market = body["mode"] == "manual"
        if not sim.config.manual_market:
            sim.market.time_ms = max(sim.market.time_ms, sim.clock.now() - sim.market.tick_ms)
    ticks = sim.advance(int(body["advance_ms"])) if body.get("advance_ms") else 0
    return json_response({**_clock(sim), "ticks": ticks})


@routes.post("/sim/price")
async def set_price(request: web.Request) -> web.Response:
    """``{"symbol": "BTCUSDT", "price": "60000"}`` prints a trade at that price now."""
    sim = request.app[SIM]
    body = await _body(request)
    symbol = str(body.get("symbol", "")).upper()
    if symbol not in sim.market.symbols:
        raise web.HTTPBadRequest(text="unknown symbol")
    trade = sim.market.set_price(symbol, float(body["price"]))
    sim.dirty = True
    return json_response(
        {"symbol": symbol, "price": str(sim.market.symbols[symbol].last_price_decimal()), "tradeId": trade.trade_id}
    )


@routes.post("/sim/limits")
async def set_limits(request: web.Request) -> web.Response:
    """``{request_weight_per_minute, orders_per_10s, orders_per_day, reset}``."""
    limits = request.app[SIM].limits
    body = await _body(request)
    if "request_weight_per_minute" in body:
        limits.weight_per_minute = int(body["request_weight_per_minute"])
    if "orders_per_10s" in body:
        limits.orders_per_10s = int(body["orders_per_10s"])
    if "orders_per_day" in body:
        limits.orders_per_day = int(body["orders_per_day"])
    if body.get("reset"):
        limits.reset()
    return json_response(
        {
            "request_weight_per_minute": limits.weight_per_minute,
            "orders_per_10s": limits.orders_per_10s,
            "orders_per_day": limits.orders_per_day,
        }
    )


@routes.post("/sim/save")
async def save(request: web.Request) -> web.Response:
    request.app[SIM].save()
    return json_response({"saved": True})


@routes.get("/sim/stats")
async def stats(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    return json_response({"connections": len(hub.connections), "messages_sent": hub.messages_sent})
