"""Closing a position (cancel its protection, sell what can be sold, report the dust) and cancelling
an order still open on the book, on the wiring of ``bootstrap()`` with in-memory fakes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest

from tests.support.trading_rig import OTHER_USER, USER, TradingRig, principal, trading_rig
from tradecore.config import Settings
from tradecore.domain.orders import Balance, OrderStatus, OrderType, Side, oco_client_ids
from tradecore.domain.realtime import MessageType
from tradecore.domain.trades import ProtectionStatus, TradeRecord, TradeStatus
from tradecore.errors import ConflictError, NotFoundError
from tradecore.services.trading.closing import CloseOutcome

D = Decimal


@pytest.fixture
def rig(make_settings: Callable[..., Settings]) -> TradingRig:
    return trading_rig(make_settings())


def close(rig: TradingRig, key: str = "close-1", user_id: str = USER) -> CloseOutcome:
    return rig.container.position_closer.close(principal(user_id), "BTCUSDT", key)


def bought(rig: TradingRig, quantity: str, **protection: str) -> TradeRecord:
    trade = rig.execute(key=f"buy-{quantity}", quantity=quantity, **protection).trade
    rig.clock.advance(60)  # fills are replayed in time order
    return trade


# --- closing a position ----------------------------------------------------------------------------
def test_close_cancels_protection_and_sells_the_position_reporting_the_dust(rig: TradingRig) -> None:
    buy = bought(rig, "0.01234", stop_loss="45000", take_profit="55000")  # receives 0.01232766 BTC
    sales: list[list[str]] = []
    rig.exchange.before_place = lambda order: sales.append(list(rig.exchange.cancelled))

    outcome = close(rig)

    assert sales == [[oco_client_ids(buy.client_order_id).list_id]]  # cancelled before the sale left
    sale = rig.exchange.placed[-1]
    assert (sale.side, sale.type, sale.quantity) == (Side.SELL, OrderType.MARKET, D("0.01232"))
    assert outcome.trade.status is TradeStatus.FILLED
    assert outcome.trade.source == "close"
    assert outcome.trade.requested_quantity == D("0.01232766")
    assert (outcome.dust, outcome.protections_cancelled, outcome.degraded) == (D("0.00000766"), 1, False)
    assert rig.exchange.free("BTC") == D("0.00000766")
    protection = rig.store.trades[buy.client_order_id].protection
    assert protection is not None
    assert protection.status is ProtectionStatus.CANCELED
    assert rig.store.trades[outcome.trade.client_order_id] == outcome.trade


def test_close_with_only_dust_refuses_and_touches_nothing(rig: TradingRig) -> None:
    bought(rig, "0.01", stop_loss="45000", take_profit="55000")
    rig.exchange.prices["BTCUSDT"] = D("400")  # 0.00999 BTC is now worth 4 USDT, under the 5 minimum
    attempts, saved = rig.exchange.attempts, len(rig.store.saved)

    with pytest.raises(ConflictError, match="below the exchange's minimum order") as refused:
        close(rig)

    assert D(refused.value.details["dust"]) == D("0.00999")
    assert rig.exchange.cancelled == []
    assert (rig.exchange.attempts, len(rig.store.saved)) == (attempts, saved)


def test_close_without_a_position_is_not_found(rig: TradingRig) -> None:
    with pytest.raises(NotFoundError, match="no open BTCUSDT position"):
        close(rig)

    assert rig.exchange.attempts == 0


def test_close_goes_ahead_while_the_kill_switch_is_on(rig: TradingRig) -> None:
    bought(rig, "0.01")
    rig.switch.halted_now = True

    outcome = close(rig)

    assert outcome.trade.status is TradeStatus.FILLED
    assert outcome.trade.executed_quantity == D("0.00999")


def test_close_sells_no_more_than_the_account_holds(rig: TradingRig) -> None:
    bought(rig, "0.01")  # the fills say 0.00999; the trader moved some away since
    rig.exchange.balances["BTC"] = Balance("BTC", D("0.005"), D("0"))

    outcome = close(rig)

    assert rig.exchange.placed[-1].quantity == D("0.005")
    assert outcome.dust == D("0")


def test_close_with_the_store_down_sells_what_the_account_holds(rig: TradingRig) -> None:
    bought(rig, "0.01")
    rig.store.down = True

    outcome = close(rig)

    assert outcome.trade.executed_quantity == D("0.00999")
    assert [r.status for r in rig.outbox.records] == [TradeStatus.PENDING, TradeStatus.FILLED]
    assert outcome.degraded is True


def test_close_twice_with_one_key_sells_once(rig: TradingRig) -> None:
    bought(rig, "0.01")

    first, again = close(rig, key="same"), close(rig, key="same")

    assert again == first
    assert rig.exchange.attempts == 2  # the buy and one sale


# --- cancelling an open order ----------------------------------------------------------------------
def open_limit_buy(rig: TradingRig) -> TradeRecord:
    trade = rig.execute(key="limit", type=OrderType.LIMIT, quantity="0.01", price="40000").trade
    assert trade.status is TradeStatus.OPEN
    assert rig.exchange.balances["USDT"] == Balance("USDT", D("9600"), D("400"))
    return trade


def test_cancel_an_open_order_records_it_cancelled(rig: TradingRig) -> None:
    trade = open_limit_buy(rig)
    rig.messages.notifications.clear()

    cancelled = rig.container.trade_history.cancel(principal(), trade.id)

    assert cancelled.status is TradeStatus.CANCELED
    assert cancelled.id == trade.id
    assert rig.exchange.cancelled == [trade.client_order_id]
    assert rig.exchange.balances["USDT"] == Balance("USDT", D("10000"), D("0"))
    assert rig.store.trades[trade.client_order_id] == cancelled
    assert rig.notified() == [MessageType.ORDER_UPDATE, MessageType.ACCOUNT_UPDATE]


def test_cancel_an_order_that_filled_meanwhile_records_the_fill(rig: TradingRig) -> None:
    trade = open_limit_buy(rig)
    order = rig.exchange.orders[trade.client_order_id]
    rig.exchange.orders[trade.client_order_id] = replace(
        order, status=OrderStatus.FILLED, executed_qty=order.orig_qty, cumulative_quote_qty=D("400")
    )

    updated = rig.container.trade_history.cancel(principal(), trade.id)

    assert updated.status is TradeStatus.FILLED
    assert updated.executed_quantity == D("0.01")
    assert rig.store.trades[trade.client_order_id] == updated


def test_cancel_a_filled_order_is_a_conflict(rig: TradingRig) -> None:
    trade = rig.execute(key="market").trade

    with pytest.raises(ConflictError, match="this one is filled"):
        rig.container.trade_history.cancel(principal(), trade.id)

    assert rig.exchange.cancelled == []


def test_cancel_another_users_order_is_not_found(rig: TradingRig) -> None:
    trade = open_limit_buy(rig)

    with pytest.raises(NotFoundError):
        rig.container.trade_history.cancel(principal(OTHER_USER), trade.id)

    assert rig.exchange.cancelled == []
    assert rig.store.trades[trade.client_order_id].status is TradeStatus.OPEN
