"""The trade flow (issue 12): the executor's own cost, and a whole trade through the local stack.

* In process: ``TradeExecutor.execute`` from the container, every I/O port an instant in-memory
  fake (bench/trade_fakes.py): the exchange fills at once, the AI signal comes as the AI service
  serves a cached analysis. What remains is the flow itself: key and request checks, filters and
  rounding, risk and balance checks (today's PnL from the user's recorded fills), the idempotency
  record (answer stored and read back as JSON), pending and filled records, the events. A new key
  per call; trades spread over ``USERS`` users so each one's history grows as a trader's would.
  Targets p50 <= 5 ms, p99 <= 15 ms.
* Through the local stack: ``python -m devstack`` (SecantusDB, moto, the simulator, every function
  in its worker) and ``POST /api/trades/execute`` over HTTP from this process: a ``use_ai`` MARKET
  BUY of 12 USDT of BTCUSDT by the demo user. The AI service runs with an OpenAI key pointed at a
  local fake (tests/support/fake_openai.py, Long 0.81), because the technical analysis of the
  simulator's candles says Neutral and would refuse every BUY; the warm-up's first call is the only
  one that reaches it, every measured call is answered from the AI service's analysis cache
  (checked: each response's signal says ``source=cache``). The simulator's request-weight limit is
  lifted (this measures latency, not Binance's rate limit). Target p95 <= 150 ms (the spec: 5 s).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import tempfile
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.result import Result, median, percentile

EXECUTE_CALLS = 2_000
EXECUTE_WARMUP = 200
USERS = 100
FLOW_REQUESTS = 200
FLOW_WARMUP = 20
QUOTE_USDT = "12"
DEMO_LOGIN = {"email": "demo@tradecore.local", "password": "demo-password-123"}  # the stack's printed demo user
_HANDLER = re.compile(r"POST (/api/trades/execute|/ai/analyze) -> 200 \(\w+, [\d.]+ ms, handler ([\d.]+) ms\)")


def _execute_samples(calls: int, warmup: int) -> list[float]:
    """Milliseconds per ``execute`` call, after ``warmup`` calls."""
    from bench.trade_fakes import (
        CachedSignalClient,
        DiscardingOutbox,
        ForgetfulAccountCache,
        InMemoryIdempotencyGuard,
        InMemoryTradeStore,
        InstantExchange,
        NoRiskSettings,
        OneAccountForEveryone,
        OpenSwitch,
    )
    from tests.support.fake_analysis import FakeAnalysisStore
    from tests.support.klines import make_klines
    from tests.support.messages import RecordingPublisher
    from tests.support.trading_fakes import InMemoryPlacementLedger
    from tradecore.bootstrap import bootstrap
    from tradecore.config import load_settings
    from tradecore.domain.orders import Balance, OrderType, Side
    from tradecore.domain.trades import TradeStatus
    from tradecore.domain.users import Principal, Role
    from tradecore.observability import configure_logging
    from tradecore.services.trading.intent import TradeIntent

    exchange = InstantExchange(
        make_klines("up", 200), Decimal("65000"),
        {"USDT": Balance("USDT", Decimal("100000000"), Decimal(0)), "BTC": Balance("BTC", Decimal(0), Decimal(0))},
    )  # fmt: skip
    messages = RecordingPublisher()
    container = bootstrap(
        load_settings(),
        exchange=exchange, connection_service=OneAccountForEveryone(exchange), trade_store=InMemoryTradeStore(),
        trade_outbox=DiscardingOutbox(), idempotency_guard=InMemoryIdempotencyGuard(), risk_settings=NoRiskSettings(),
        trading_switch=OpenSwitch(), signal_client=CachedSignalClient(), analysis_store=FakeAnalysisStore(),
        user_notifier=messages, channel_publisher=messages, account_cache=ForgetfulAccountCache(),
        placement_ledger=InMemoryPlacementLedger(),
    )  # fmt: skip
    configure_logging("WARNING")  # what is measured is the flow, not log lines to stdout
    executor = container.trade_executor
    now = time.time()
    users = [Principal(f"bench-user-{i}", Role.TRADER, f"jti-{i}", now, int(now) + 86_400) for i in range(USERS)]
    intent = TradeIntent("BTCUSDT", Side.BUY, OrderType.MARKET, quote_amount=Decimal(QUOTE_USDT), use_ai=True)
    samples = []
    for index in range(warmup + calls):
        principal, key = users[index % USERS], uuid.uuid4().hex
        started = time.perf_counter()
        outcome = executor.execute(principal, key, intent)
        elapsed = (time.perf_counter() - started) * 1000
        if outcome.trade.status is not TradeStatus.FILLED or outcome.signal is None:
            raise AssertionError(f"expected a filled AI-assisted trade, got {outcome}")
        if index >= warmup:
            samples.append(elapsed)
    return samples


def _flow_samples(requests_count: int, warmup: int) -> tuple[list[float], Counter[str], int, dict[str, float]]:
    """Round-trip milliseconds of ``requests_count`` trades through the local stack, the signal
    sources they reported, the fake OpenAI's calls, and the handlers' own p50 from the stack's log."""
    import requests

    from tests.support.devstack import running_devstack_process
    from tests.support.fake_openai import FakeOpenAI

    openai = FakeOpenAI(signal="Long", confidence=0.81).start()
    try:
        with tempfile.TemporaryDirectory(prefix="trade-bench-") as folder:
            data = Path(folder) / "data"
            data.mkdir()
            # the stack hands every key of its secrets file to the functions (JWT and service token
            # are generated next to these two)
            secrets = {"OPENAI_API_KEY": "sk-bench-local", "OPENAI_BASE_URL": openai.base_url}
            (data / "secrets.json").write_text(json.dumps(secrets))
            with running_devstack_process(data, timeout=120) as devstack:
                session = requests.Session()
                # 220 trades in a minute outrun the simulator's Binance-like weight budget (6,000/min,
                # ~20-40 per trade): latency is measured here, not the rate limit
                sim = f"http://127.0.0.1:{devstack.ports['EXCHANGE_SIM_PORT']}"
                limits = {"request_weight_per_minute": 10_000_000, "orders_per_10s": 100_000, "reset": True}
                session.post(f"{sim}/sim/limits", json=limits, timeout=10).raise_for_status()
                login = session.post(f"{devstack.core_url}/api/auth/login", json=DEMO_LOGIN, timeout=30)
                login.raise_for_status()
                headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
                body: dict[str, Any] = {
                    "symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quote_amount": QUOTE_USDT, "use_ai": True,
                }  # fmt: skip
                samples: list[float] = []
                sources: Counter[str] = Counter()
                for index in range(warmup + requests_count):
                    started = time.perf_counter()
                    response = session.post(
                        f"{devstack.core_url}/api/trades/execute", json=body, timeout=30,
                        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                    )  # fmt: skip
                    elapsed = (time.perf_counter() - started) * 1000
                    answer: dict[str, Any] = response.json()
                    if response.status_code != 200 or answer["trade"]["status"] != "filled":
                        raise AssertionError(f"trade {index} failed: {response.status_code} {answer}")
                    if index >= warmup:
                        samples.append(elapsed)
                        sources[f"{answer['signal']['origin']}/{answer['signal']['source']}"] += 1
                handlers = _handler_p50(devstack.output(), warmup)
    finally:
        openai.close()
    return samples, sources, openai.calls, handlers


