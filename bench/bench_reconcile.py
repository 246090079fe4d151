"""Reconciliation (issue 15): every connected user's records made to agree with the exchange.

Real parts, in one process: SecantusDB (its own server process), moto on 127.0.0.1 (the
ReconcileQueue, KMS, the state table), the exchange simulator (its own process, one paper account
per user). Each user has three market buys on their own account, two of them recorded in MongoDB
and one not (a missing trade), plus an intent recorded 5 minutes ago whose order never left: two
discrepancies per user to find and repair. Timed: the scheduled job's real handler
``jobs.app.reconcile`` (the connected users from MongoDB, one SQS message each), then the messages
received from moto in batches of 10 and handed to ``WORKERS`` threads, each invoking the worker's
real handler ``jobs.app.reconcile_worker`` as the event source mapping would (an in-process worker
pool, not the local stack's poller), until the last user's report is stored. Left out: the users'
WebSocket notifications (a recorder stands in). Setup (accounts, orders, records) is not timed.
``BENCH_RECONCILE_USERS`` changes N (100 by default).
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.bench_autotrade import _BENCH_SECRET, _FAKE_AWS, REGION, _servers, drain
from bench.result import Result, percentile

USERS = 100
WORKERS = 8
TRADES = 3  # market buys per user on the exchange; the last is left out of MongoDB


def _container(mongo_uri: str, moto_url: str, sim_url: str) -> Any:
    import boto3
    import requests

    from tests.support.auth import create_service_state_table
    from tests.support.messages import RecordingPublisher
    from tradecore.bootstrap import bootstrap
    from tradecore.config import load_settings

    os.environ.update({**_FAKE_AWS, "AWS_ENDPOINT_URL": moto_url})
    create_service_state_table(table_name="bench-state")
    sqs = boto3.client("sqs", region_name=REGION)
    settings = load_settings(
        jwt_secret=_BENCH_SECRET, inter_service_token=_BENCH_SECRET, mongodb_uri=mongo_uri,
        mongodb_database=f"bench_{uuid.uuid4().hex[:8]}", service_state_table="bench-state",
        kms_key_id=boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["KeyId"],
        reconcile_queue_url=sqs.create_queue(QueueName="bench-reconcile")["QueueUrl"],
        binance_simulator_url=sim_url, log_level="WARNING",
    )  # fmt: skip
    requests.post(f"{sim_url}/sim/price", json={"symbol": "BTCUSDT", "price": "50000"}, timeout=10).raise_for_status()
    publisher = RecordingPublisher()
    container = bootstrap(settings, user_notifier=publisher, channel_publisher=publisher)
    container.migrate()
    return container


def _user(container: Any, index: int) -> str:
    """A paper account with ``TRADES`` buys (the last unrecorded) and an intent never placed."""
    from tradecore.domain.accounts import TradingMode
    from tradecore.domain.orders import OrderRequest, OrderType, Side
    from tradecore.domain.trades import TradeRecord, TradeStatus, client_order_id_for

    user_id = f"bench-user-{index:04d}"
    exchange = container.connection_service.exchange_for(user_id)  # opens the paper account
    now = datetime.now(UTC)

    def intent(key: str, age: timedelta) -> TradeRecord:
        return TradeRecord(
            uuid.uuid4().hex, user_id, client_order_id_for(user_id, key), "BTCUSDT", "BTC", "USDT", Side.BUY,
            OrderType.MARKET, TradingMode.PAPER, TradeStatus.PENDING, now - age, now - age,
            sent_quantity=Decimal("0.001"),
        )  # fmt: skip

    for n in range(TRADES):
        key = f"trade-{n}"
        order = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.001"),
                             client_order_id=client_order_id_for(user_id, key))  # fmt: skip
        result = exchange.place_order(order)
        if n < TRADES - 1:
            container.trade_store.save(intent(key, timedelta(minutes=10)).with_order(result, now))
    container.trade_store.save(intent("never-left", timedelta(minutes=5)))
    return user_id


def _measure(count: int) -> tuple[float, float, list[float], int]:
    from jobs import app as jobs_app
    from tests.conftest import FakeLambdaContext
    from tradecore.observability import configure_logging, metrics

    metrics.namespace = metrics.namespace or _FAKE_AWS["POWERTOOLS_METRICS_NAMESPACE"]  # set before it was read
    with _servers() as (mongo_uri, moto_url, sim_url):
        container = _container(mongo_uri, moto_url, sim_url)
        jobs_app.use_container(container)
        with ThreadPoolExecutor(WORKERS) as pool:
            users = list(pool.map(lambda i: _user(container, i), range(count)))
        configure_logging("WARNING")
        started = time.perf_counter()
        queued = jobs_app.reconcile({"id": "bench"}, FakeLambdaContext(timeout_ms=60_000))["queued"]
        fanned = time.perf_counter() - started
        batch_ms = drain(container.settings.reconcile_queue_url, queued, jobs_app.reconcile_worker, timeout_ms=120_000)
        total = time.perf_counter() - started
        reports = list(container.mongo.db["reconciliation_reports"].find({}, {"user_id": 1, "repaired": 1}))
        repaired = sum(int(report["repaired"]) for report in reports)
        if queued != len(users) or len(reports) != len(users) or repaired != 2 * len(users):
            raise AssertionError(f"{queued} queued, {len(reports)} reports, {repaired} repairs for {len(users)} users")
        jobs_app.use_container(None)
        return total, fanned, batch_ms, repaired


def run() -> list[Result]:
    count = int(os.environ.get("BENCH_RECONCILE_USERS", USERS))
    total, fanned, batch_ms, repaired = _measure(count)
    where = (f"{count} users x {TRADES} trades, {repaired} discrepancies repaired; SecantusDB + moto + simulator, "
             f"jobs.app.reconcile then jobs.app.reconcile_worker on batches of 10 in an in-process pool of "
             f"{WORKERS} threads (2-core machine); target: one 5-minute cycle")  # fmt: skip
    note = (f"{where}; fan-out (MongoDB listing + SQS batches) {fanned * 1000:.0f} ms; worker batch of 10 p50 "
            f"{statistics.median(batch_ms) / 1000:.1f} s, p95 {percentile(batch_ms, 95) / 1000:.1f} s, "
            f"{WORKERS} batches in parallel")  # fmt: skip
    return [Result(f"reconcile.all_users.{count}_users", total, "s", target=300.0, note=note)]
