"""The AutoTrader with real parts: SecantusDB, moto (the AutoTradeQueue, KMS, the state and
idempotency tables, the outbox), the simulator with each user's own paper account, the real trade
flow, and the worker's real handler (``jobs.app.autotrade``) on SQS events built from the messages
moto delivers; decisions read back through the trade function's real handler."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.auth import add_user
from tests.support.automation_fakes import bot_settings, candle_signal
from tests.support.autotrade_world import (
    autotrade_container,
    exchange_orders,
    received,
    run_worker,
    with_autotrade_queue,
)
from tests.support.trading_world import TradeApi, trading_settings
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.automation import CandleSignal
from tradecore.domain.users import Role

HOUR_MS = 3_600_000
C1 = 1_795_597_200_000


@pytest.fixture
def settings(
    mongo_settings: Settings, moto_server: str, sim_server: SimServer, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    return with_autotrade_queue(trading_settings(mongo_settings, moto_server, sim_server.url, monkeypatch))


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    with autotrade_container(settings) as c:
        yield c


@pytest.fixture
def api(load_event: Callable[[str], dict[str, Any]], lambda_context: Any) -> TradeApi:
    return TradeApi(load_event, lambda_context)


def _orders(sim_server: SimServer, container: Container, user_id: str) -> list[Any]:
    return exchange_orders(sim_server.url, container, user_id)


def _signal(candle_time: int) -> CandleSignal:
    return candle_signal("Long", candle_time=candle_time, confidence=0.82)


def test_autotrader_flow_fans_out_trades_within_limits_never_twice_and_stops_on_the_kill_switch(
    container: Container, settings: Settings, sim_server: SimServer, api: TradeApi, lambda_context: Any
) -> None:
    # GIVEN three traders automating BTCUSDT (the third paused) and a viewer who automates nothing
    sim_server.set_price("BTCUSDT", "50000")
    users = [add_user(container, Role.TRADER) for _ in range(3)]
    for index, user in enumerate(users):
        container.bot_settings_store.put(
            user.user_id, bot_settings(paused=index == 2, amount_per_trade_usdt=Decimal("25"))
        )
    viewer = add_user(container, Role.VIEWER)
    trader_ids = [u.user_id for u in users]

    # WHEN a Long signal closes a candle: one message per automating user, run by the worker
    assert container.auto_trader.fan_out(_signal(C1)) == 3
    messages = received(settings)
    assert run_worker(settings, messages, lambda_context) == []

    # THEN two filled trades and one paused decision
    decisions = {d.user_id: d for uid in trader_ids for d in container.decision_store.page(uid).decisions}
    assert {uid: (d.outcome.value, d.reason) for uid, d in decisions.items()} == {
        trader_ids[0]: ("traded", None), trader_ids[1]: ("traded", None), trader_ids[2]: ("skipped", "paused"),
    }  # fmt: skip
    for uid in trader_ids[:2]:
        trade = container.trade_store.get(uid, decisions[uid].trade_id or "")
        assert trade is not None
        assert trade.status.value == "filled"
        assert [o["side"] for o in _orders(sim_server, container, uid)] == ["BUY"]

    # WHEN the same messages come again (a worker that died before deleting them)
    assert run_worker(settings, messages, lambda_context) == []
    # THEN no second order on the exchange
    for uid in trader_ids[:2]:
        assert len(_orders(sim_server, container, uid)) == 1

    # WHEN an admin halts trading and the next candle closes
    container.trading_switch.set_halted(True, by="admin-test", reason="test")
    assert container.auto_trader.fan_out(_signal(C1 + HOUR_MS)) == 3
    assert run_worker(settings, received(settings), lambda_context) == []
    # THEN every decision of that candle is skipped for the kill switch, and nothing more is ordered
    for uid in trader_ids:
        newest = container.decision_store.page(uid, limit=1).decisions[0]
        assert (newest.candle_time, newest.outcome.value, newest.reason) == (C1 + HOUR_MS, "skipped", "kill_switch")
    for uid in trader_ids[:2]:
        assert len(_orders(sim_server, container, uid)) == 1

    # AND each user sees only their own decisions, newest first, through GET /api/bot/decisions
    for user in users:
        status, body = api.call("trade_bot_decisions", container.token_service.issue(user))
        assert status == 200
        assert next((d["candle_time"], d["reason"]) for d in body["decisions"]) == (C1 + HOUR_MS, "kill_switch")
        assert len(body["decisions"]) == 2
        assert {d["id"] for d in body["decisions"]} <= {
            d.id for d in container.decision_store.page(user.user_id).decisions
        }
    token = container.token_service.issue(users[0])
    status, first = api.call("trade_bot_decisions", token, query="limit=1")
    assert (status, [d["candle_time"] for d in first["decisions"]]) == (200, [C1 + HOUR_MS])
    status, second = api.call("trade_bot_decisions", token, query=f"limit=1&cursor={first['next_cursor']}")
    assert (status, [d["candle_time"] for d in second["decisions"]], second["next_cursor"]) == (200, [C1], None)
    assert second["decisions"][0]["trade_id"] == decisions[trader_ids[0]].trade_id
    assert api.call("trade_bot_decisions", token, query="cursor=not-one-of-ours")[0] == 422
    status, body = api.call("trade_bot_decisions", container.token_service.issue(viewer))
    assert (status, body["decisions"]) == (200, [])
    assert api.call("trade_bot_decisions", None)[0] == 401
