"""The trades page of the MongoDB trade store: newest first, cursors that resume exactly after the
last trade shown (no duplicates, no gaps, whatever is saved meanwhile), filters, and refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from tests.support.stored_trades import AT, make_trade
from tradecore.adapters.mongo.trade_queries import encode_cursor
from tradecore.adapters.mongo.trade_store import MongoTradeStore
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.trades import TradeQuery, TradeRecord, TradeStatus
from tradecore.errors import InvalidInputError


@pytest.fixture
def store(mongo_settings: Settings) -> MongoTradeStore:
    container = bootstrap(mongo_settings)
    container.migrate()
    return MongoTradeStore(container.mongo)


def _seven(store: MongoTradeStore) -> list[TradeRecord]:
    """Seven trades of user-1 (two share a creation time), one of user-2; newest first."""
    trades = [
        make_trade(
            f"t-{i}",
            created_at=AT + timedelta(minutes=min(i, 5)),  # t-5 and t-6 share a time: the id decides
            symbol="ETHUSDT" if i % 2 else "BTCUSDT",
            status=TradeStatus.FILLED if i < 4 else TradeStatus.OPEN,
        )
        for i in range(7)
    ]
    for trade in trades:
        store.save(trade)
    store.save(make_trade("t-x", "user-2"))
    return sorted(trades, key=lambda t: (t.created_at, t.id), reverse=True)


def _all_pages(store: MongoTradeStore, query: TradeQuery) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        page = store.page("user-1", replace(query, cursor=cursor))
        pages.append([t.id for t in page.trades])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def test_trade_store_pages_newest_first_without_duplicates_or_gaps(store: MongoTradeStore) -> None:
    newest_first = [t.id for t in _seven(store)]

    pages = _all_pages(store, TradeQuery(limit=3))

    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in p] == newest_first
    assert newest_first[:2] == ["t-6", "t-5"]


def test_trade_store_page_is_not_shifted_by_a_newermake_trade(store: MongoTradeStore) -> None:
    newest_first = [t.id for t in _seven(store)]
    first = store.page("user-1", TradeQuery(limit=3))

    store.save(make_trade("t-new", created_at=AT + timedelta(hours=1)))
    second = store.page("user-1", TradeQuery(limit=3, cursor=first.next_cursor))

    assert [t.id for t in second.trades] == newest_first[3:6]


def test_trade_store_pages_and_bounds_to_the_microsecond(store: MongoTradeStore) -> None:
    # three trades within one millisecond: their microseconds order them, not their ids
    for trade_id, micros in (("t-a", 300), ("t-b", 100), ("t-c", 200)):
        store.save(make_trade(trade_id, created_at=AT + timedelta(microseconds=micros)))

    assert _all_pages(store, TradeQuery(limit=1)) == [["t-a"], ["t-c"], ["t-b"]]
    window = TradeQuery(created_from=AT + timedelta(microseconds=200), created_to=AT + timedelta(microseconds=300))
    assert [t.id for t in store.page("user-1", window).trades] == ["t-c"]


def test_trade_store_page_filters(store: MongoTradeStore) -> None:
    newest_first = _seven(store)

    def ids(query: TradeQuery) -> list[str]:
        return [i for p in _all_pages(store, query) for i in p]

    assert ids(TradeQuery(symbol="ETHUSDT", limit=2)) == [t.id for t in newest_first if t.symbol == "ETHUSDT"]
    assert ids(TradeQuery(status=TradeStatus.OPEN, limit=2)) == ["t-6", "t-5", "t-4"]
    window = TradeQuery(created_from=AT + timedelta(minutes=1), created_to=AT + timedelta(minutes=4), limit=2)
    assert ids(window) == ["t-3", "t-2", "t-1"]  # from inclusive, to exclusive
    assert ids(TradeQuery(symbol="SOLUSDT")) == []


@pytest.mark.parametrize(
    "cursor",
    ["not a cursor!", "", "e30", encode_cursor(AT, "t-1")[:-3], "WyJ4IiwieSJd", "WzEuNSwidC0xIl0", "WzFlMzAwLCJ0Il0"],
)
def test_trade_store_page_refuses_a_cursor_it_did_not_give(store: MongoTradeStore, cursor: str) -> None:
    # e30 = {} ; WyJ4IiwieSJd = ["x","y"] ; WzEuNSwidC0xIl0 = [1.5,"t-1"] ; WzFlMzAwLCJ0Il0 = [1e300,"t"]
    with pytest.raises(InvalidInputError) as raised:
        store.page("user-1", TradeQuery(cursor=cursor))
    assert (raised.value.status, raised.value.code) == (422, "validation_error")


@pytest.mark.parametrize("limit", [0, 201])
def test_trade_store_page_refuses_a_limit_out_of_range(store: MongoTradeStore, limit: int) -> None:
    with pytest.raises(InvalidInputError):
        store.page("user-1", TradeQuery(limit=limit))


def test_trade_store_page_accepts_the_largest_limit(store: MongoTradeStore) -> None:
    _seven(store)
    assert len(store.page("user-1", TradeQuery(limit=200)).trades) == 7
