"""The world the accounts tests run in: a fresh ServiceStateTable and KMS key on the moto server,
MongoDB, the simulator, and a trade-function container on them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.support.auth import FastPasswordHasher, create_service_state_table
from trade import app as trade_app
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings


def accounts_settings(
    mongo_settings: Settings, moto_server: str, simulator_url: str, monkeypatch: pytest.MonkeyPatch, **extra: Any
) -> Settings:
    """Settings on their own state table and KMS key (moto server), MongoDB and the simulator."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    table = f"state-{uuid.uuid4().hex[:10]}"
    create_service_state_table(table_name=table)
    key_id = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["KeyId"]
    update = {"service_state_table": table, "kms_key_id": key_id, "binance_simulator_url": simulator_url, **extra}
    return mongo_settings.model_copy(update=update)


@contextmanager
def trade_container(settings: Settings) -> Iterator[Container]:
    """A migrated container serving the trade function's handler while the block runs."""
    container = bootstrap(settings, password_hasher=FastPasswordHasher())
    container.migrate()
    trade_app.app.state.container = container
    try:
        yield container
    finally:
        trade_app.app.state.container = None
