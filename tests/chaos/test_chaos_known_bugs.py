"""Duplicates the chaos test found (CHAOS_SEED=3, CHAOS_SCENARIOS=10, CHAOS_KNOWN_BUGS=1: trader-6's
third trade), each replayed as one fixed scenario. Strict xfail: they pass, and so fail here, the
day the trade flow is fixed; then delete the marks and ``scenarios._spare_known_bug``.

The flow looks an order up on the exchange before sending only when MongoDB holds its pending
intent (services/trading/execution.py, ``_execute``: ``existing = on_record.result()`` and the
``adopt`` below it); ``OrderDesk.recorded`` (services/trading/desk.py) answers None when the store is
down, trusting "the exchange's own client-id check", but the exchange frees a client id once its
order is no longer open (adapters/binance/orders.py, ``_send_once``), so a filled MARKET order is
executed again under the same client order id.
"""

from __future__ import annotations

import pytest

from tests.chaos.faults import KillPoint, MongoOutage
from tests.chaos.scenarios import AttemptFaults, TradePlan
from tests.chaos.world import ChaosWorld

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

BUY = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
REASON = "known bug: a retry that cannot read the pending intent from MongoDB sends a placed MARKET order again"


def _one_trade(world: ChaosWorld, *attempts: AttemptFaults) -> list[str]:
    user_id, token = world.new_trader()
    log = world.trade(token, TradePlan(BUY, (*attempts, AttemptFaults()), retry_after_success=False))
    assert log.final is not None, log.answers
    assert log.final[0] == 200, log.answers
    ledger, _ = world.settle([user_id])
    return ledger.duplicates + ledger.mismatches


@pytest.mark.xfail(strict=True, reason=REASON)
def test_chaos_retry_before_the_outbox_drains_places_no_second_order(chaos_world: ChaosWorld) -> None:
    # GIVEN the real SecantusDB stopped (the intent goes to the outbox), and the process killed once
    # the order is placed
    killed = AttemptFaults(kill_at=KillPoint.AFTER_PLACE, mongo_stopped=True)
    # WHEN the client retries with the same key, MongoDB back but the outbox not drained yet
    problems = _one_trade(chaos_world, killed, AttemptFaults())
    # THEN the exchange executed the order once and the position matches the balance
    assert problems == []


@pytest.mark.xfail(strict=True, reason=REASON)
def test_chaos_retry_while_mongodb_is_down_places_no_second_order(chaos_world: ChaosWorld) -> None:
    # GIVEN the intent stored, and the process killed once the order is placed
    killed = AttemptFaults(kill_at=KillPoint.AFTER_PLACE)
    # WHEN the client retries with the same key while MongoDB is down
    problems = _one_trade(chaos_world, killed, AttemptFaults(mongo=MongoOutage.DOWN))
    # THEN the exchange executed the order once and the position matches the balance
    assert problems == []
