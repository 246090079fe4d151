"""Stop-loss / take-profit on the exchange, linked to the trade: one OCO (or one order) on what was
actually received, a refusal that leaves the trade filled, and a SELL that cancels it first."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tests.support.trading_rig import USER, TradingRig, trading_rig
from tradecore.config import Settings
from tradecore.domain.orders import OrderRequest, OrderType, Side, oco_client_ids
from tradecore.domain.realtime import MessageType
from tradecore.domain.trades import ProtectionStatus, TradeStatus
from tradecore.errors import InvalidOrderError, OrderStatusUnknownError

D = Decimal


@pytest.fixture
def rig(make_settings: Callable[..., Settings]) -> TradingRig:
    return trading_rig(make_settings())  # stop_limit_slippage 0.5 %, fee 0.1 % in BTC


def test_buy_with_stop_loss_and_take_profit_places_one_oco_on_the_quantity_received(rig: TradingRig) -> None:
    outcome = rig.execute(quantity="0.01", stop_loss="45000", take_profit="55000")

    [oco] = rig.exchange.ocos
    assert (oco.side, oco.quantity) == (Side.SELL, D("0.00999"))  # 0.01 less the 0.00001 BTC fee
    assert (oco.price, oco.stop_price, oco.stop_limit_price) == (D("55000"), D("45000"), D("44775"))
    assert oco.client_key == outcome.trade.client_order_id
    protection = outcome.trade.protection
    assert protection is not None
    assert protection.status is ProtectionStatus.ACTIVE
    assert protection.quantity == D("0.00999")
    assert protection.list_client_order_id == oco_client_ids(outcome.trade.client_order_id).list_id
    assert protection.order_list_id == rig.exchange.lists[protection.list_client_order_id][0].order_list_id
    assert rig.store.trades[outcome.trade.client_order_id].protection == protection
    assert len(rig.exchange.placed) == 1  # the OCO is the only other order


def test_buy_with_only_a_stop_loss_places_a_stop_loss_limit(rig: TradingRig) -> None:
    outcome = rig.execute(quantity="0.01", stop_loss="45000")

    stop = rig.exchange.placed[1]
    assert (stop.type, stop.side, stop.quantity) == (OrderType.STOP_LOSS_LIMIT, Side.SELL, D("0.00999"))
    assert (stop.stop_price, stop.price) == (D("45000"), D("44775"))
    assert stop.client_order_id == "sl-" + outcome.trade.client_order_id.split("-", 1)[1]
    assert rig.exchange.ocos == []
    protection = outcome.trade.protection
    assert protection is not None
    assert protection.status is ProtectionStatus.ACTIVE
    assert protection.client_order_id == stop.client_order_id


def test_buy_with_only_a_take_profit_places_a_limit_sell(rig: TradingRig) -> None:
    outcome = rig.execute(quantity="0.01", take_profit="55000")

    take = rig.exchange.placed[1]
    assert (take.type, take.side, take.quantity, take.price) == (OrderType.LIMIT, Side.SELL, D("0.00999"), D("55000"))
    assert take.client_order_id == "tp-" + outcome.trade.client_order_id.split("-", 1)[1]


def test_refused_protection_leaves_the_trade_filled_and_says_why(rig: TradingRig) -> None:
    reason = "Order would immediately trigger."
    rig.exchange.fail_next_oco = InvalidOrderError(reason, exchange_code=-2010, reason=reason)

    outcome = rig.execute(quantity="0.01", stop_loss="45000", take_profit="55000")

    assert outcome.trade.status is TradeStatus.FILLED
    protection = outcome.trade.protection
    assert protection is not None
    assert protection.status is ProtectionStatus.FAILED
    assert protection.reason == reason
    assert rig.store.trades[outcome.trade.client_order_id].protection == protection


def test_protection_of_unknown_outcome_stays_active_so_a_sale_cancels_it(rig: TradingRig) -> None:
    rig.exchange.fail_next_oco = OrderStatusUnknownError()

    outcome = rig.execute(quantity="0.01", stop_loss="45000", take_profit="55000")

    protection = outcome.trade.protection
    assert protection is not None
    assert protection.status is ProtectionStatus.ACTIVE
    assert protection.reason
    assert rig.store.protected(USER, "BTCUSDT") == [outcome.trade]


def test_a_rejected_buy_places_no_protection(rig: TradingRig) -> None:
    rig.exchange.fail_next = InvalidOrderError("no", exchange_code=-2010, reason="no")

    with pytest.raises(InvalidOrderError):
        rig.execute(quantity="0.01", stop_loss="45000", take_profit="55000")

    assert rig.exchange.ocos == []


def test_sell_cancels_the_active_protection_before_selling(rig: TradingRig) -> None:
    bought = rig.execute(key="buy", quantity="0.01", stop_loss="45000", take_profit="55000").trade
    list_id = oco_client_ids(bought.client_order_id).list_id
    cancelled_when_selling: list[list[str]] = []

    def at_the_sale(order: OrderRequest) -> None:
        cancelled_when_selling.append(list(rig.exchange.cancelled))

    rig.exchange.before_place = at_the_sale

    sold = rig.execute(key="sell", side=Side.SELL, quantity="0.00999").trade

    assert cancelled_when_selling == [[list_id]]
    assert sold.status is TradeStatus.FILLED
    assert sold.executed_quantity == D("0.00999")
    protection = rig.store.trades[bought.client_order_id].protection
    assert protection is not None
    assert protection.status is ProtectionStatus.CANCELED
    assert rig.store.protected(USER, "BTCUSDT") == []
    assert MessageType.ORDER_UPDATE in rig.notified()


def test_retry_that_adopts_a_filled_order_still_places_its_protection(rig: TradingRig) -> None:
    rig.exchange.crash_after_placing = TimeoutError("the Lambda ran out of time after the order left")
    with pytest.raises(TimeoutError):
        rig.execute(key="k", quantity="0.01", stop_loss="45000", take_profit="55000")

    retried = rig.execute(key="k", quantity="0.01", stop_loss="45000", take_profit="55000")

    assert rig.exchange.attempts == 1
    assert len(rig.exchange.ocos) == 1
    assert rig.exchange.ocos[0].quantity == D("0.00999")
    protection = retried.trade.protection
    assert protection is not None
    assert protection.status is ProtectionStatus.ACTIVE
    assert rig.store.trades[retried.trade.client_order_id].protection == protection
