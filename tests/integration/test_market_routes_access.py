"""GET /api/market/candles, GET /api/market/prices, GET /api/ai/signals and POST /api/ai/analyze x
{anonymous, viewer, trader, admin, another user} through the trade function's real handler
(tests.support.market_world: SecantusDB, moto, the simulator, the real AI app over HTTP).

Market data and the signal history are the platform's, not a user's: every logged-in role reads
them, and another user sees exactly what the trader sees. Asking for an analysis can cost an LLM
call, so it is a trader's action (TradeUser): a viewer gets 403. A refused call answers the error
envelope with the request's X-Request-ID and reaches neither the exchange nor the AI service.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.market_world import Answer, MarketWorld, market_world
from tests.support.servers import MongoServer

CALLERS = [None, "viewer", "trader", "admin", "other"]
IDS = ["anonymous", "viewer", "trader", "admin", "another-user"]
READ = [401, 200, 200, 200, 200]
ERROR_CODES = {401: "unauthorized", 403: "forbidden"}
ROUTES: dict[str, tuple[str | None, dict[str, Any] | None]] = {
    "trade_candles": ("symbol=ETHUSDT&interval=1h&limit=50", None),
    "trade_prices": ("symbols=ETHUSDT,BTCUSDT", None),
    "trade_signals": ("symbol=ETHUSDT&limit=5", None),
    "trade_ai_analyze": (None, {"symbol": "ETHUSDT", "timeframe": "30m"}),
}


@pytest.fixture(scope="module")
def world(mongo_server: MongoServer, moto_server: str, sim_server: SimServer) -> Iterator[MarketWorld]:
    with market_world(mongo_server, moto_server, sim_server) as built:
        yield built


def _stored_analyses(world: MarketWorld) -> int:
    return int(world.container.mongo.db["ai_analysis_results"].count_documents({}))


def _call(world: MarketWorld, sample: str, caller: str | None) -> Answer:
    query, body = ROUTES[sample]
    return world.call(sample, caller, query=query, body=body)


def _check_refusal(world: MarketWorld, sample: str, caller: str | None, status: int) -> None:
    exchange_calls, stored = dict(world.exchange.calls), _stored_analyses(world)
    answer = _call(world, sample, caller)
    assert answer.status == status, answer.body
    error = answer.body["error"]
    assert (error["code"], error["trace_id"]) == (ERROR_CODES[status], answer.request_id)
    assert answer.headers["x-request-id"] == answer.request_id
    assert "Traceback" not in error["message"]
    assert world.exchange.calls == exchange_calls  # nothing reached the exchange
    assert _stored_analyses(world) == stored  # nor the AI service


@pytest.mark.parametrize("sample", ["trade_candles", "trade_prices", "trade_signals"])
@pytest.mark.parametrize(("caller", "status"), list(zip(CALLERS, READ, strict=True)), ids=IDS)
def test_market_data_and_signal_history_are_read_by_every_role(
    world: MarketWorld, sample: str, caller: str | None, status: int
) -> None:
    if status != 200:
        _check_refusal(world, sample, caller, status)
        return
    answer = _call(world, sample, caller)
    assert answer.status == 200, answer.body
    assert answer.body == _call(world, sample, "trader").body  # the same platform data for everyone
    if sample == "trade_candles":
        assert len(answer.body["candles"]) == 50
    if sample == "trade_prices":
        assert set(answer.body["prices"]) == {"ETHUSDT", "BTCUSDT"}


@pytest.mark.parametrize(("caller", "status"), list(zip(CALLERS, [401, 403, 200, 200, 200], strict=True)), ids=IDS)
def test_analyze_now_is_for_traders_and_admins(world: MarketWorld, caller: str | None, status: int) -> None:
    if status != 200:
        _check_refusal(world, "trade_ai_analyze", caller, status)
        return
    answer = _call(world, "trade_ai_analyze", caller)
    assert answer.status == 200, answer.body
    assert answer.body["origin"] in ("ai_service", "cache")
    assert (answer.body["analysis"]["symbol"], answer.body["analysis"]["timeframe"]) == ("ETHUSDT", "30m")
