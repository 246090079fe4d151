"""What every REST handler shares: parameters, JSON responses, the Binance middleware, weights."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from devstack.exchange_sim.errors import BinanceError, invalid_symbol, mandatory
from devstack.exchange_sim.ledger import Account
from devstack.exchange_sim.params import parse_decimal
from devstack.exchange_sim.security import authenticate, check_timestamp, verify_signature
from devstack.exchange_sim.simulator import Simulator
from devstack.exchange_sim.symbols import SymbolSpec

SIM: web.AppKey[Simulator] = web.AppKey("simulator", Simulator)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Binance's request weights (REST API docs); a callable gets the request's parameters.
WEIGHTS: dict[tuple[str, str], int | Callable[[dict[str, str]], int]] = {
    ("GET", "/api/v3/ping"): 1,
    ("GET", "/api/v3/time"): 1,
    ("GET", "/api/v3/exchangeInfo"): 20,
    ("GET", "/api/v3/klines"): 2,
    ("GET", "/api/v3/uiKlines"): 2,
    ("GET", "/api/v3/avgPrice"): 2,
    ("GET", "/api/v3/ticker/price"): lambda p: 2 if "symbol" in p else 4,
    ("GET", "/api/v3/ticker/24hr"): lambda p: 2 if "symbol" in p else 80,
    ("GET", "/api/v3/ticker/bookTicker"): lambda p: 2 if "symbol" in p else 4,
    ("GET", "/api/v3/depth"): lambda p: _depth_weight(int(p.get("limit", "100") or 100)),
    ("GET", "/api/v3/trades"): 25,
    ("GET", "/api/v3/account"): 20,
    ("POST", "/api/v3/order"): 1,
    ("POST", "/api/v3/order/test"): 1,
    ("GET", "/api/v3/order"): 4,
    ("DELETE", "/api/v3/order"): 1,
    ("GET", "/api/v3/openOrders"): lambda p: 6 if "symbol" in p else 80,
    ("DELETE", "/api/v3/openOrders"): 1,
    ("GET", "/api/v3/allOrders"): 20,
    ("GET", "/api/v3/myTrades"): 20,
    ("POST", "/api/v3/orderList/oco"): 1,
    ("POST", "/api/v3/order/oco"): 1,
    ("GET", "/api/v3/orderList"): 4,
    ("DELETE", "/api/v3/orderList"): 1,
    ("GET", "/sapi/v1/account/apiRestrictions"): 1,
}


def _depth_weight(limit: int) -> int:
    return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        text=json.dumps(body, separators=(",", ":")), status=status, content_type="application/json", headers=headers
    )


def error_response(error: BinanceError) -> web.Response:
    return json_response({"code": error.code, "msg": error.msg}, error.status, error.headers)


async def _read_params(request: web.Request) -> None:
    raw_query = request.rel_url.raw_query_string
    raw_body = await request.text() if request.body_exists else ""
    params = dict(parse_qsl(raw_query, keep_blank_values=True))
    if raw_body:
        params.update(parse_qsl(raw_body, keep_blank_values=True))
    request["raw"] = (raw_query, raw_body)
    request["params"] = params


@web.middleware
async def binance_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Faults, weights and Binance's error shape for every ``/api/`` and ``/sapi/`` request."""
    if not request.path.startswith(("/api/", "/sapi/")):
        return await handler(request)
    sim = request.app[SIM]
    try:
        if sim.faults.latency_ms:
            await asyncio.sleep(sim.faults.latency_ms / 1000)
        injected = sim.injected_error()
        if injected is not None:
            raise injected
        await _read_params(request)
        sim.catch_up()
        weight_rule = WEIGHTS.get((request.method, request.path), 1)
        weight = weight_rule(request["params"]) if callable(weight_rule) else weight_rule
        used = sim.limits.add_weight(request.remote or "local", weight, sim.clock.now())
        response = await handler(request)
        response.headers["X-MBX-USED-WEIGHT-1M"] = str(used)
        return response
    except BinanceError as error:
        return error_response(error)


def signed_account(request: web.Request) -> Account:
    """The account of a SIGNED request, after key, signature and timestamp checks."""
    sim = request.app[SIM]
    account = authenticate(sim.accounts, request.headers.get("X-MBX-APIKEY"))
    raw_query, raw_body = request["raw"]
    verify_signature(account, raw_query, raw_body)
    check_timestamp(request["params"], sim.clock.now())
    return account


def symbol_of(request: web.Request, required: bool = True) -> SymbolSpec | None:
    name = request["params"].get("symbol")
    if not name:
        if required:
            raise mandatory("symbol")
        return None
    spec = request.app[SIM].specs.get(name.upper())
    if spec is None:
        raise invalid_symbol()
    return spec


def decimal_param(params: dict[str, str], name: str) -> Decimal | None:
    """The parameter ``name`` as a Decimal, None when absent or empty (see :func:`parse_decimal`)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    return parse_decimal(raw, name)


def int_param(params: dict[str, str], name: str, default: int | None = None, maximum: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.lstrip("-").isdigit()):  # str.isdigit alone accepts "²" and full-width digits
        raise BinanceError(-1100, f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'.")
    value = int(raw)
    if maximum is not None and value > maximum:
        return maximum
    return value
