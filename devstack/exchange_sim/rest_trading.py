"""Signed endpoints: account, orders, OCO order lists, queries and trades."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from typing import Any

from aiohttp import web

from devstack.exchange_sim import views
from devstack.exchange_sim.errors import BinanceError, mandatory, unknown_order
from devstack.exchange_sim.http_common import SIM, decimal_param, int_param, json_response, signed_account, symbol_of
from devstack.exchange_sim.ledger import Account, Order

routes = web.RouteTableDef()

ORDER_TYPES = ("MARKET", "LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
_CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
# Which parameters each type needs (MARKET needs quantity or quoteOrderQty, checked separately)
_REQUIRED = {
    "LIMIT": ("timeInForce", "quantity", "price"),
    "LIMIT_MAKER": ("quantity", "price"),
    "STOP_LOSS_LIMIT": ("timeInForce", "quantity", "price", "stopPrice"),
    "TAKE_PROFIT_LIMIT": ("timeInForce", "quantity", "price", "stopPrice"),
}


def _client_id(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        return "sim" + secrets.token_hex(10)
    if not _CLIENT_ID.match(value):
        raise BinanceError(
            -1100, f"Illegal characters found in parameter '{name}'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{{1,36}}$'."
        )
    return value


def _side_and_type(params: dict[str, str]) -> tuple[str, str]:
    side = params.get("side", "")
    type_ = params.get("type", "")
    if not side:
        raise mandatory("side")
    if side not in ("BUY", "SELL"):
        raise BinanceError(-1117, "Invalid side.")
    if not type_:
        raise mandatory("type")
    if type_ not in ORDER_TYPES:
        raise BinanceError(-1116, "Invalid orderType.")
    for name in _REQUIRED.get(type_, ()):
        if not params.get(name):
            raise mandatory(name)
    return side, type_


def _check_market_params(params: dict[str, str], qty: Decimal | None, quote_qty: Decimal | None) -> None:
    if qty is None and quote_qty is None:
        raise BinanceError(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!")
    if qty is not None and quote_qty is not None:
        raise BinanceError(-1106, "Parameter 'quoteOrderQty' sent when not required.")
    for name in ("price", "timeInForce", "stopPrice"):
        if params.get(name):
            raise BinanceError(-1106, f"Parameter '{name}' sent when not required.")


def _parse_order(params: dict[str, str]) -> dict[str, Any]:
    side, type_ = _side_and_type(params)
    qty = decimal_param(params, "quantity")
    quote_qty = decimal_param(params, "quoteOrderQty")
    if type_ == "MARKET":
        _check_market_params(params, qty, quote_qty)
    time_in_force = params.get("timeInForce") if type_ not in ("MARKET", "LIMIT_MAKER") else None
    if time_in_force is not None and time_in_force not in ("GTC", "IOC", "FOK"):
        raise BinanceError(-1115, "Invalid timeInForce.")
    return {
        "side": side,
        "type_": type_,
        "qty": qty,
        "quote_qty": quote_qty,
        "price": decimal_param(params, "price"),
        "stop_price": decimal_param(params, "stopPrice"),
        "time_in_force": time_in_force,
        "client_order_id": _client_id(params, "newClientOrderId"),
    }


@routes.post("/api/v3/order")
async def new_order(request: web.Request) -> web.Response:
    return _place(request, test=False)


@routes.post("/api/v3/order/test")
async def test_order(request: web.Request) -> web.Response:
    return _place(request, test=True)


def _place(request: web.Request, test: bool) -> web.Response:
    sim = request.app[SIM]
    account = signed_account(request)
    spec = symbol_of(request)
    assert spec is not None  # noqa: S101 - required
    params = request["params"]
    order_args = _parse_order(params)
    now = sim.clock.now()
    if test:
        sim.engine.place(account, spec.symbol, now=now, validate_only=True, **order_args)
        return json_response({})
    count_10s, count_day = sim.limits.add_order(account.api_key, now)
    rejection = sim.take_order_rejection()
    if rejection is not None:
        raise rejection
    order = sim.engine.place(account, spec.symbol, now=now, **order_args)
    sim.dirty = True
    sim.hide_if_faulted([order.order_id])
    if sim.take_dropped_response() and request.transport is not None:
        request.transport.close()  # the order exists; its response never arrives
    resp_type = params.get("newOrderRespType") or ("FULL" if order.type in ("MARKET", "LIMIT") else "ACK")
    if resp_type == "ACK":
        body = views.order_ack(order, now)
    else:
        body = views.order_result(order, now, full=resp_type == "FULL")
    order.fills = []
    return json_response(
        body, headers={"X-MBX-ORDER-COUNT-10S": str(count_10s), "X-MBX-ORDER-COUNT-1D": str(count_day)}
    )


def _find_order(request: web.Request, account: Account, not_found: BinanceError) -> Order:
    spec = symbol_of(request)
    assert spec is not None  # noqa: S101 - required
    params = request["params"]
    order_id = int_param(params, "orderId")
    client_id = params.get("origClientOrderId")
    if order_id is None and not client_id:
        raise BinanceError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
    if order_id is None:
        order_id = account.client_ids.get((spec.symbol, client_id or ""))
    order = account.orders.get(order_id) if order_id is not None else None
    if order is None or order.symbol != spec.symbol:
        raise not_found
    return order


@routes.get("/api/v3/order")
async def query_order(request: web.Request) -> web.Response:
    account = signed_account(request)
    order = _find_order(request, account, unknown_order())
    if not request.app[SIM].order_visible(order.order_id):
        raise unknown_order()  # accepted, but not yet seen by queries (hide_new_orders_ms)
    return json_response(views.order_status(order))


@routes.delete("/api/v3/order")
async def cancel_order(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    account = signed_account(request)
    order = _find_order(request, account, BinanceError(-2011, "Unknown order sent."))
    sim.engine.cancel(account, order)
    sim.dirty = True
    return json_response(views.cancel_result(order, _client_id(request["params"], "newClientOrderId")))


@routes.get("/api/v3/openOrders")
async def open_orders(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    account = signed_account(request)
    spec = symbol_of(request, required=False)
    orders = [
        views.order_status(o)
        for o in account.orders.values()
        if o.is_open and (spec is None or o.symbol == spec.symbol) and sim.order_visible(o.order_id)
    ]
    return json_response(orders)


@routes.delete("/api/v3/openOrders")
async def cancel_open_orders(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    account = signed_account(request)
    spec = symbol_of(request)
    assert spec is not None  # noqa: S101 - required
    cancelled = []
    for order in [o for o in account.orders.values() if o.is_open and o.symbol == spec.symbol]:
        if order.is_open:  # an OCO sibling may have gone with its partner
            sim.engine.cancel(account, order)
        cancelled.append(views.cancel_result(order, _client_id({}, "newClientOrderId")))
    sim.dirty = True
    return json_response(cancelled)


@routes.get("/api/v3/allOrders")
async def all_orders(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    account = signed_account(request)
    spec = symbol_of(request)
    assert spec is not None  # noqa: S101 - required
    params = request["params"]
    from_id = int_param(params, "orderId")
    start, end = int_param(params, "startTime"), int_param(params, "endTime")
    limit = int_param(params, "limit", 500, 1000) or 500
    rows = [
        o
        for o in account.orders.values()
        if o.symbol == spec.symbol
        and (from_id is None or o.order_id >= from_id)
        and (start is None or o.time >= start)
        and (end is None or o.time <= end)
        and sim.order_visible(o.order_id)
    ]
    rows = rows[:limit] if from_id is not None or start is not None else rows[-limit:]
    return json_response([views.order_status(o) for o in rows])


@routes.get("/api/v3/myTrades")
async def my_trades(request: web.Request) -> web.Response:
    account = signed_account(request)
    spec = symbol_of(request)
    assert spec is not None  # noqa: S101 - required
    params = request["params"]
    order_id, from_id = int_param(params, "orderId"), int_param(params, "fromId")
    start, end = int_param(params, "startTime"), int_param(params, "endTime")
    limit = int_param(params, "limit", 500, 1000) or 500
    rows = [
        t
        for t in account.trades
        if t.symbol == spec.symbol
        and (order_id is None or t.order_id == order_id)
        and (from_id is None or t.trade_id >= from_id)
        and (start is None or t.time >= start)
        and (end is None or t.time <= end)
    ]
    rows = rows[:limit] if from_id is not None or start is not None else rows[-limit:]
    return json_response([views.trade_json(t) for t in rows])


@routes.get("/api/v3/account")
async def account_info(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    account = signed_account(request)
    body = views.account_json(account, sim.uids.get(account.api_key, 0))
    if request["params"].get("omitZeroBalances") == "true":
        body["balances"] = [b for b in body["balances"] if b["free"] != "0.00000000" or b["locked"] != "0.00000000"]
    return json_response(body)
