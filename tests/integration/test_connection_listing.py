"""The stream task's listing of every stored exchange connection, on SecantusDB."""

from __future__ import annotations

from tests.integration.test_connection_store import _connection
from tradecore.adapters.mongo.connection_store import MongoConnectionStore
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings


def test_connection_listing_returns_every_users_connection(mongo_settings: Settings) -> None:
    container = bootstrap(mongo_settings)
    container.migrate()
    store = MongoConnectionStore(container.mongo)
    store.put(_connection("user-1"))
    store.put(_connection("user-2", api_key="KEY-0002", ciphertext=b"\x02other"))
    store.delete("user-1")
    store.put(_connection("user-3"))

    listed = sorted(store.all_connections(), key=lambda c: c.user_id)

    assert listed == [_connection("user-2", api_key="KEY-0002", ciphertext=b"\x02other"), _connection("user-3")]
