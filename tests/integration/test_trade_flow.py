"""The trade flow end to end through the trade function's real handler: SecantusDB, moto (KMS, the
ServiceStateTable, the IdempotencyTable, the TradeOutbox), the simulator over sockets with the real
python-binance client, and the real AI app over HTTP."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.accounts_world import trade_container
from tests.support.auth import DEFAULT_PASSWORD, add_user, api_event
from tests.support.messages import RecordingPublisher
from tests.support.servers import free_port
from tests.support.trading_world import TradeApi, outbox_records, trading_container, trading_settings
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.risk import RiskLimits
from tradecore.domain.users import Role
from tradecore.errors import DependencyUnavailableError

D = Decimal


@pytest.fixture
def settings(
    mongo_settings: Settings, moto_server: str, sim_server: SimServer, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    return trading_settings(mongo_settings, moto_server, sim_server.url, monkeypatch)


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    with trading_container(settings) as c:
        yield c


@pytest.fixture
def api(load_event: Callable[[str], dict[str, Any]], lambda_context: Any) -> TradeApi:
    return TradeApi(load_event, lambda_context)


class _Limits:
    """The user's own risk limits (their bot settings), with one or two changed from generous ones."""

    def __init__(self, **changes: Any) -> None:
        values: dict[str, Any] = {"max_trade_usdt": D("5000"), "max_position_usdt": D("20000"), "max_open_positions": 5,
                                  "daily_loss_limit_usdt": D("1000"), "min_ai_confidence": 0.7}  # fmt: skip
        self._limits = RiskLimits(**{**values, **changes})

    def limits(self, user_id: str) -> RiskLimits:
        return self._limits


def _trader(container: Container) -> tuple[str, str]:
    user = add_user(container, Role.TRADER)
    return user.user_id, container.token_service.issue(user)


def _exchange_orders(container: Container, sim_server: SimServer, user_id: str, symbol: str = "BTCUSDT") -> list[Any]:
    """Every order of the user's own paper account, read with python-binance and their own key."""
    from binance.client import Client

    connection = container.connection_store.get(user_id)
    assert connection is not None
    secret = container.secret_cipher.decrypt(connection.secret_ciphertext, user_id=user_id)
    client = Client(connection.api_key, secret, ping=False)
    client.API_URL = sim_server.url + "/api"
    orders: list[Any] = client.get_all_orders(symbol=symbol)
    return orders


class FailingAfter:
    """The real trade store, until ``saves`` saves have succeeded; then MongoDB is down."""

    def __init__(self, store: Any, saves: int) -> None:
        self._store, self._left = store, saves

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if self._left <= 0:
                raise DependencyUnavailableError("mongodb is unavailable", dependency="mongodb")
            if name == "save":
                self._left -= 1
            return attribute(*args, **kwargs)

        return call


BUY_100 = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quote_amount": "100"}


