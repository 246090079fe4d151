"""``MongoAnalysisStore.latest`` on SecantusDB: the newest stored analysis of a symbol and timeframe,
whatever its candle, and only one stored at or after ``not_before`` (the trade flow's fallback)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.servers import free_port
from tradecore.adapters.mongo.analysis_store import MongoAnalysisStore
from tradecore.adapters.mongo.gateway import MongoGateway
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.analysis_record import AnalysisRecord
from tradecore.domain.signals import Signal, Source
from tradecore.errors import DependencyUnavailableError

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def _record(analysis_id: str, age_minutes: int, symbol: str = "BTCUSDT", timeframe: str = "1h") -> AnalysisRecord:
    return AnalysisRecord(
        analysis_id=analysis_id,
        symbol=symbol,
        timeframe=timeframe,
        timeframes=(timeframe,),
        candle_time=1_793_000_000_000 - age_minutes * 60_000,  # each its own candle
        signal=Signal.LONG,
        confidence=0.8,
        reasoning="trend up",
        source=Source.TECHNICAL,
        model_version="technical-v1",
        processing_time_ms=1.5,
        tokens=None,
        indicators={},
        timestamp=NOW - timedelta(minutes=age_minutes),
        trace_id=None,
        input_digest=f"digest-{analysis_id}",
    )


@pytest.fixture
def store(mongo_settings: Settings) -> MongoAnalysisStore:
    container = bootstrap(mongo_settings)
    container.migrate()
    return MongoAnalysisStore(container.mongo)


def test_latest_is_the_newest_analysis_of_the_symbol_and_timeframe(store: MongoAnalysisStore) -> None:
    store.save_many(
        [
            _record("old", 12),
            _record("new", 3),
            _record("older", 14),
            _record("other-symbol", 1, symbol="ETHUSDT"),
            _record("other-timeframe", 1, timeframe="4h"),
        ]
    )

    latest = store.latest("BTCUSDT", "1h", NOW - timedelta(minutes=15))

    assert latest is not None
    assert latest.analysis_id == "new"
    assert latest == _record("new", 3)


def test_latest_ignores_analyses_stored_before_not_before(store: MongoAnalysisStore) -> None:
    store.save(_record("stale", 16))
    store.save(_record("edge", 15))

    latest = store.latest("BTCUSDT", "1h", NOW - timedelta(minutes=15))  # inclusive
    assert latest is not None
    assert latest.analysis_id == "edge"
    assert store.latest("BTCUSDT", "1h", NOW - timedelta(minutes=14)) is None
    assert store.latest("SOLUSDT", "1h", NOW - timedelta(days=1)) is None


def test_latest_is_unavailable_when_mongodb_is_down(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(mongodb_uri=f"mongodb://127.0.0.1:{free_port()}", mongodb_server_selection_timeout_ms=200)
    with pytest.raises(DependencyUnavailableError):
        MongoAnalysisStore(MongoGateway(settings)).latest("BTCUSDT", "1h", NOW)
