"""The trade flow while MongoDB is down (its stores raise DependencyUnavailableError): the trade
still fills, with the platform's default limits and the record in the outbox, the answer's
``degraded_by`` says each fallback, and a replay of the key sends no second order."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tests.support.trading_rig import USER, TradingRig, trading_rig
from tradecore.config import Settings
from tradecore.domain.risk import RiskLimits
from tradecore.domain.trades import TradeStatus
from tradecore.errors import RiskLimitError
from tradecore.services.trading.journal import RecordedIn
from tradecore.services.trading.outcome import ExecutionOutcome

D = Decimal
GENEROUS = RiskLimits(D("9000"), D("9000"), 5, D("1000"), 0.7)


@pytest.fixture
def rig(make_settings: Callable[..., Settings]) -> TradingRig:
    rig = trading_rig(make_settings(risk_max_trade_usdt=D("2000")))
    rig.risk.by_user[USER] = GENEROUS
    return rig


def _mongodb_down(rig: TradingRig) -> None:
    rig.store.down = rig.risk.down = True


def test_execute_mongodb_down_fills_and_names_every_fallback(rig: TradingRig) -> None:
    _mongodb_down(rig)

    outcome = rig.execute(key="k-1", quote_amount="100")

    assert outcome.trade.status is TradeStatus.FILLED
    assert [r.status for r in rig.outbox.records] == [TradeStatus.PENDING, TradeStatus.FILLED]
    assert (outcome.degraded, outcome.recorded_in) == (True, RecordedIn.OUTBOX)
    assert [note.split(";")[0] for note in outcome.degraded_by] == [
        "mongodb: your risk limits could not be read",
        "mongodb: today's realized PnL could not be read",
        "mongodb: the trade is recorded in the outbox",
    ]


def test_execute_mongodb_down_applies_the_platform_default_limits(rig: TradingRig) -> None:
    assert rig.execute(key="k-up", quote_amount="3000").trade.status is TradeStatus.FILLED  # the user's 9000 cap
    _mongodb_down(rig)

    with pytest.raises(RiskLimitError, match="per-trade limit is 2,000 USDT"):
        rig.execute(key="k-down", quote_amount="3000")

    assert len(rig.exchange.placed) == 1
    assert rig.outbox.records == []


def test_execute_mongodb_down_replay_of_the_key_sends_no_second_order(rig: TradingRig) -> None:
    _mongodb_down(rig)

    first = rig.execute(key="k-1", quote_amount="100")
    again = rig.execute(key="k-1", quote_amount="100")

    assert len(rig.exchange.placed) == 1
    assert again == first
    assert again.degraded_by == first.degraded_by != ()


def test_execute_mongodb_up_names_no_fallback(rig: TradingRig) -> None:
    outcome = rig.execute(key="k-1", quote_amount="100")

    assert (outcome.degraded, outcome.degraded_by) == (False, ())


def test_execution_outcome_stored_before_degraded_by_existed_reads_as_none(rig: TradingRig) -> None:
    stored = rig.execute(key="k-1", quote_amount="100").to_json()
    del stored["degraded_by"]

    assert ExecutionOutcome.from_json(stored).degraded_by == ()
