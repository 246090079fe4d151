"""MongoDB: one client per container, created lazily and reused across invocations.

The short server-selection timeout keeps a MongoDB outage from hanging a request: callers get
:class:`DependencyUnavailableError` within ``MONGODB_SERVER_SELECTION_TIMEOUT_MS``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import ConnectionFailure, PyMongoError, ServerSelectionTimeoutError

from tradecore.config import Settings
from tradecore.domain.health import ComponentHealth, HealthStatus
from tradecore.errors import DependencyUnavailableError

_clients: dict[tuple[str, int, int], MongoClient] = {}
_lock = threading.Lock()


def shared_client(uri: str, *, selection_timeout_ms: int, max_pool_size: int) -> MongoClient:
    """The process-wide client for ``uri`` (pymongo clients are thread-safe and pool connections)."""
    key = (uri, selection_timeout_ms, max_pool_size)
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = MongoClient(
                uri,
                serverSelectionTimeoutMS=selection_timeout_ms,
                connectTimeoutMS=selection_timeout_ms,
                socketTimeoutMS=max(selection_timeout_ms * 4, 5000),
                maxPoolSize=max_pool_size,
                retryWrites=True,
                tz_aware=True,
                appname="tradecore",
            )
            _clients[key] = client
        return client


@contextmanager
def translate_errors(operation: str) -> Iterator[None]:
    """Turn pymongo's connection failures into the taxonomy's ``DependencyUnavailableError``."""
    try:
        yield
    except (ServerSelectionTimeoutError, ConnectionFailure) as exc:
        raise DependencyUnavailableError(f"MongoDB is unavailable ({operation})", dependency="mongodb") from exc


class MongoGateway:
    """Access to the platform's database; builds the client on first use only."""

    def __init__(self, settings: Settings) -> None:
        self._uri = settings.mongodb_uri.get_secret_value()
        self._database_name = settings.mongodb_database
        self._timeout_ms = settings.mongodb_server_selection_timeout_ms
        self._pool = settings.mongodb_max_pool_size

    @property
    def client(self) -> MongoClient:
        return shared_client(self._uri, selection_timeout_ms=self._timeout_ms, max_pool_size=self._pool)

    @property
    def db(self) -> Database:
        return self.client[self._database_name]

    def ping(self) -> ComponentHealth:
        """``ok`` when the server answers ``ping`` within the selection timeout, else ``down``."""
        try:
            self.client.admin.command("ping")
        except PyMongoError as exc:
            return ComponentHealth("mongodb", HealthStatus.DOWN, f"unreachable: {type(exc).__name__}")
        return ComponentHealth("mongodb", HealthStatus.OK)


class MongoProbe:
    """Health of MongoDB: a ping bounded by the selection timeout, plus the schema version."""

    name = "mongodb"

    def __init__(self, gateway: MongoGateway, latest_version: int) -> None:
        self._gateway = gateway
        self._latest = latest_version

    def check(self) -> ComponentHealth:
        health = self._gateway.ping()
        if health.status is not HealthStatus.OK:
            return health
        from tradecore.adapters.mongo.migrations import schema_version

        version = schema_version(self._gateway.db)
        info = {"schema_version": version, "schema_latest": self._latest}
        if version < self._latest:
            return ComponentHealth(self.name, HealthStatus.DEGRADED, "schema migrations pending", info)
        return ComponentHealth(self.name, HealthStatus.OK, None, info)
