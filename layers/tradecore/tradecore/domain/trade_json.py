"""A trade record as plain JSON and back: the outbox message body, and later the API's trade bodies.

Money stays exact: every Decimal is written as its string (``str(Decimal)`` keeps every digit and
the exponent, so ``1E-8`` comes back as ``1E-8``) and read back only from a string or an int,
never from a float. Instants are ISO 8601 in UTC; a naive datetime is refused, since nobody could
tell later which clock it was read from. ``version`` travels with the record, so whoever stores a
decoded copy keeps the newest one.

``average_price`` and ``fees`` are written for readers (they are derived from the fills) and
ignored when decoding.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

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

_DECIMALS = (
    "requested_quantity",
    "requested_quote_amount",
    "requested_price",
    "sent_quantity",
    "sent_quote_amount",
    "sent_price",
)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _instant(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("a trade's times must be timezone-aware")
    return value.astimezone(UTC).isoformat()


def trade_to_json(record: TradeRecord) -> dict[str, Any]:
    """The record as a JSON-ready dict (strings, ints, floats, lists, dicts and None only).
    ``ValueError`` when a time is naive."""
    average = record.average_price
    return {
        "id": record.id,
        "user_id": record.user_id,
        "client_order_id": record.client_order_id,
        "symbol": record.symbol,
        "base_asset": record.base_asset,
        "quote_asset": record.quote_asset,
        "side": record.side.value,
        "type": record.type.value,
        "mode": record.mode.value,
        "status": record.status.value,
        "created_at": _instant(record.created_at),
        "updated_at": _instant(record.updated_at),
        **{name: _money(getattr(record, name)) for name in _DECIMALS},
        "executed_quantity": str(record.executed_quantity),
        "quote_amount": str(record.quote_amount),
        "average_price": _money(average),
        "fees": [{"asset": fee.asset, "amount": str(fee.amount)} for fee in record.fees],
        "fills": [_fill_to_json(fill) for fill in record.fills],
        "exchange_order_id": record.exchange_order_id,
        "adjustments": list(record.adjustments),
        "signal": None if record.signal is None else _signal_to_json(record.signal),
        "protection": None if record.protection is None else _protection_to_json(record.protection),
        "reason": record.reason,
        "source": record.source,
        "version": record.version,
        "extra": dict(record.extra),
    }


def trade_from_json(data: dict[str, Any]) -> TradeRecord:
    """The record ``trade_to_json`` wrote (exactly equal to the original). ``ValueError`` for
    anything else: a missing field, a float where money belongs, an unknown status or a naive time."""
    try:
        return TradeRecord(
            id=_text(data["id"]),
            user_id=_text(data["user_id"]),
            client_order_id=_text(data["client_order_id"]),
            symbol=_text(data["symbol"]),
            base_asset=_text(data["base_asset"]),
            quote_asset=_text(data["quote_asset"]),
            side=Side(data["side"]),
            type=OrderType(data["type"]),
            mode=TradingMode(data["mode"]),
            status=TradeStatus(data["status"]),
            created_at=_read_instant(data["created_at"]),
            updated_at=_read_instant(data["updated_at"]),
            **{name: _read_optional_money(data.get(name)) for name in _DECIMALS},
            executed_quantity=_read_money(data["executed_quantity"]),
            quote_amount=_read_money(data["quote_amount"]),
            fills=tuple(_fill_from_json(fill) for fill in data.get("fills") or ()),
            exchange_order_id=_optional_int(data.get("exchange_order_id")),
            adjustments=tuple(_text(item) for item in data.get("adjustments") or ()),
            signal=None if data.get("signal") is None else _signal_from_json(data["signal"]),
            protection=None if data.get("protection") is None else _protection_from_json(data["protection"]),
            reason=_optional_text(data.get("reason")),
            source=_text(data.get("source", "api")),
            version=_int(data["version"]),
            extra={_text(key): _text(value) for key, value in (data.get("extra") or {}).items()},
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a trade record: {exc!r}") from exc


def _fill_to_json(fill: TradeFill) -> dict[str, Any]:
    return {
        "price": str(fill.price),
        "quantity": str(fill.quantity),
        "commission": str(fill.commission),
        "commission_asset": fill.commission_asset,
        "trade_id": fill.trade_id,
    }


def _fill_from_json(data: dict[str, Any]) -> TradeFill:
    return TradeFill(
        price=_read_money(data["price"]),
        quantity=_read_money(data["quantity"]),
        commission=_read_money(data["commission"]),
        commission_asset=_text(data["commission_asset"]),
        trade_id=_optional_int(data.get("trade_id")),
    )


def _signal_to_json(signal: SignalSummary) -> dict[str, Any]:
    return {
        "signal": signal.signal,
        "confidence": signal.confidence,
        "source": signal.source,
        "origin": signal.origin,
        "analysis_id": signal.analysis_id,
    }


def _signal_from_json(data: dict[str, Any]) -> SignalSummary:
    confidence = data["confidence"]
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise ValueError(f"not a confidence: {confidence!r}")
    return SignalSummary(
        signal=_text(data["signal"]),
        confidence=float(confidence),
        source=_text(data["source"]),
        origin=_text(data["origin"]),
        analysis_id=_optional_text(data.get("analysis_id")),
    )


def _protection_to_json(protection: Protection) -> dict[str, Any]:
    return {
        "status": protection.status.value,
        "stop_loss": _money(protection.stop_loss),
        "take_profit": _money(protection.take_profit),
        "quantity": _money(protection.quantity),
        "order_list_id": protection.order_list_id,
        "list_client_order_id": protection.list_client_order_id,
        "order_id": protection.order_id,
        "client_order_id": protection.client_order_id,
        "reason": protection.reason,
    }


def _protection_from_json(data: dict[str, Any]) -> Protection:
    return Protection(
        status=ProtectionStatus(data["status"]),
        stop_loss=_read_optional_money(data.get("stop_loss")),
        take_profit=_read_optional_money(data.get("take_profit")),
        quantity=_read_optional_money(data.get("quantity")),
        order_list_id=_optional_int(data.get("order_list_id")),
        list_client_order_id=_optional_text(data.get("list_client_order_id")),
        order_id=_optional_int(data.get("order_id")),
        client_order_id=_optional_text(data.get("client_order_id")),
        reason=_optional_text(data.get("reason")),
    )


def _read_money(value: Any) -> Decimal:
    # A float has already lost digits: refuse it rather than store a rounded amount.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"money must be a string, not {type(value).__name__}: {value!r}")
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def _read_optional_money(value: Any) -> Decimal | None:
    return None if value is None else _read_money(value)


def _read_instant(value: Any) -> datetime:
    instant = datetime.fromisoformat(_text(value))
    if instant.tzinfo is None:
        raise ValueError(f"a trade's times must carry their offset: {value!r}")
    return instant


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}: {value!r}")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {type(value).__name__}: {value!r}")
    return value


def _optional_int(value: Any) -> int | None:
    return None if value is None else _int(value)