def test_trade_flow_login_analysis_execute_fill_position_account_and_messages(
    container: Container, api: TradeApi, sim_server: SimServer, load_event: Callable[[str], dict[str, Any]],
    lambda_context: Any,
) -> None:  # fmt: skip
    from auth import app as auth_app

    # GIVEN a trader who logs in through the auth function, and BTC at 50,000 on the simulator
    sim_server.set_price("BTCUSDT", "50000")
    user = add_user(container, Role.TRADER, email="flow@example.com")
    auth_app.app.state.container = container
    try:
        login = auth_app.handler(
            api_event(load_event("auth_login"), body={"email": "flow@example.com", "password": DEFAULT_PASSWORD}),
            lambda_context,
        )
    finally:
        auth_app.app.state.container = None
    token = json.loads(login["body"])["access_token"]
    messages: RecordingPublisher = container.user_notifier  # type: ignore[assignment]

    # WHEN they buy 0.002 BTC with a stop and a target
    container.__dict__["risk_settings"] = _Limits(min_ai_confidence=0.0)
    status, body = api.execute(
        token, {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.002",
                "stop_loss": "45000", "take_profit": "60000"},
    )  # fmt: skip

    # THEN it is filled and protected by an OCO on the exchange
    assert status == 200, body
    trade = body["trade"]
    assert (trade["status"], trade["executed_quantity"], body["mode"]) == ("filled", "0.002", "paper")
    assert (trade["protection"]["status"], body["degraded"]) == ("active", False)
    assert trade["protection"]["order_list_id"] is not None
    # AND the fill is stored, the position built from it, and the exchange holds exactly that order
    stored = container.trade_store.get(user.user_id, trade["id"])
    assert stored is not None
    assert stored.executed_quantity == D("0.002")
    status, positions = api.call("trade_positions", token)
    assert status == 200
    [btc] = positions["positions"]
    assert (btc["symbol"], D(btc["quantity"])) == ("BTCUSDT", D("0.002") - sum(D(f["amount"]) for f in trade["fees"]
                                                                              if f["asset"] == "BTC"))  # fmt: skip
    assert D(btc["average_entry"]) > 0
    market_orders = [o for o in _exchange_orders(container, sim_server, user.user_id) if o["type"] == "MARKET"]
    assert [o["clientOrderId"] for o in market_orders] == [trade["client_order_id"]]
    # AND the account view was dropped, so the next read comes from the exchange with the BTC in it
    status, account = api.call("trade_account", token)
    assert (status, account["source"]) == (200, "exchange")
    assert any(row["asset"] == "BTC" for row in account["balances"])
    # AND the user's channels heard it
    kinds = [(uid, kind.value) for uid, kind, _ in messages.notifications]
    assert (user.user_id, "trade_executed") in kinds
    assert (user.user_id, "account_update") in kinds

    # WHEN they ask the AI service (over HTTP) and trade in the direction it gives, with use_ai
    candles = container.exchange.get_klines("BTCUSDT", "1h", limit=200)
    advice = container.signal_resolver.resolve("BTCUSDT", "1h", candles, time.monotonic() + 5)
    assert advice.summary.origin == "ai_service"
    side = "BUY" if advice.summary.signal == "Long" else "SELL"
    status, assisted = api.execute(
        token, {"symbol": "BTCUSDT", "side": side, "type": "MARKET", "quantity": "0.001", "use_ai": True}
    )
    # THEN it executes with the AI service's signal; a SELL first cancelled the OCO holding the coins
    assert status == 200, assisted
    assert (assisted["signal"]["origin"], assisted["degraded"]) == ("ai_service", False)
    if side == "SELL":
        first = container.trade_store.get(user.user_id, trade["id"])
        assert first is not None
        assert first.protection is not None
        assert first.protection.status.value == "canceled"
    # AND the public signals channel heard a trade_signal with no user data
    [(channel, kind, data)] = messages.messages
    assert (channel, kind.value, data["symbol"], data["action"]) == ("signals", "trade_signal", "BTCUSDT", side)
    assert user.user_id not in json.dumps(data)


def test_trade_flow_fifty_concurrent_requests_with_one_key_place_one_order(
    container: Container, api: TradeApi, sim_server: SimServer
) -> None:
    sim_server.set_price("BTCUSDT", "50000")
    user_id, token = _trader(container)
    api.call("trade_account", token)  # opens the paper account before the race
    key = uuid.uuid4().hex

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda _: api.execute(token, BUY_100, key=key), range(50)))

    statuses = sorted({status for status, _ in answers})
    assert set(statuses) <= {200, 409}, answers
    filled = {body["trade"]["id"] for status, body in answers if status == 200}
    assert len(filled) == 1
    assert len(_exchange_orders(container, sim_server, user_id)) == 1
    # AND the same key later replays the first answer; the same key with another body is refused
    status, again = api.execute(token, BUY_100, key=key)
    assert (status, again["trade"]["id"]) == (200, filled.pop())
    status, reused = api.execute(token, {**BUY_100, "quote_amount": "200"}, key=key)
    assert (status, reused["error"]["code"]) == (422, "idempotency_key_reused")
    assert len(_exchange_orders(container, sim_server, user_id)) == 1


def test_trade_flow_ai_unreachable_falls_back_to_technical_and_says_so(
    settings: Settings, api: TradeApi, sim_server: SimServer
) -> None:
    sim_server.set_price("BTCUSDT", "50000")
    dead = settings.model_copy(update={"ai_service_url": f"http://127.0.0.1:{free_port()}",
                                       "ai_retry_delays_seconds": [0.05, 0.1]})  # fmt: skip
    with trade_container(dead) as container:
        container.__dict__["risk_settings"] = _Limits(min_ai_confidence=0.0)
        user_id, token = _trader(container)
        assert api.execute(token, BUY_100)[0] == 200  # coins to sell, whichever way the signal points
        candles = container.exchange.get_klines("BTCUSDT", "1h", limit=200)
        fallback = container.signal_resolver.resolve("BTCUSDT", "1h", candles, time.monotonic() + 2)
        side = "BUY" if fallback.summary.signal == "Long" else "SELL"
        order = {"symbol": "BTCUSDT", "side": side, "type": "MARKET", "quantity": "0.0005", "use_ai": True}
        status, body = api.execute(token, order)
        assert status == 200, body
        assert body["signal"]["origin"] in ("stored_signal", "local_technical")
        assert body["degraded"] is True
        assert "AI service" in body["signal"]["reason"]
        # AND with a minimum confidence no fallback can meet, the trade is refused and nothing is sent
        container.__dict__["risk_settings"] = _Limits(min_ai_confidence=1.0)
        container.__dict__.pop("trade_executor")  # rebuilt on the new limits
        status, refused = api.execute(token, order)
        assert (status, refused["error"]["code"]) == (422, "ai_signal_refused")
        assert len(_exchange_orders(container, sim_server, user_id)) == 2


