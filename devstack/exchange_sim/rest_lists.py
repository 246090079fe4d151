"""OCO order lists (``orderList/oco`` and the older ``order/oco``) and the removed listen-key endpoints."""

from __future__ import annotations

from aiohttp import web

from devstack.exchange_sim import views
from devstack.exchange_sim.errors import BinanceError, mandatory
from devstack.exchange_sim.http_common import SIM, decimal_param, int_param, json_response, signed_account, symbol_of
from devstack.exchange_sim.ledger import Account, OrderList
from devstack.exchange_sim.rest_trading import _client_id

routes = web.RouteTableDef()


def _require(params: dict[str, str], *names: str) -> None:
    for name in names:
        if not params.get(name):
            raise mandatory(name)


@routes.post("/api/v3/orderList/oco")
async def new_order_list_oco(request: web.Request) -> web.Response:
    """The current OCO endpoint: an above leg and a below leg.

    Supported pairs: for a SELL, above = LIMIT_MAKER (take profit) and below = STOP_LOSS_LIMIT;
    for a BUY, above = STOP_LOSS_LIMIT and below = LIMIT_MAKER.
    """
    params = request["params"]
    _require(params, "side", "quantity", "aboveType", "belowType")
    side = params["side"]
    maker_side, stop_side = ("above", "below") if side == "SELL" else ("below", "above")
    if (
        params[f"{maker_side}Type"] not in ("LIMIT_MAKER", "TAKE_PROFIT_LIMIT")
        or params[f"{stop_side}Type"] != "STOP_LOSS_LIMIT"
    ):
        raise BinanceError(-1116, "Invalid orderType.")
    _require(params, f"{maker_side}Price", f"{stop_side}Price", f"{stop_side}StopPrice")
    return _place_oco(
        request,
        limit_price=f"{maker_side}Price",
        stop_price=f"{stop_side}StopPrice",
        stop_limit_price=f"{stop_side}Price",
        limit_client=f"{maker_side}ClientOrderId",
        stop_client=f"{stop_side}ClientOrderId",
    )


@routes.post("/api/v3/order/oco")
async def new_order_oco_legacy(request: web.Request) -> web.Response:
    """The deprecated OCO endpoint (``price``, ``stopPrice``, ``stopLimitPrice``)."""
    params = request["params"]
    _require(params, "side", "quantity", "price", "stopPrice", "stopLimitPrice")
    return _place_oco(
        request,
        limit_price="price",
        stop_price="stopPrice",
        stop_limit_price="stopLimitPrice",
        limit_client="limitClientOrderId",
        stop_client="stopClientOrderId",
    )


def _place_oco(
    request: web.Request,
    *,
    limit_price: str,
    stop_price: str,
    stop_limit_price: str,
    limit_client: str,
    stop_client: str,
) -> web.Response:
    sim = request.app[SIM]
    account = signed_account(request)
    spec = symbol_of(request)
    assert spec is not None  # noqa: S101 - required
    params = request["params"]
    if params["side"] not in ("BUY", "SELL"):
        raise BinanceError(-1117, "Invalid side.")
    now = sim.clock.now()
    sim.limits.add_order(account.api_key, now)
    sim.limits.add_order(account.api_key, now)
    rejection = sim.take_order_rejection()
    if rejection is not None:
        raise rejection
    values = [decimal_param(params, name) for name in ("quantity", limit_price, stop_price, stop_limit_price)]
    qty, limit, stop, stop_limit = values
    if qty is None or limit is None or stop is None or stop_limit is None:
        raise mandatory("quantity")
    order_list, legs = sim.engine.place_oco(
        account, spec.symbol, params["side"], qty, limit, stop, stop_limit,
        (_client_id(params, "listClientOrderId"), _client_id(params, limit_client), _client_id(params, stop_client)),
        now,
    )  # fmt: skip
    sim.dirty = True
    sim.hide_if_faulted([leg.order_id for leg in legs], order_list.order_list_id)
    if sim.take_dropped_response() and request.transport is not None:
        request.transport.close()  # the list exists; its response never arrives
    reports = [views.order_result(leg, now, full=False) for leg in legs]
    return json_response(views.order_list_json(order_list, account, reports))


def _find_list(request: web.Request) -> tuple[Account, OrderList]:
    """The list named by ``orderListId`` or its client id (the newest with it: ids are reusable)."""
    account = signed_account(request)
    params = request["params"]
    list_id = int_param(params, "orderListId")
    client = params.get("listClientOrderId") or params.get("origClientOrderId")
    if list_id is None and not client:
        raise BinanceError(-1102, "Param 'origClientOrderId' or 'orderListId' must be sent, but both were empty/null!")
    for order_list in reversed(account.order_lists.values()):
        if order_list.order_list_id == list_id or (client and order_list.list_client_order_id == client):
            return account, order_list
    raise BinanceError(-2011, "Order list does not exist.")


@routes.get("/api/v3/orderList")
async def query_order_list(request: web.Request) -> web.Response:
    account, order_list = _find_list(request)
    if not request.app[SIM].order_list_visible(order_list.order_list_id):
        raise BinanceError(-2011, "Order list does not exist.")  # not yet seen by queries (hide_new_orders_ms)
    return json_response(views.order_list_json(order_list, account, None))


@routes.delete("/api/v3/orderList")
async def cancel_order_list(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    account, order_list = _find_list(request)
    if not any(account.orders[order_id].is_open for order_id in order_list.order_ids):
        raise BinanceError(-2011, "Unknown order sent.")  # as for a single order that is no longer open
    for order_id in order_list.order_ids:
        if account.orders[order_id].is_open:
            sim.engine.cancel(account, account.orders[order_id])
    sim.dirty = True
    reports = [
        views.cancel_result(account.orders[oid], account.orders[oid].client_order_id) for oid in order_list.order_ids
    ]
    return json_response(views.order_list_json(order_list, account, reports))


# --- the removed listen-key endpoints ---------------------------------------------------------
# Binance removed POST/PUT/DELETE /api/v3/userDataStream (spot testnet 2026-02-04, production
# 2026-02-20; Spot API CHANGELOG 2026-01-21). Since then they answer HTTP 410 with a 136-byte HTML
# page, not Binance's JSON error: a client log in oliver-zehentleitner/unicorn-binance-websocket-api
# issue 399 shows `"POST /api/v3/userDataStream HTTP/1.1" 410 136` and "Invalid Response: <html>...",
# and hummingbot/hummingbot issue 8035 reports the same 410. The page below is nginx's stock 410
# page, which is exactly 136 bytes; its wording is our reconstruction, the status and length are not.
GONE_PAGE = (
    "<html>\r\n<head><title>410 Gone</title></head>\r\n<body>\r\n<center><h1>410 Gone</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


@routes.post("/api/v3/userDataStream")
@routes.put("/api/v3/userDataStream")
@routes.delete("/api/v3/userDataStream")
async def removed_listen_key_endpoint(request: web.Request) -> web.Response:
    """Gone: user data now comes only through the WebSocket API (``userDataStream.subscribe.signature``)."""
    return web.Response(text=GONE_PAGE, status=410, content_type="text/html")
