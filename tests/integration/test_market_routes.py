"""Market data, signal history and "analyze now" through the trade function's real handler, on
SecantusDB, moto (the ServiceStateTable) and the simulator over sockets, with the real AI app over
HTTP (tests.support.market_world)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.market_world import MarketWorld, market_world
from tests.support.servers import MongoServer, free_port
from tradecore.bootstrap import bootstrap
from tradecore.domain.analysis_record import AnalysisRecord
from tradecore.domain.signals import Signal, Source


@pytest.fixture(scope="module")
def world(mongo_server: MongoServer, moto_server: str, sim_server: SimServer) -> Iterator[MarketWorld]:
    with market_world(mongo_server, moto_server, sim_server) as built:
        yield built


def _simulator_klines(sim: SimServer, symbol: str, interval: str, limit: int) -> list[list[object]]:
    from binance.client import Client

    client = Client("", "", ping=False)
    client.API_URL = sim.url + "/api"
    rows: list[list[object]] = client.get_klines(symbol=symbol, interval=interval, limit=limit)
    return rows


def test_candles_equal_the_simulators_klines_and_repeat_from_the_cache(world: MarketWorld) -> None:
    answer = world.call("trade_candles", "viewer", query="symbol=SOLUSDT&interval=4h&limit=120")
    assert answer.status == 200, answer.body
    expected = _simulator_klines(world.sim, "SOLUSDT", "4h", 120)
    got = answer.body["candles"]
    assert len(got) == 120
    assert [[c["open_time"], *(Decimal(c[f]) for f in ("open", "high", "low", "close", "volume")), c["close_time"]]
            for c in got] == [[r[0], *(Decimal(str(v)) for v in r[1:6]), r[6]] for r in expected]  # fmt: skip
    calls = world.exchange.calls.get("get_klines", 0)
    again = world.call("trade_candles", "trader", query="symbol=SOLUSDT&interval=4h&limit=120")
    assert (again.status, again.body) == (200, answer.body)
    assert world.exchange.calls.get("get_klines", 0) == calls  # within 30 s: the shared cache answered
    world.call("trade_candles", "trader", query="symbol=SOLUSDT&interval=4h&limit=121")
    assert world.exchange.calls["get_klines"] == calls + 1  # another request, its own entry


def test_candles_end_time_and_bad_queries(world: MarketWorld) -> None:
    latest = world.call("trade_candles", "viewer", query="symbol=BTCUSDT&interval=1h&limit=5").body["candles"]
    end = latest[1]["open_time"]
    older = world.call("trade_candles", "viewer", query=f"symbol=BTCUSDT&interval=1h&limit=3&end_time={end}")
    assert [c["open_time"] for c in older.body["candles"]][-1] == end
    for query, field in [("symbol=DOGEUSDT&interval=1h", "symbol"), ("symbol=BTCUSDT&interval=7m", "interval"),
                         ("symbol=BTCUSDT&interval=1h&limit=1001", "limit"), ("interval=1h", "symbol")]:  # fmt: skip
        refused = world.call("trade_candles", "viewer", query=query)
        assert refused.status == 422, query
        assert field in refused.body["error"]["message"]


def test_prices_are_the_simulators_as_decimal_strings(world: MarketWorld) -> None:
    world.sim.set_price("BNBUSDT", "612.34")
    answer = world.call("trade_prices", "viewer", query="symbols=BNBUSDT")
    assert answer.status == 200, answer.body
    assert answer.body == {"prices": {"BNBUSDT": "612.34000000"}}
    everything = world.call("trade_prices", "viewer", query="")
    assert set(everything.body["prices"]) == {"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"}
    assert world.call("trade_prices", "viewer", query="symbols=BNBUSDT,DOGEUSDT").status == 422


def _analysis(analysis_id: str, at: datetime, symbol: str = "ETHUSDT", timeframe: str = "1h") -> AnalysisRecord:
    return AnalysisRecord(
        analysis_id=analysis_id, symbol=symbol, timeframe=timeframe, timeframes=(timeframe,),
        candle_time=int(at.timestamp() * 1000) // 3_600_000 * 3_600_000, signal=Signal.SHORT, confidence=0.6,
        reasoning="lower lows", source=Source.TECHNICAL, model_version="technical-v1", processing_time_ms=1.0,
        tokens=None, indicators={}, timestamp=at, trace_id=None,
    )  # fmt: skip


def test_signal_history_pages_newest_first_without_repeats_or_gaps(world: MarketWorld) -> None:
    # GIVEN seven ETH 1h analyses, two of them stored at the same millisecond, and others around them
    at = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    mine = [_analysis(f"h-{n}", at + timedelta(minutes=n)) for n in range(6)]
    mine.append(_analysis("h-5b", at + timedelta(minutes=5)))
    world.container.analysis_store.save_many([*mine, _analysis("x-4h", at, timeframe="4h"),
                                              _analysis("x-btc", at, symbol="BTCUSDT")])  # fmt: skip
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        query = "symbol=ETHUSDT&timeframe=1h&limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = world.call("trade_signals", "viewer", query=query)
        assert page.status == 200, page.body
        seen += [s["analysis_id"] for s in page.body["signals"]]
        cursor = page.body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["h-5b", "h-5", "h-4", "h-3", "h-2", "h-1", "h-0"]
    since = (at + timedelta(minutes=4)).isoformat().replace("+00:00", "Z")
    recent = world.call("trade_signals", "viewer", query=f"symbol=ETHUSDT&timeframe=1h&since={since}")
    assert [s["analysis_id"] for s in recent.body["signals"]] == ["h-5b", "h-5", "h-4"]
    assert recent.body["signals"][0]["signal"] == "Short"
    bad = world.call("trade_signals", "viewer", query="cursor=not-a-cursor")
    assert (bad.status, "cursor" in bad.body["error"]["message"]) == (422, True)


def test_analyze_now_is_stored_then_answered_from_the_cache(world: MarketWorld) -> None:
    trader = world.new_trader()
    first = world.call("trade_ai_analyze", trader, body={"symbol": "BNBUSDT", "timeframe": "1h", "timeframes": ["4h"]})
    assert first.status == 200, first.body
    assert (first.body["origin"], first.body["degraded"]) == ("ai_service", False)
    analysis = first.body["analysis"]
    assert (analysis["symbol"], analysis["timeframe"]) == ("BNBUSDT", "1h")
    assert analysis["signal"] in ("Long", "Short", "Neutral")
    assert analysis["analysis_id"]
    history = world.call("trade_signals", "viewer", query="symbol=BNBUSDT&timeframe=1h")
    assert analysis["analysis_id"] in [s["analysis_id"] for s in history.body["signals"]]
    again = world.call("trade_ai_analyze", world.new_trader(), body={"symbol": "BNBUSDT", "timeframe": "1h",
                                                                     "timeframes": ["4h"]})  # fmt: skip
    assert (again.status, again.body["origin"], again.body["analysis"]) == (200, "cache", analysis)


def test_analyze_now_the_11th_request_in_a_minute_is_429_with_retry_after(world: MarketWorld) -> None:
    trader = world.new_trader()
    started = time.time()
    for _ in range(10):
        assert world.call("trade_ai_analyze", trader, body={"symbol": "ETHUSDT", "timeframe": "15m"}).status == 200
    refused = world.call("trade_ai_analyze", trader, body={"symbol": "ETHUSDT", "timeframe": "15m"})
    assert refused.status == 429, refused.body
    assert refused.body["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60 - int(time.time() - started) + 1
    another = world.call("trade_ai_analyze", world.new_trader(), body={"symbol": "ETHUSDT", "timeframe": "15m"})
    assert another.status == 200  # a window per user


def test_analyze_now_with_the_ai_service_down_answers_technical_analysis(world: MarketWorld) -> None:
    # GIVEN the AI service's address answers nothing (a client as the container builds it, pointed there)
    container = world.container
    unreachable = container.settings.model_copy(update={"ai_service_url": f"http://127.0.0.1:{free_port()}"})
    saved = {name: container.__dict__.pop(name, None) for name in ("analysis_client", "analyze_now")}
    container.__dict__["analysis_client"] = bootstrap(unreachable).analysis_client
    try:
        answer = world.call("trade_ai_analyze", world.new_trader(), body={"symbol": "SOLUSDT", "timeframe": "1d"})
    finally:
        for name, value in saved.items():
            container.__dict__.pop(name, None)
            if value is not None:
                container.__dict__[name] = value
    assert answer.status == 200, answer.body
    assert (answer.body["origin"], answer.body["degraded"]) == ("local_technical", True)
    assert (answer.body["analysis"]["source"], answer.body["analysis"]["analysis_id"]) == ("technical", None)
    assert answer.body["reason"].startswith("AI service unreachable")
