"""Binance's JSON to and from the domain models (pure functions, Decimal money)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tradecore.domain.accounts import KeyPermissions
from tradecore.domain.orders import (
    Balance,
    Fill,
    Kline,
    OcoResult,
    OrderListLeg,
    OrderListStatus,
    OrderRequest,
    OrderResult,
    OrderStatus,
    OrderType,
    Side,
    SymbolRules,
    TimeInForce,
    Trade,
)

_ZERO = Decimal(0)


def dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else _ZERO


def plain(value: Decimal) -> str:
    """A Decimal as Binance wants it in a request: fixed point, no exponent, no trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _optional(value: Any) -> Decimal | None:
    return dec(value) if value not in (None, "") else None


def symbol_rules(info: dict[str, Any]) -> SymbolRules:
    """A symbol's ``exchangeInfo`` entry as :class:`SymbolRules` (NOTIONAL or legacy MIN_NOTIONAL).

    Zeros are kept, not dropped: Binance sends MARKET_LOT_SIZE with ``stepSize`` "0.00000000"
    (no step) and a real ``maxQty``, and the order maths treats each zero as "this rule is off".
    The legacy MIN_NOTIONAL has no maximum and one ``applyToMarket`` flag.
    """
    filters = {f["filterType"]: f for f in info.get("filters", [])}
    price = filters.get("PRICE_FILTER", {})
    lot = filters.get("LOT_SIZE", {})
    market_lot = filters.get("MARKET_LOT_SIZE", {})
    notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
    max_notional = dec(notional.get("maxNotional")) if notional.get("maxNotional") else None
    return SymbolRules(
        symbol=info["symbol"],
        base_asset=info["baseAsset"],
        quote_asset=info["quoteAsset"],
        tick_size=dec(price.get("tickSize")),
        min_price=dec(price.get("minPrice")),
        max_price=dec(price.get("maxPrice")),
        step_size=dec(lot.get("stepSize")),
        min_qty=dec(lot.get("minQty")),
        max_qty=dec(lot.get("maxQty")),
        min_notional=dec(notional.get("minNotional")),
        max_notional=max_notional,
        apply_min_notional_to_market=bool(notional.get("applyMinToMarket", notional.get("applyToMarket", True))),
        apply_max_notional_to_market=bool(notional.get("applyMaxToMarket", False)),
        market_step_size=_optional(market_lot.get("stepSize")),
        market_min_qty=_optional(market_lot.get("minQty")),
        market_max_qty=_optional(market_lot.get("maxQty")),
        status=info.get("status", "TRADING"),
    )


def order_params(request: OrderRequest, client_order_id: str) -> dict[str, Any]:
    """The ``POST /api/v3/order`` parameters for a prepared request."""
    params: dict[str, Any] = {
        "symbol": request.symbol,
        "side": request.side.value,
        "type": request.type.value,
        "newClientOrderId": client_order_id,
        "newOrderRespType": "FULL",
    }
    if request.quantity is not None:
        params["quantity"] = plain(request.quantity)
    if request.quote_quantity is not None:
        params["quoteOrderQty"] = plain(request.quote_quantity)
    if request.price is not None:
        params["price"] = plain(request.price)
    if request.stop_price is not None:
        params["stopPrice"] = plain(request.stop_price)
    if request.time_in_force is not None:
        params["timeInForce"] = request.time_in_force.value
    return params


def _fills(raw: list[dict[str, Any]]) -> tuple[Fill, ...]:
    return tuple(
        Fill(dec(f["price"]), dec(f["qty"]), dec(f["commission"]), f["commissionAsset"], f.get("tradeId")) for f in raw
    )


def order_result(raw: dict[str, Any]) -> OrderResult:
    """An order from any of Binance's order responses (FULL/RESULT, query, cancel)."""
    stop = dec(raw.get("stopPrice"))
    tif = str(raw.get("timeInForce") or "")
    client_id = str(raw["origClientOrderId"] if "origClientOrderId" in raw else raw.get("clientOrderId", ""))
    return OrderResult(
        symbol=raw["symbol"],
        order_id=int(raw["orderId"]),
        client_order_id=client_id,
        status=OrderStatus(raw["status"]),
        side=Side(raw["side"]),
        type=OrderType(raw["type"]),
        price=dec(raw.get("price")),
        orig_qty=dec(raw.get("origQty")),
        executed_qty=dec(raw.get("executedQty")),
        cumulative_quote_qty=dec(raw.get("cummulativeQuoteQty")),
        time_in_force=TimeInForce(tif) if tif in TimeInForce.__members__ else None,
        stop_price=stop or None,
        order_list_id=int(raw.get("orderListId", -1)),
        transact_time_ms=raw.get("transactTime") or raw.get("updateTime"),
        fills=_fills(raw.get("fills", [])),
    )


def oco_result(raw: dict[str, Any]) -> OcoResult:
    """An order list from placing (``orderReports`` included), querying or cancelling it."""
    return OcoResult(
        order_list_id=int(raw["orderListId"]),
        list_client_order_id=raw["listClientOrderId"],
        list_status=OrderListStatus(raw["listOrderStatus"]),
        orders=tuple(order_result(report) for report in raw.get("orderReports", [])),
        symbol=str(raw.get("symbol", "")),
        legs=tuple(
            OrderListLeg(str(leg["symbol"]), int(leg["orderId"]), str(leg["clientOrderId"]))
            for leg in raw.get("orders", [])
        ),
    )


def balances(raw: dict[str, Any]) -> dict[str, Balance]:
    """Non-zero balances of ``GET /api/v3/account``, by asset."""
    out = {}
    for item in raw.get("balances", []):
        free, locked = dec(item["free"]), dec(item["locked"])
        if free or locked:
            out[item["asset"]] = Balance(item["asset"], free, locked)
    return out


def kline(row: list[Any]) -> Kline:
    return Kline(
        open_time=int(row[0]),
        open=dec(row[1]),
        high=dec(row[2]),
        low=dec(row[3]),
        close=dec(row[4]),
        volume=dec(row[5]),
        close_time=int(row[6]),
        quote_volume=dec(row[7]),
        trades=int(row[8]),
    )


def trade(raw: dict[str, Any]) -> Trade:
    return Trade(
        symbol=raw["symbol"],
        trade_id=int(raw["id"]),
        order_id=int(raw["orderId"]),
        price=dec(raw["price"]),
        quantity=dec(raw["qty"]),
        quote_quantity=dec(raw["quoteQty"]),
        commission=dec(raw["commission"]),
        commission_asset=raw["commissionAsset"],
        time_ms=int(raw["time"]),
        is_buyer=bool(raw["isBuyer"]),
        is_maker=bool(raw["isMaker"]),
    )


# --- order lists -------------------------------------------------------------------------------
def key_permissions(raw: dict[str, Any]) -> KeyPermissions:
    """``/sapi/v1/account/apiRestrictions``: spot trading, withdrawals, the IP whitelist, and when
    trading ends (Binance sends ``tradingAuthorityExpirationTime`` only for keys without a whitelist)."""
    expires_ms = raw.get("tradingAuthorityExpirationTime")
    return KeyPermissions(
        can_trade=bool(raw.get("enableSpotAndMarginTrading", False)),
        can_withdraw=bool(raw.get("enableWithdrawals", False)),
        ip_restricted=bool(raw.get("ipRestrict", False)),
        trading_expires_at=datetime.fromtimestamp(int(expires_ms) / 1000, UTC) if expires_ms else None,
    )
