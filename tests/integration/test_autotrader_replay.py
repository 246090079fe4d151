"""The AutoTrader driven by the simulator's replay mode, end to end (issue 13).

A scripted 1h kline file (flat history, then rise, fall, rise, fall, rise, rise) is replayed by the
exchange simulator in manual-market mode. Candle by candle the test moves market time one hour,
reads the closed candle through the exchange adapter, asks the real AI app over HTTP (its LLM is
FakeOpenAI, scripted Long / Short per candle, so every signal has source ``llm``), fans the signal
out and runs the real worker on the SQS messages moto delivers, each batch twice (a redelivery).
Orders are counted on the simulator with each user's own python-binance client; decisions are read
through GET /api/bot/decisions.

Two clocks, both injected: the AI app's follows market time (its candle is the newest one closed by
its clock); the trade container's starts at a fixed mid-morning instant and moves an hour per
candle, so "today's realized loss" never depends on the day or hour the test runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from ai import app as ai_app
from tests.support.asgi_server import AsgiServer
from tests.support.auth import FakeClock, add_user
from tests.support.autotrade_world import (
    autotrade_container,
    exchange_orders,
    received,
    run_worker,
    with_autotrade_queue,
)
from tests.support.fake_openai import FakeOpenAI
from tests.support.replay_market import HOUR_MS, ReplayMarket, replay_simulator, write_hourly_klines
from tests.support.trading_world import TradeApi, trading_settings
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.automation import CandleSignal
from tradecore.domain.users import Role

D = Decimal
HISTORY = 260  # closed candles before the script: more than the analysis needs (MIN_CANDLES)
# the played candles: the close the file replays and the signal the fake LLM gives when it closes
SCRIPT = [("55000", "Long"), ("49500", "Short"), ("54500", "Long"), ("49000", "Short"), ("54000", "Long"),
          ("56000", "Long")]  # fmt: skip
AMOUNT = D("200")
DAILY_LOSS_LIMIT = D("30")  # one losing round trip (~20 USDT) stays under it, two (~40 USDT) pass it
MORNING = 1_795_597_200.0  # 2026-11-25T09:00:00Z: the trade container's clock starts here


def _closes() -> list[Decimal]:
    """Flat-ish history around 50,000, the candle in progress at start (flat), the script, then a
    flat tail; twice ``HISTORY`` rows, so the simulator's split puts ``HISTORY`` of them before now."""
    history = [D(50000 + (i % 7 - 3) * 15) for i in range(HISTORY - 1)] + [D("50000")]
    played = [D("50000")] + [D(close) for close, _ in SCRIPT]
    return history + played + [D(SCRIPT[-1][0])] * (HISTORY - len(played))


@dataclass
class ReplayWorld:
    market: ReplayMarket
    settings: Settings
    container: Container
    llm: FakeOpenAI
    ai_clock: FakeClock
    trade_clock: FakeClock
    context: Any

    def close_candle(self, signal: str) -> CandleSignal:
        """Move market time to the next hour (the candle closes), have the AI app analyse the closed
        candles with the LLM saying ``signal``: the candle's signal as the stream task would build it."""
        boundary = self.market.advance(HOUR_MS)
        self.ai_clock.now = boundary / 1000
        self.trade_clock.advance(3600)
        klines = self.container.exchange.get_klines("BTCUSDT", "1h", limit=301)
        closed = [k for k in klines if k.close_time < boundary]
        self.llm.signal = signal
        answer = self.container.analysis_client.analysis("BTCUSDT", "1h", closed, time.monotonic() + 15)
        candle = closed[-1]
        assert (answer.candle_time, answer.signal.value, answer.source.value) == (candle.open_time, signal, "llm")
        return CandleSignal("BTCUSDT", "1h", candle.open_time, answer.signal.value, answer.confidence,
                            answer.source.value, candle.close, answer.analysis_id)  # fmt: skip

    def automate(self, signal: CandleSignal) -> None:
        """Fan the signal out and run the worker on its messages, then on the same messages again."""
        assert self.container.auto_trader.fan_out(signal) == 4
        messages = received(self.settings)
        assert len(messages) == 4
        assert run_worker(self.settings, messages, self.context) == []
        assert run_worker(self.settings, messages, self.context) == []  # redelivered: decided already

    def orders(self, user_id: str) -> list[dict[str, Any]]:
        return exchange_orders(self.market.url, self.container, user_id)


@contextmanager
def _ai_service(settings: Settings, clock: FakeClock) -> Iterator[str]:
    """The real AI app on 127.0.0.1 with the given clock (market time); yields its URL."""
    container = bootstrap(settings, clock=clock)
    ai_app.app.state.container = container
    try:
        with AsgiServer(ai_app.app) as server:
            yield server.base_url
    finally:
        container.analysis_service.pending.close()
        ai_app.app.state.container = None


@pytest.fixture
def world(
    mongo_settings: Settings, moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lambda_context: Any
) -> Iterator[ReplayWorld]:
    klines = write_hourly_klines(tmp_path / "BTCUSDT-1h.csv", _closes())
    llm = FakeOpenAI().start()
    ai_clock, trade_clock = FakeClock(), FakeClock(MORNING)
    try:
        with replay_simulator(klines) as market:
            settings = with_autotrade_queue(trading_settings(mongo_settings, moto_server, market.url, monkeypatch))
            ai_settings = settings.model_copy(
                update={"openai_api_key": SecretStr("sk-test-fake-openai-key-000000"), "openai_base_url": llm.base_url}
            )
            ai_clock.now = market.market_time_ms() / 1000
            with _ai_service(ai_settings, ai_clock) as ai_url:
                settings = settings.model_copy(update={"ai_service_url": ai_url})
                with autotrade_container(settings, clock=trade_clock) as container:
                    yield ReplayWorld(market, settings, container, llm, ai_clock, trade_clock, lambda_context)
    finally:
        llm.close()


