"""Trade records as ``trades`` documents and back, and the page cursor.

Money and quantities are BSON Decimal128, so every Decimal comes back exactly as it went in
(``Decimal("0.00000001")`` stays that, ``Decimal("1.50")`` keeps its zero). Datetimes are BSON
dates in UTC, which hold milliseconds: ``created_at`` and ``updated_at`` are stored cut to the
millisecond (what indexes, sorts, filters and cursors use) with the microseconds below it in
``created_at_us`` / ``updated_at_us``, so a record reads back exactly as it was saved. ``_id`` is the
trade id.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128

from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import OrderType, Side
from tradecore.domain.trades import (
    Protection,
    ProtectionStatus,
    SignalSummary,
    TradeFill,
    TradeRecord,
    TradeStatus,
)


def to_decimal128(value: Decimal | None) -> Decimal128 | None:
    return None if value is None else Decimal128(value)


def from_decimal128(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal128):
        return value.to_decimal()
    return Decimal(str(value))  # a number written by hand (a shell, a fixture): read it exactly as written


def _decimal(value: Any) -> Decimal:
    result = from_decimal128(value)
    return Decimal(0) if result is None else result


def to_millis(value: datetime) -> datetime:
    """``value`` in UTC, cut to the millisecond (naive values are taken as UTC)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def sub_millis(value: datetime) -> int:
    """The microseconds of ``value`` below its millisecond (what BSON dates cannot hold)."""
    return value.microsecond % 1000


def _time(document: dict[str, Any], name: str) -> datetime:
    value: datetime = document[name]
    # the gateway's client is tz-aware; a naive value from another client is UTC all the same
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value + timedelta(microseconds=int(document.get(f"{name}_us") or 0))


def _fill_document(fill: TradeFill) -> dict[str, Any]:
    return {
        "price": Decimal128(fill.price),
        "quantity": Decimal128(fill.quantity),
        "commission": Decimal128(fill.commission),
        "commission_asset": fill.commission_asset,
        "trade_id": fill.trade_id,
    }


def _signal_document(signal: SignalSummary | None) -> dict[str, Any] | None:
    if signal is None:
        return None
    return {
        "signal": signal.signal,
        "confidence": signal.confidence,
        "source": signal.source,
        "origin": signal.origin,
        "analysis_id": signal.analysis_id,
    }


def _protection_document(protection: Protection | None) -> dict[str, Any] | None:
    if protection is None:
        return None
    return {
        "status": protection.status.value,
        "stop_loss": to_decimal128(protection.stop_loss),
        "take_profit": to_decimal128(protection.take_profit),
        "quantity": to_decimal128(protection.quantity),
        "order_list_id": protection.order_list_id,
        "list_client_order_id": protection.list_client_order_id,
        "order_id": protection.order_id,
        "client_order_id": protection.client_order_id,
        "reason": protection.reason,
    }


def trade_document(trade: TradeRecord) -> dict[str, Any]:
    """The whole document of ``trade`` (every field present, absent values as null)."""
    return {
        "_id": trade.id,
        "user_id": trade.user_id,
        "client_order_id": trade.client_order_id,
        "symbol": trade.symbol,
        "base_asset": trade.base_asset,
        "quote_asset": trade.quote_asset,
        "side": trade.side.value,
        "type": trade.type.value,
        "mode": trade.mode.value,
        "status": trade.status.value,
        "created_at": to_millis(trade.created_at),
        "created_at_us": sub_millis(trade.created_at),
        "updated_at": to_millis(trade.updated_at),
        "updated_at_us": sub_millis(trade.updated_at),
        "requested_quantity": to_decimal128(trade.requested_quantity),
        "requested_quote_amount": to_decimal128(trade.requested_quote_amount),
        "requested_price": to_decimal128(trade.requested_price),
        "sent_quantity": to_decimal128(trade.sent_quantity),
        "sent_quote_amount": to_decimal128(trade.sent_quote_amount),
        "sent_price": to_decimal128(trade.sent_price),
        "executed_quantity": Decimal128(trade.executed_quantity),
        "quote_amount": Decimal128(trade.quote_amount),
        "fills": [_fill_document(fill) for fill in trade.fills],
        "exchange_order_id": trade.exchange_order_id,
        "adjustments": list(trade.adjustments),
        "signal": _signal_document(trade.signal),
        "protection": _protection_document(trade.protection),
        "reason": trade.reason,
        "source": trade.source,
        "version": trade.version,
        "extra": dict(trade.extra),
    }


def _fill(document: dict[str, Any]) -> TradeFill:
    return TradeFill(
        price=_decimal(document["price"]),
        quantity=_decimal(document["quantity"]),
        commission=_decimal(document["commission"]),
        commission_asset=document["commission_asset"],
        trade_id=document.get("trade_id"),
    )


def _signal(document: dict[str, Any] | None) -> SignalSummary | None:
    if not document:
        return None
    return SignalSummary(
        signal=document["signal"],
        confidence=float(document["confidence"]),
        source=document["source"],
        origin=document["origin"],
        analysis_id=document.get("analysis_id"),
    )


def _protection(document: dict[str, Any] | None) -> Protection | None:
    if not document:
        return None
    return Protection(
        status=ProtectionStatus(document["status"]),
        stop_loss=from_decimal128(document.get("stop_loss")),
        take_profit=from_decimal128(document.get("take_profit")),
        quantity=from_decimal128(document.get("quantity")),
        order_list_id=document.get("order_list_id"),
        list_client_order_id=document.get("list_client_order_id"),
        order_id=document.get("order_id"),
        client_order_id=document.get("client_order_id"),
        reason=document.get("reason"),
    )


def trade_record(document: dict[str, Any]) -> TradeRecord:
    """The record a ``trades`` document holds."""
    return TradeRecord(
        id=str(document["_id"]),
        user_id=document["user_id"],
        client_order_id=document["client_order_id"],
        symbol=document["symbol"],
        base_asset=document["base_asset"],
        quote_asset=document["quote_asset"],
        side=Side(document["side"]),
        type=OrderType(document["type"]),
        mode=TradingMode(document["mode"]),
        status=TradeStatus(document["status"]),
        created_at=_time(document, "created_at"),
        updated_at=_time(document, "updated_at"),
        requested_quantity=from_decimal128(document.get("requested_quantity")),
        requested_quote_amount=from_decimal128(document.get("requested_quote_amount")),
        requested_price=from_decimal128(document.get("requested_price")),
        sent_quantity=from_decimal128(document.get("sent_quantity")),
        sent_quote_amount=from_decimal128(document.get("sent_quote_amount")),
        sent_price=from_decimal128(document.get("sent_price")),
        executed_quantity=_decimal(document.get("executed_quantity")),
        quote_amount=_decimal(document.get("quote_amount")),
        fills=tuple(_fill(fill) for fill in document.get("fills") or ()),
        exchange_order_id=document.get("exchange_order_id"),
        adjustments=tuple(document.get("adjustments") or ()),
        signal=_signal(document.get("signal")),
        protection=_protection(document.get("protection")),
        reason=document.get("reason"),
        source=document.get("source", "api"),
        version=int(document.get("version", 1)),
        extra=dict(document.get("extra") or {}),
    )
