"""Analyses in MongoDB (SecantusDB over the wire): stored, reused, queued while down, flushed when back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pymongo
import pytest

from ai import app as ai_app
from tests.support.ai_events import analyze_body, analyze_event, invoke
from tests.support.messages import RecordingPublisher
from tests.support.servers import MongoServer
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.analysis_record import AnalysisRecord


@pytest.fixture
def settings(make_settings: Callable[..., Settings], private_mongo_server: MongoServer) -> Settings:
    return make_settings(mongodb_uri=private_mongo_server.uri, mongodb_database="ai_storage")


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    container = bootstrap(settings, channel_publisher=RecordingPublisher())
    container.migrate()
    ai_app.app.state.container = container
    yield container
    container.analysis_service.pending.close()
    ai_app.app.state.container = None


def _collection(server: MongoServer) -> Any:
    client: pymongo.MongoClient = pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000, tz_aware=True)
    return client["ai_storage"]["ai_analysis_results"]


def _analyze(load_event: Any, context: Any, count: int, request_id: str | None = None) -> dict[str, Any]:
    event = analyze_event(load_event("ai_analyze"), analyze_body(count=count), request_id=request_id)
    status, body, _ = invoke(ai_app, event, context)
    assert status == 200, body
    return body


def test_every_analysis_is_stored_with_its_metadata_and_reused(
    container: Container, settings: Settings, private_mongo_server: MongoServer, load_event: Any, lambda_context: Any
) -> None:
    body = _analyze(load_event, lambda_context, 80, request_id="req-store-1")
    doc = _collection(private_mongo_server).find_one({"_id": body["analysis_id"]})
    assert doc is not None
    assert (doc["symbol"], doc["timeframe"], doc["signal"], doc["source"]) == ("BTCUSDT", "1h", "Long", "technical")
    assert doc["confidence"] == body["confidence"]
    assert isinstance(doc["timestamp"], datetime)
    assert doc["metadata"]["model_version"] == "technical-v1"
    assert doc["metadata"]["processing_time_ms"] > 0
    assert doc["trace_id"] == "req-store-1"
    assert doc["indicators"]["1h"]["rsi_14"] == body["indicators"]["1h"]["rsi_14"]
    index_names = {index["name"] for index in _collection(private_mongo_server).list_indexes()}
    assert {"symbol_timestamp", "retention_ttl"} <= index_names

    # a fresh instance (empty memory cache) finds the newest stored analysis of the same candle
    ai_app.app.state.container = bootstrap(settings, channel_publisher=RecordingPublisher())
    again = _analyze(load_event, lambda_context, 80)
    assert (again["source"], again["analysis_id"]) == ("cache", body["analysis_id"])
    assert _collection(private_mongo_server).count_documents({}) == 1


def test_a_stored_analysis_answers_only_the_same_market_state(
    container: Container, settings: Settings, private_mongo_server: MongoServer, load_event: Any, lambda_context: Any
) -> None:
    # GIVEN an uptrend's analysis stored, WHEN a fresh instance is asked about a downtrend with the
    # same open times THEN the stored Long is not reused: the downtrend gets its own analysis
    event = load_event("ai_analyze")
    status, up, _ = invoke(ai_app, analyze_event(event, analyze_body(count=80, kind="up")), lambda_context)
    assert status == 200, up
    ai_app.app.state.container = bootstrap(settings, channel_publisher=RecordingPublisher())
    status, down, _ = invoke(ai_app, analyze_event(event, analyze_body(count=80, kind="down")), lambda_context)
    assert status == 200, down
    assert up["candle_time"] == down["candle_time"]
    assert (up["signal"], down["signal"], down["source"]) == ("Long", "Short", "technical")
    docs = {doc["_id"]: doc for doc in _collection(private_mongo_server).find()}
    assert set(docs) == {up["analysis_id"], down["analysis_id"]}
    assert len({doc["input_digest"] for doc in docs.values()}) == 2


def test_queue_fills_while_mongodb_is_down_and_flushes_when_back(
    container: Container, private_mongo_server: MongoServer, load_event: Any, lambda_context: Any
) -> None:
    first = _analyze(load_event, lambda_context, 60)
    private_mongo_server.stop()
    # GIVEN MongoDB is down, WHEN analyses keep coming THEN each answers and waits in the queue
    queued = [_analyze(load_event, lambda_context, 61 + i)["analysis_id"] for i in range(6)]
    assert container.analysis_service.pending.depth == 6
    status, health, _ = invoke(ai_app, load_event("ai_health"), lambda_context)
    assert status == 503
    assert health["components"]["analysis_queue"]["status"] == "degraded"
    assert health["components"]["analysis_queue"]["depth"] == 6

    # WHEN MongoDB is back THEN the next health check flushes everything, nothing lost
    private_mongo_server.start()
    status, health, _ = invoke(ai_app, load_event("ai_health"), lambda_context)
    assert health["components"]["analysis_queue"]["depth"] == 0
    assert health["components"]["analysis_queue"]["flushed"] == 6
    stored = {doc["_id"] for doc in _collection(private_mongo_server).find({}, {"_id": 1})}
    assert stored == {first["analysis_id"], *queued}
    assert status == 200

    # a repeated flush of the same analyses adds no duplicates (idempotent by analysis id)
    again = [AnalysisRecord.from_document(doc) for doc in _collection(private_mongo_server).find()]
    assert container.analysis_store.save_many(again) == 0
    assert _collection(private_mongo_server).count_documents({}) == 7
