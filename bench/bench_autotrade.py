"""The AutoTrader (issue 13): from one closed candle's signal to every user's decision recorded.

Real parts, in one process as the local stack runs them: SecantusDB (its own server process),
moto on 127.0.0.1 (the AutoTradeQueue, KMS, the state and idempotency tables, the outbox), the
exchange simulator (its own process, one paper account per user), the real trade flow, and the
worker's real handler ``jobs.app.autotrade``. Timed: ``AutoTrader.fan_out`` (the users automating
BTCUSDT from MongoDB, one SQS message each), then the messages received from moto in batches of
10 and handed to ``WORKERS`` threads, each invoking the handler as the event source mapping would
(deleting a batch after it returns), until the last decision is stored. Every user trades (a
Long at 0.82, 25 USDT, no cooldown): each decision is a filled MARKET order on their own account.
Left out: the users' WebSocket notifications (a recorder stands in for the ConnectionsTable and
@connections). Setup (users, settings, paper accounts) is not timed. ``BENCH_AUTOTRADE_USERS``
changes N (1,000 by default).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from bench.result import Result, percentile

USERS = 1_000
WORKERS = 8
REGION = "us-east-1"
CANDLE = 1_795_597_200_000
_BENCH_SECRET = "bench-only-" + "0123456789abcdef" * 2  # a throwaway value for a local run
_FAKE_AWS = {"AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
             "AWS_SESSION_TOKEN": "testing", "POWERTOOLS_TRACE_DISABLED": "true",
             "POWERTOOLS_METRICS_NAMESPACE": "Bench", "POWERTOOLS_SERVICE_NAME": "bench"}  # fmt: skip


@contextmanager
def _servers() -> Iterator[tuple[str, str, str]]:
    """SecantusDB, moto and the simulator; yields their URIs."""
    import logging

    from moto.server import ThreadedMotoServer

    from tests.support.servers import MongoServer, free_port, wait_for_port

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log: a line per call
    mongo = MongoServer()
    mongo.start()
    moto_port, sim_port = free_port(), free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    sim = subprocess.Popen(
        [sys.executable, "-m", "devstack.exchange_sim", "--port", str(sim_port), "--data-dir",
         tempfile.mkdtemp(prefix="bench-sim-"), "--manual-market", "--history-minutes", "300",
         "--orders-per-10s", "1000000", "--weight-per-minute", "100000000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(sim_port, timeout=30)
        yield mongo.uri, f"http://127.0.0.1:{moto_port}", f"http://127.0.0.1:{sim_port}"
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        moto.stop()
        mongo.close()


def _container(mongo_uri: str, moto_url: str, sim_url: str) -> Any:
    import boto3
    import requests

    from tests.support.auth import FastPasswordHasher, create_service_state_table
    from tests.support.messages import RecordingPublisher
    from tradecore.bootstrap import bootstrap
    from tradecore.config import load_settings

    os.environ.update({**_FAKE_AWS, "AWS_ENDPOINT_URL": moto_url})
    create_service_state_table(table_name="bench-state")
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="bench-idem", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
    )  # fmt: skip
    sqs = boto3.client("sqs", region_name=REGION)
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["KeyId"]
    settings = load_settings(
        jwt_secret=_BENCH_SECRET, inter_service_token=_BENCH_SECRET,
        mongodb_uri=mongo_uri, mongodb_database=f"bench_{uuid.uuid4().hex[:8]}", service_state_table="bench-state",
        idempotency_table="bench-idem", kms_key_id=key_id,
        trade_outbox_queue_url=sqs.create_queue(QueueName="bench-outbox")["QueueUrl"],
        autotrade_queue_url=sqs.create_queue(QueueName="bench-autotrade")["QueueUrl"],
        binance_simulator_url=sim_url, log_level="WARNING",
    )  # fmt: skip
    requests.post(f"{sim_url}/sim/price", json={"symbol": "BTCUSDT", "price": "50000"}, timeout=10).raise_for_status()
    publisher = RecordingPublisher()
    container = bootstrap(settings, password_hasher=FastPasswordHasher(), user_notifier=publisher,
                          channel_publisher=publisher)  # fmt: skip
    container.migrate()
    return container


def _users(container: Any, count: int) -> list[str]:
    """Traders automating BTCUSDT, each with a paper account already open (not timed)."""
    from datetime import UTC, datetime

    from tests.support.automation_fakes import bot_settings
    from tradecore.domain.users import Role, User

    settings = bot_settings(amount_per_trade_usdt=Decimal("25"))
    now = datetime.now(UTC)

    def one(index: int) -> str:
        user_id = f"bench-trader-{index:05d}"
        container.user_store.add(User(user_id, f"{user_id}@bench.local", "unused", Role.TRADER, True, now, now))
        container.bot_settings_store.put(user_id, settings)
        container.connection_service.exchange_for(user_id)  # opens the paper account
        return user_id

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(one, range(count)))


def drain(url: str, expected: int, worker: Any, *, timeout_ms: int) -> list[float]:
    """Receive ``expected`` messages from the queue at ``url`` and run ``worker`` (a jobs handler)
    on each batch of 10 as its SQS event source would, ``WORKERS`` batches at a time; the
    per-batch handler times (ms). Any item the worker fails stops the benchmark."""
    import boto3

    from devstack.local.sqs_mapping import sqs_record
    from tests.conftest import FakeLambdaContext

    sqs = boto3.client("sqs", region_name=REGION)
    arn = f"arn:aws:sqs:{REGION}:123456789012:{url.rsplit('/', 1)[-1]}"
    batch_ms: list[float] = []

    def invoke(messages: list[dict[str, Any]]) -> None:
        started = time.perf_counter()
        event = {"Records": [sqs_record(m, arn, REGION) for m in messages]}
        response = worker(event, FakeLambdaContext(timeout_ms=timeout_ms))
        if response["batchItemFailures"]:
            raise AssertionError(f"worker failures: {response}")
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])  # fmt: skip
        batch_ms.append((time.perf_counter() - started) * 1000)

    received = 0
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = []
        while received < expected:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300,
                                        WaitTimeSeconds=1).get("Messages", [])  # fmt: skip
            received += len(batch)
            if batch:
                futures.append(pool.submit(invoke, batch))
        for future in futures:
            future.result()
    return batch_ms


def _measure(count: int) -> tuple[float, float, list[float], int]:
    from jobs import app as jobs_app
    from tests.support.automation_fakes import candle_signal
    from tradecore.observability import configure_logging

    with _servers() as (mongo_uri, moto_url, sim_url):
        container = _container(mongo_uri, moto_url, sim_url)
        jobs_app.use_container(container)
        users = _users(container, count)
        configure_logging("WARNING")
        signal = candle_signal("Long", candle_time=CANDLE, confidence=0.82)
        started = time.perf_counter()
        queued = container.auto_trader.fan_out(signal)
        fanned = time.perf_counter() - started
        batch_ms = drain(container.settings.autotrade_queue_url, queued, jobs_app.autotrade, timeout_ms=60_000)
        total = time.perf_counter() - started
        decisions = container.mongo.db["bot_decisions"]
        traded = decisions.count_documents({"candle_time": CANDLE, "outcome": "traded"})
        if queued != len(users) or decisions.count_documents({"candle_time": CANDLE}) != len(users):
            raise AssertionError(f"{queued} queued, {traded} traded for {len(users)} users")
        jobs_app.use_container(None)
        return total, fanned, batch_ms, traded


def run() -> list[Result]:
    count = int(os.environ.get("BENCH_AUTOTRADE_USERS", USERS))
    total, fanned, batch_ms, traded = _measure(count)
    where = (f"{count} users, {traded} filled; SecantusDB + moto + simulator, real trade flow, jobs.app.autotrade "
             f"on batches of 10 in {WORKERS} threads (2-core machine)")  # fmt: skip
    return [
        Result(f"autotrade.signal_to_all_decisions.{count}_users", total, "s", target=120.0, note=where),
        Result(f"autotrade.decisions_per_second.{count}_users", traded / total, "1/s", better="higher",
               note="same run"),
        Result(f"autotrade.fan_out.{count}_users", fanned * 1000, "ms", note="same run: MongoDB query + SQS batches"),
        Result("autotrade.worker_batch_of_10.p50", statistics.median(batch_ms), "ms",
               note=f"same run; p95 {percentile(batch_ms, 95):.0f} ms, {WORKERS} batches in parallel"),
    ]  # fmt: skip