def _handler_p50(log: str, skip: int) -> dict[str, float]:
    """The median handler time of each route the stack logged, after the first ``skip`` of each."""
    times: dict[str, list[float]] = {}
    for route, handler_ms in _HANDLER.findall(log):
        times.setdefault(route, []).append(float(handler_ms))
    return {route: statistics.median(values[skip:]) for route, values in times.items() if values[skip:]}


def run() -> list[Result]:
    execute = _execute_samples(EXECUTE_CALLS, EXECUTE_WARMUP)
    in_process = (
        f"TradeExecutor.execute via the container, every port an in-memory fake (exchange fills at once, "
        f"AI signal as from its cache), use_ai MARKET BUY; {EXECUTE_CALLS} calls after {EXECUTE_WARMUP}, "
        f"new key each, {USERS} users (up to {(EXECUTE_CALLS + EXECUTE_WARMUP) // USERS} trades each)"
    )
    flow, sources, openai_calls, handlers = _flow_samples(FLOW_REQUESTS, FLOW_WARMUP)
    seen = ", ".join(f"{count} {name}" for name, count in sources.items())
    through_stack = (
        f"POST /api/trades/execute over HTTP to python -m devstack (gateway, trade worker, SecantusDB, moto, "
        f"simulator), use_ai MARKET BUY {QUOTE_USDT} USDT; {FLOW_REQUESTS} sequential after {FLOW_WARMUP}; "
        f"signals: {seen} (AI service's analysis cache; fake OpenAI called {openai_calls}x, in warm-up)"
    )
    trade_ms, ai_ms = handlers.get("/api/trades/execute"), handlers.get("/ai/analyze")
    inner = f"handler p50 {trade_ms:.1f} ms, of which /ai/analyze p50 {ai_ms:.1f} ms" if trade_ms and ai_ms else ""
    inner += f"; 1-min load average after the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    return [
        Result("trade.execute.in_process.p50", median(execute), "ms", target=5.0, note=in_process),
        Result("trade.execute.in_process.p95", percentile(execute, 95), "ms", note="same run"),
        Result("trade.execute.in_process.p99", percentile(execute, 99), "ms", target=15.0, note="same run"),
        Result("trade.flow.local_stack.p50", median(flow), "ms", note=through_stack),
        Result("trade.flow.local_stack.p95", percentile(flow, 95), "ms", target=150.0, note=f"same run; {inner}"),
        Result("trade.flow.local_stack.p99", percentile(flow, 99), "ms", note="same run"),
    ]
