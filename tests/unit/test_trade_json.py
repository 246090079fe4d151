"""The trade record's JSON codec: every record comes back exactly (Decimals digit for digit, instants,
versions, nested fills, signal and protection), through real JSON text; bad input is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.trade_records import T0, full_trade_record
from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import OrderType, Side
from tradecore.domain.trade_json import trade_from_json, trade_to_json
from tradecore.domain.trades import (
    Protection,
    ProtectionStatus,
    SignalSummary,
    TradeFill,
    TradeRecord,
    TradeStatus,
)

D = Decimal

money = st.decimals(allow_nan=False, allow_infinity=False, min_value=D("-1e12"), max_value=D("1e12"))
optional_money = st.none() | money
text = st.text(max_size=12)
ids = st.none() | st.integers(min_value=0, max_value=2**63 - 1)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]),
)
fills = st.builds(TradeFill, price=money, quantity=money, commission=money, commission_asset=text, trade_id=ids)
signals = st.builds(
    SignalSummary,
    signal=st.sampled_from(["Long", "Short", "Neutral"]),
    confidence=st.floats(min_value=0, max_value=1),
    source=text,
    origin=text,
    analysis_id=st.none() | text,
)
protections = st.builds(
    Protection,
    status=st.sampled_from(ProtectionStatus),
    stop_loss=optional_money,
    take_profit=optional_money,
    quantity=optional_money,
    order_list_id=ids,
    list_client_order_id=st.none() | text,
    order_id=ids,
    client_order_id=st.none() | text,
    reason=st.none() | text,
)
records = st.builds(
    TradeRecord,
    id=text,
    user_id=text,
    client_order_id=text,
    symbol=text,
    base_asset=text,
    quote_asset=text,
    side=st.sampled_from(Side),
    type=st.sampled_from(OrderType),
    mode=st.sampled_from(TradingMode),
    status=st.sampled_from(TradeStatus),
    created_at=instants,
    updated_at=instants,
    requested_quantity=optional_money,
    requested_quote_amount=optional_money,
    requested_price=optional_money,
    sent_quantity=optional_money,
    sent_quote_amount=optional_money,
    sent_price=optional_money,
    executed_quantity=money,
    quote_amount=money,
    fills=st.lists(fills, max_size=3).map(tuple),
    exchange_order_id=ids,
    adjustments=st.lists(text, max_size=3).map(tuple),
    signal=st.none() | signals,
    protection=st.none() | protections,
    reason=st.none() | text,
    source=st.sampled_from(["api", "close", "bot"]),
    version=st.integers(min_value=1, max_value=2**31),
    extra=st.dictionaries(text, text, max_size=3),
)


def through_text(record: TradeRecord) -> TradeRecord:
    return trade_from_json(json.loads(json.dumps(trade_to_json(record))))


def test_trade_json_round_trips_a_fully_populated_record_exactly() -> None:
    record = full_trade_record()
    back = through_text(record)
    assert back == record
    # equal Decimals can differ in digits; the codec keeps the exact representation
    assert (str(back.fills[0].commission), str(back.quote_amount)) == ("6.0E-7", "43.21098000")
    assert back.created_at.utcoffset() == timedelta(0)


@given(records)
def test_trade_json_round_trips_any_record(record: TradeRecord) -> None:
    back = through_text(record)
    assert back == record
    assert [str(f.price) for f in back.fills] == [str(f.price) for f in record.fills]
    assert str(back.executed_quantity) == str(record.executed_quantity)


def test_trade_json_writes_money_as_strings_times_in_utc_and_derived_fields() -> None:
    record = full_trade_record()
    data = trade_to_json(record.advanced(T0.astimezone(timezone(timedelta(hours=2)))))
    assert data["updated_at"] == "2026-11-25T12:00:00.123456+00:00"
    assert (data["executed_quantity"], data["sent_price"], data["requested_quote_amount"]) == (
        "0.00100",
        "43210.98",
        "50.00",
    )
    assert data["version"] == 8
    assert D(data["average_price"]) == D("43210.98")
    assert data["fees"] == [{"asset": "BTC", "amount": "6.0E-7"}, {"asset": "USDT", "amount": "0.01728"}]
    assert data["fills"][0]["price"] == "43210.98"


def test_trade_json_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="timezone"):
        trade_to_json(full_trade_record().advanced(datetime(2026, 11, 25, 12, 0)))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("executed_quantity", 0.1),  # a float has already lost digits
        ("sent_price", "a lot"),
        ("status", "maybe"),
        ("version", "7"),
        ("created_at", "2026-11-25T12:00:00"),  # no offset
        ("fills", [{"price": "1"}]),
    ],
)
def test_trade_json_refuses_a_malformed_field(field: str, value: Any) -> None:
    data = trade_to_json(full_trade_record())
    data[field] = value
    with pytest.raises(ValueError):  # noqa: PT011 - each case names its own reason
        trade_from_json(data)


def test_trade_json_refuses_a_missing_field() -> None:
    data = trade_to_json(full_trade_record())
    del data["client_order_id"]
    with pytest.raises(ValueError, match="not a trade record"):
        trade_from_json(data)
