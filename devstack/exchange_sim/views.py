"""Binance's JSON shapes for orders, trades, accounts and user-data events.

Field names, order and types follow Binance's Spot API documentation: decimals as 8-place
strings, times as epoch milliseconds, ids as integers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from devstack.exchange_sim.ledger import Account, Fill, Order, OrderList, TradeRecord

_ZERO = Decimal(0)


def d8(value: Decimal) -> str:
    return f"{value:.8f}"


def order_ack(order: Order, now: int) -> dict[str, Any]:
    return {
        "symbol": order.symbol,
        "orderId": order.order_id,
        "orderListId": order.order_list_id,
        "clientOrderId": order.client_order_id,
        "transactTime": now,
    }


def order_result(order: Order, now: int, full: bool) -> dict[str, Any]:
    """The RESULT (or, with ``full``, FULL) response of ``POST /api/v3/order``."""
    body = order_ack(order, now)
    body.update(
        {
            "price": d8(order.price),
            "origQty": d8(order.orig_qty),
            "executedQty": d8(order.executed_qty),
            "origQuoteOrderQty": d8(order.orig_quote_qty),
            "cummulativeQuoteQty": d8(order.cum_quote),
            "status": order.status,
            "timeInForce": order.time_in_force or "GTC",
            "type": order.type,
            "side": order.side,
        }
    )
    if order.stop_price:
        body["stopPrice"] = d8(order.stop_price)
    if order.working_time >= 0:
        body["workingTime"] = order.working_time
    body["selfTradePreventionMode"] = "EXPIRE_MAKER"
    if full:
        body["fills"] = [fill_json(fill) for fill in order.fills]
    return body


def fill_json(fill: Fill) -> dict[str, Any]:
    return {
        "price": d8(fill.price),
        "qty": d8(fill.qty),
        "commission": d8(fill.commission),
        "commissionAsset": fill.commission_asset,
        "tradeId": fill.trade_id,
    }


def order_status(order: Order) -> dict[str, Any]:
    """``GET /api/v3/order``, ``openOrders`` and ``allOrders`` entries."""
    return {
        "symbol": order.symbol,
        "orderId": order.order_id,
        "orderListId": order.order_list_id,
        "clientOrderId": order.client_order_id,
        "price": d8(order.price),
        "origQty": d8(order.orig_qty),
        "executedQty": d8(order.executed_qty),
        "cummulativeQuoteQty": d8(order.cum_quote),
        "status": order.status,
        "timeInForce": order.time_in_force or "GTC",
        "type": order.type,
        "side": order.side,
        "stopPrice": d8(order.stop_price),
        "icebergQty": d8(_ZERO),
        "time": order.time,
        "updateTime": order.update_time,
        "isWorking": order.is_working,
        "workingTime": order.working_time,
        "origQuoteOrderQty": d8(order.orig_quote_qty),
        "selfTradePreventionMode": "EXPIRE_MAKER",
    }


def cancel_result(order: Order, cancel_client_id: str) -> dict[str, Any]:
    """``DELETE /api/v3/order``."""
    return {
        "symbol": order.symbol,
        "origClientOrderId": order.client_order_id,
        "orderId": order.order_id,
        "orderListId": order.order_list_id,
        "clientOrderId": cancel_client_id,
        "transactTime": order.update_time,
        "price": d8(order.price),
        "origQty": d8(order.orig_qty),
        "executedQty": d8(order.executed_qty),
        "cummulativeQuoteQty": d8(order.cum_quote),
        "status": order.status,
        "timeInForce": order.time_in_force or "GTC",
        "type": order.type,
        "side": order.side,
        "selfTradePreventionMode": "EXPIRE_MAKER",
    }


def order_list_json(order_list: OrderList, account: Account, reports: list[dict[str, Any]] | None) -> dict[str, Any]:
    """An OCO order list (``orderReports`` only in the placement response)."""
    done = order_list.status == "ALL_DONE"
    body: dict[str, Any] = {
        "orderListId": order_list.order_list_id,
        "contingencyType": "OCO",
        "listStatusType": "ALL_DONE" if done else "EXEC_STARTED",
        "listOrderStatus": order_list.status,
        "listClientOrderId": order_list.list_client_order_id,
        "transactionTime": order_list.transaction_time,
        "symbol": order_list.symbol,
        "orders": [
            {"symbol": order_list.symbol, "orderId": oid, "clientOrderId": account.orders[oid].client_order_id}
            for oid in order_list.order_ids
        ],
    }
    if reports is not None:
        body["orderReports"] = reports
    return body


def trade_json(trade: TradeRecord) -> dict[str, Any]:
    """``GET /api/v3/myTrades`` entries."""
    return {
        "symbol": trade.symbol,
        "id": trade.trade_id,
        "orderId": trade.order_id,
        "orderListId": trade.order_list_id,
        "price": d8(trade.price),
        "qty": d8(trade.qty),
        "quoteQty": d8(trade.price * trade.qty),
        "commission": d8(trade.commission),
        "commissionAsset": trade.commission_asset,
        "time": trade.time,
        "isBuyer": trade.is_buyer,
        "isMaker": trade.is_maker,
        "isBestMatch": True,
    }


def account_json(account: Account, uid: int) -> dict[str, Any]:
    """``GET /api/v3/account``."""
    maker_bp = int(account.maker_rate * 10000)
    taker_bp = int(account.taker_rate * 10000)
    return {
        "makerCommission": maker_bp,
        "takerCommission": taker_bp,
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {
            "maker": d8(account.maker_rate),
            "taker": d8(account.taker_rate),
            "buyer": d8(_ZERO),
            "seller": d8(_ZERO),
        },
        "canTrade": True,
        "canWithdraw": True,
        "canDeposit": True,
        "brokered": False,
        "requireSelfTradePrevention": False,
        "preventSor": False,
        "updateTime": account.update_time,
        "accountType": "SPOT",
        "balances": [
            {"asset": asset, "free": d8(free), "locked": d8(locked)}
            for asset, (free, locked) in sorted(account.balances.items())
        ],
        "permissions": ["SPOT"],
        "uid": uid,
    }


def execution_report(order: Order, execution_type: str, fill: Fill | None, now: int) -> dict[str, Any]:
    """The ``executionReport`` user-data event."""
    return {
        "e": "executionReport",
        "E": now,
        "s": order.symbol,
        "c": order.client_order_id,
        "S": order.side,
        "o": order.type,
        "f": order.time_in_force or "GTC",
        "q": d8(order.orig_qty),
        "p": d8(order.price),
        "P": d8(order.stop_price),
        "F": d8(_ZERO),
        "g": order.order_list_id,
        "C": "",
        "x": execution_type,
        "X": order.status,
        "r": "NONE",
        "i": order.order_id,
        "l": d8(fill.qty if fill else _ZERO),
        "z": d8(order.executed_qty),
        "L": d8(fill.price if fill else _ZERO),
        "n": d8(fill.commission if fill else _ZERO),
        "N": fill.commission_asset if fill else None,
        "T": now,
        "t": fill.trade_id if fill else -1,
        "v": 0,
        "I": now,
        "w": order.is_open and order.is_working,
        "m": fill.is_maker if fill else False,
        "M": False,
        "O": order.time,
        "Z": d8(order.cum_quote),
        "Y": d8(fill.price * fill.qty if fill else _ZERO),
        "Q": d8(order.orig_quote_qty),
        "W": order.working_time,
        "V": "EXPIRE_MAKER",
    }


def account_position(account: Account, assets: set[str], now: int) -> dict[str, Any]:
    """The ``outboundAccountPosition`` user-data event for the assets that changed."""
    return {
        "e": "outboundAccountPosition",
        "E": now,
        "u": account.update_time or now,
        "B": [
            {"a": asset, "f": d8(account.balance(asset)[0]), "l": d8(account.balance(asset)[1])}
            for asset in sorted(assets)
        ],
    }