@pytest.mark.parametrize("fault", ["dropped_response", "invisible_and_dropped"])
def test_trade_flow_lost_answers_never_place_a_second_order(
    settings: Settings, api: TradeApi, sim_server: SimServer, fault: str
) -> None:
    sim_server.set_price("BTCUSDT", "50000")
    quick = settings.model_copy(update={"binance_order_lookup_deadline_seconds": 0.6})
    with trade_container(quick) as container:
        user_id, token = _trader(container)
        api.call("trade_account", token)
        faults = {"drop_response_after_place": 1}
        if fault == "invisible_and_dropped":
            faults["hide_new_orders_ms"] = 1500
        sim_server.admin("POST", "/sim/faults", faults)
        key = uuid.uuid4().hex
        status, body = api.execute(token, BUY_100, key=key)
        sim_server.admin("POST", "/sim/faults", {"hide_new_orders_ms": 0})
        if fault == "dropped_response":  # looked up, found: filled, recorded
            assert (status, body["trade"]["status"]) == (200, "filled")
        else:  # not found before the deadline: unknown, recorded, for reconciliation
            assert (status, body["trade"]["status"]) == (202, "unknown")
        stored = container.trade_store.by_client_order_id(user_id, body["trade"]["client_order_id"])
        assert stored is not None
        assert stored.status.value == body["trade"]["status"]
        # WHEN the client retries with the same key THEN the first answer comes back, no new order
        time.sleep(1.6)  # the order is visible to queries again
        status, again = api.execute(token, BUY_100, key=key)
        assert again["trade"]["id"] == body["trade"]["id"]
        assert len(_exchange_orders(container, sim_server, user_id)) == 1


@pytest.mark.parametrize("saves_before_outage", [0, 1])
def test_trade_flow_mongodb_down_before_or_after_placing_records_to_the_outbox(
    container: Container, api: TradeApi, sim_server: SimServer, settings: Settings, saves_before_outage: int
) -> None:
    sim_server.set_price("BTCUSDT", "50000")
    user_id, token = _trader(container)
    api.call("trade_account", token)
    real_store = container.trade_store
    container.__dict__["trade_store"] = FailingAfter(real_store, saves_before_outage)
    container.__dict__.pop("order_desk", None)
    container.__dict__.pop("trade_executor", None)

    status, body = api.execute(token, BUY_100)

    assert (status, body["trade"]["status"], body["degraded"]) == (200, "filled", True)
    queued = [r for r in outbox_records(settings) if r.client_order_id == body["trade"]["client_order_id"]]
    assert queued
    assert max(r.version for r in queued) >= 2
    assert queued[-1].status.value == "filled" or any(r.status.value == "filled" for r in queued)
    assert len(_exchange_orders(container, sim_server, user_id)) == 1
    if saves_before_outage:  # the pending record made it to MongoDB before the outage
        assert real_store.by_client_order_id(user_id, body["trade"]["client_order_id"]) is not None


def test_trade_flow_exchange_refusals_before_sending_store_nothing(
    container: Container, api: TradeApi, sim_server: SimServer
) -> None:
    sim_server.set_price("BTCUSDT", "50000")
    user_id, token = _trader(container)
    cases = [
        ({**BUY_100, "symbol": "DOGEUSDT"}, 422, "validation_error"),
        ({**BUY_100, "side": "HOLD"}, 422, "validation_error"),
        ({**BUY_100, "quote_amount": "1"}, 422, "validation_error"),  # below min notional
        ({**BUY_100, "quote_amount": "1000000"}, 422, "risk_limit_exceeded"),
        ({"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.01"}, 422, "insufficient_funds"),
        ({**BUY_100, "type": "LIMIT"}, 422, "validation_error"),  # no price
        ({**BUY_100, "quote_amount": "NaN"}, 422, "validation_error"),
    ]
    container.__dict__["risk_settings"] = _Limits(max_trade_usdt=D("2000"))
    api.call("trade_account", token)
    for body, status_expected, code in cases:
        status, answer = api.execute(token, body)
        assert (status, answer["error"]["code"]) == (status_expected, code), (body, answer)
    container.trading_switch.set_halted(True, by="admin-1", reason="test")
    status, halted = api.execute(token, BUY_100)
    assert (status, halted["error"]["code"]) == (403, "trading_halted")
    container.trading_switch.set_halted(False, by="admin-1")
    status, page = api.call("trade_list", token)
    assert (status, page["trades"]) == (200, [])
    assert _exchange_orders(container, sim_server, user_id) == []