@pytest.fixture
def api(load_event: Callable[[str], dict[str, Any]], lambda_context: Any) -> TradeApi:
    return TradeApi(load_event, lambda_context)


def _average_price(order: dict[str, Any]) -> Decimal:
    return D(order["cummulativeQuoteQty"]) / D(order["executedQty"])


def _seen(api: TradeApi, container: Container, user_id: str) -> list[tuple[int, str, str | None, str | None]]:
    """What GET /api/bot/decisions shows the user: (candle, outcome, reason, code), newest first."""
    user = container.user_store.get(user_id)
    assert user is not None
    status, body = api.call("trade_bot_decisions", container.token_service.issue(user))
    assert status == 200
    assert all(d["message"] for d in body["decisions"])  # every decision says why, in words
    own = {d.id for d in container.decision_store.page(user_id).decisions}
    assert {d["id"] for d in body["decisions"]} == own  # their own decisions, all of them
    return [(d["candle_time"], d["outcome"], d["reason"], d["code"]) for d in body["decisions"]]


def test_autotrader_replay_trades_each_candle_once_within_limits_and_stops_on_the_kill_switch(
    world: ReplayWorld, api: TradeApi
) -> None:
    # GIVEN two traders automating BTCUSDT 1h through PUT /api/bot/settings, a third who paused,
    # and a fourth who set automation up and was then demoted to viewer
    c = world.container
    users = [add_user(c, Role.TRADER) for _ in range(4)]
    tokens = [c.token_service.issue(user) for user in users]
    body = {"automated_trading": True, "symbols": ["BTCUSDT"], "timeframe": "1h", "min_confidence": 0.7,
            "amount_per_trade_usdt": str(AMOUNT), "daily_loss_limit_usdt": str(DAILY_LOSS_LIMIT),
            "cooldown_seconds": 0, "stop_loss_pct": None, "take_profit_pct": None}  # fmt: skip
    for index, token in enumerate(tokens):
        assert api.call("trade_bot_settings_put", token, body={**body, "paused": index == 2})[0] == 200
    demoted = users[3]
    demotion = {"role": Role.VIEWER, "updated_at": demoted.updated_at + timedelta(seconds=1)}
    c.user_store.update(demoted.user_id, demotion, expected_updated_at=demoted.updated_at)
    traders, paused = [u.user_id for u in users[:2]], users[2].user_id
    world.market.to_next_candle()  # the candle in progress when the simulator started closes

    # WHEN the rise, fall, rise and fall candles close (Long, Short, Long, Short)
    candles = []
    for number, (close, signal) in enumerate(SCRIPT[:4], start=1):
        candle = world.close_candle(signal)
        assert candle.price == D(close)
        world.automate(candle)
        candles.append(candle)
        # THEN each trader has exactly one more order on the exchange, even after the redelivery
        for uid in traders:
            assert len(world.orders(uid)) == number

    # THEN the traders bought on the rises and sold their position at the replayed lower closes
    for uid in traders:
        orders = world.orders(uid)
        assert [(o["side"], o["status"]) for o in orders] == [("BUY", "FILLED"), ("SELL", "FILLED")] * 2
        for order, (close, _) in zip(orders, SCRIPT[:4], strict=True):
            assert abs(_average_price(order) / D(close) - 1) < D("0.0002")  # the close, within the spread
        assert D(orders[0]["cummulativeQuoteQty"]) <= AMOUNT
        for decision in c.decision_store.page(uid).decisions:
            trade = c.trade_store.get(uid, decision.trade_id or "")
            assert trade is not None
            assert trade.status.value == "filled"

    # WHEN the next rise closes Long after two losing round trips (about 40 USDT lost today)
    refused = world.close_candle(SCRIPT[4][1])
    world.automate(refused)
    # THEN no trader buys: the daily loss limit refuses it, with the reason
    for uid in traders:
        newest = c.decision_store.page(uid, limit=1).decisions[0]
        assert (newest.candle_time, newest.outcome.value, newest.reason, newest.code) == (
            refused.candle_time, "skipped", "refused", "risk_limit_exceeded")  # fmt: skip
        assert "daily loss limit" in newest.message
        assert len(world.orders(uid)) == 4

    # WHEN an admin halts trading and another Long candle closes
    c.trading_switch.set_halted(True, by="admin-test", reason="replay test")
    halted = world.close_candle(SCRIPT[5][1])
    world.automate(halted)
    # THEN nothing more is ordered, and each user sees their own decisions with the reasons
    for uid in traders:
        assert len(world.orders(uid)) == 4
    times = [candle.candle_time for candle in reversed([*candles, refused, halted])]  # newest first
    trader_view = [(halted.candle_time, "skipped", "kill_switch", None),
                   (refused.candle_time, "skipped", "refused", "risk_limit_exceeded"),
                   *[(t, "traded", None, None) for t in times[2:]]]  # fmt: skip
    assert _seen(api, c, traders[0]) == trader_view
    assert _seen(api, c, traders[1]) == trader_view
    # the kill switch is checked before the pause; the role before both
    assert _seen(api, c, paused) == [(times[0], "skipped", "kill_switch", None)] + [
        (t, "skipped", "paused", None) for t in times[1:]
    ]
    assert _seen(api, c, demoted.user_id) == [(t, "skipped", "role", None) for t in times]
    assert world.llm.calls == len(SCRIPT)
