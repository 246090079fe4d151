"""``account_snapshots`` in MongoDB (SecantusDB): a snapshot reads back exactly (Decimal amounts,
UTC instant to the millisecond), newest first per user, under the migrations' ``user_as_of`` index;
an unreachable server is ``DependencyUnavailableError``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.support.servers import MongoServer
from tradecore.adapters.mongo.account_snapshots import MongoAccountSnapshots
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.accounts import AccountSnapshot, Network
from tradecore.domain.orders import Balance
from tradecore.errors import DependencyUnavailableError

T0 = datetime(2026, 11, 25, 12, 0, 0, 123000, tzinfo=UTC)


def snapshot(as_of: datetime, usdt: str = "100.10") -> AccountSnapshot:
    balances = {
        "USDT": Balance("USDT", Decimal(usdt), Decimal("0.00")),
        "BTC": Balance("BTC", Decimal("0.00012345"), Decimal("0.00000001")),
        "XYZ": Balance("XYZ", Decimal("5"), Decimal("0")),
    }
    return AccountSnapshot(balances, Decimal("106.2225"), as_of, Network.SIMULATOR, ("XYZ",))


def test_account_snapshots_read_back_exactly_newest_first_per_user(mongo_settings: Settings) -> None:
    container = bootstrap(mongo_settings)
    container.migrate()
    snapshots = MongoAccountSnapshots(container.mongo)
    older, newer = snapshot(T0), snapshot(T0 + timedelta(minutes=1), usdt="99.90")
    snapshots.add("u-1", older)
    snapshots.add("u-1", newer)
    snapshots.add("u-2", snapshot(T0 + timedelta(minutes=5)))

    assert snapshots.latest("u-1", limit=5) == [newer, older]
    assert snapshots.latest("u-1") == [newer]
    (read,) = snapshots.latest("u-2")
    assert (str(read.balances["USDT"].free), str(read.balances["BTC"].free)) == ("100.10", "0.00012345")
    indexes = container.mongo.db["account_snapshots"].index_information()
    assert indexes["user_as_of"]["key"] == [("user_id", 1), ("as_of", -1)]


def test_account_snapshots_unreachable_server_is_unavailable(
    private_mongo_server: MongoServer, make_settings: Callable[..., Settings]
) -> None:
    snapshots = MongoAccountSnapshots(bootstrap(make_settings(mongodb_uri=private_mongo_server.uri)).mongo)
    private_mongo_server.stop()
    with pytest.raises(DependencyUnavailableError):
        snapshots.add("u-1", snapshot(T0))
