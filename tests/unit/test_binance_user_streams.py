"""Binance user-data events as domain events, and the subscription request's signature."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from typing import Any

import pytest

from tradecore.adapters.binance.user_streams import parse_user_event, signed_params, ws_api_url
from tradecore.config import load_settings
from tradecore.domain.accounts import ApiCredentials
from tradecore.domain.orders import OrderStatus, OrderType, Side
from tradecore.domain.user_events import AccountEvent, OrderEvent, OrderFillEvent

D = Decimal


def _report(**changes: Any) -> dict[str, Any]:
    report = {
        "e": "executionReport", "E": 1_700_000_000_100, "s": "BTCUSDT", "c": "web_1", "S": "BUY", "o": "LIMIT",
        "f": "GTC", "q": "0.00200000", "p": "50000.00", "P": "0.00", "g": -1, "C": "", "x": "TRADE",
        "X": "PARTIALLY_FILLED", "r": "NONE", "i": 42, "l": "0.00100000", "z": "0.00100000", "L": "49999.50",
        "n": "0.00000100", "N": "BTC", "T": 1_700_000_000_090, "t": 7, "Z": "49.99950000", "O": 1_700_000_000_010,
    }  # fmt: skip
    return {**report, **changes}


def test_user_streams_execution_report_becomes_an_order_event_with_its_fill() -> None:
    event = parse_user_event("u-1", _report())
    assert event == OrderEvent(
        user_id="u-1", symbol="BTCUSDT", client_order_id="web_1", order_id=42, side=Side.BUY, type=OrderType.LIMIT,
        status=OrderStatus.PARTIALLY_FILLED, execution_type="TRADE", quantity=D("0.002"), price=D("50000"),
        executed_quantity=D("0.001"), cumulative_quote=D("49.9995"), event_time_ms=1_700_000_000_100,
        order_time_ms=1_700_000_000_010, order_list_id=-1, reject_reason=None,
        fill=OrderFillEvent(D("49999.5"), D("0.001"), D("0.000001"), "BTC", 7),
    )  # fmt: skip


def test_user_streams_cancel_reports_the_orders_own_client_id() -> None:
    event = parse_user_event("u-1", _report(x="CANCELED", X="CANCELED", c="cancel-req-9", C="web_1", l="0"))
    assert isinstance(event, OrderEvent)
    assert (event.client_order_id, event.status, event.fill) == ("web_1", OrderStatus.CANCELED, None)


def test_user_streams_new_order_has_no_fill_and_rejection_keeps_its_reason() -> None:
    new = parse_user_event("u-1", _report(x="NEW", X="NEW", l="0", z="0", Z="0", t=-1, N=None))
    rejected = parse_user_event("u-1", _report(x="REJECTED", X="REJECTED", r="INSUFFICIENT_BALANCE", l="0"))
    assert isinstance(new, OrderEvent)
    assert new.fill is None
    assert isinstance(rejected, OrderEvent)
    assert rejected.reject_reason == "INSUFFICIENT_BALANCE"


def test_user_streams_account_position_lists_the_assets_that_changed() -> None:
    data = {"e": "outboundAccountPosition", "E": 5, "u": 5, "B": [{"a": "BTC", "f": "1", "l": "0"}, {"a": "USDT"}]}
    assert parse_user_event("u-2", data) == AccountEvent("u-2", ("BTC", "USDT"), 5)


@pytest.mark.parametrize("kind", ["listStatus", "balanceUpdate", "eventStreamTerminated", None])
def test_user_streams_other_kinds_are_ignored(kind: str | None) -> None:
    assert parse_user_event("u-1", {"e": kind, "E": 1}) is None


def test_user_streams_garbage_report_raises_a_value_error() -> None:
    with pytest.raises((KeyError, ValueError)):
        parse_user_event("u-1", _report(X="SOMETHING"))


def test_user_streams_signed_params_are_the_sorted_pairs_signed_with_the_accounts_secret() -> None:
    params = signed_params(ApiCredentials("key-1", "secret-1"), 1_700_000_000_000)
    expected = hmac.new(b"secret-1", b"apiKey=key-1&timestamp=1700000000000", hashlib.sha256).hexdigest()
    assert params == {"apiKey": "key-1", "timestamp": 1_700_000_000_000, "signature": expected}


@pytest.mark.parametrize(
    ("env", "url"),
    [
        ({"binance_simulator_url": "http://127.0.0.1:9100/"}, "ws://127.0.0.1:9100/ws-api/v3"),
        ({"binance_testnet": True, "binance_api_key": "k", "binance_api_secret": "s"},
         "wss://ws-api.testnet.binance.vision/ws-api/v3"),
    ],
    ids=["simulator", "testnet"],
)  # fmt: skip
def test_user_streams_url_follows_the_exchange_mode(env: dict[str, Any], url: str) -> None:
    assert ws_api_url(load_settings(**env)) == url
