"""Channel subscriptions on the real ConnectionsTable schema in moto (issue 9, item 2j).

The 50-channel cap holds per connection across frames (and across concurrent frames), and market
channels exist only for the platform's configured ``TRADING_SYMBOLS``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.auth import add_user, auth_container
from tests.support.connections import TABLE, RecordingSender, create_connections_table
from tradecore.adapters.aws.connections import DynamoConnectionRegistry
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.realtime import Connection
from tradecore.domain.users import Role

SYMBOLS = [f"COIN{n:02d}USDT" for n in range(60)]


def _ws(make_settings: Callable[..., Settings], symbols: list[str], registry: Any = None) -> tuple[Container, Any]:
    create_connections_table()
    sender = RecordingSender()
    container = auth_container(
        make_settings(connections_table=TABLE, trading_symbols=symbols),
        connection_registry=registry or DynamoConnectionRegistry(TABLE, "us-east-1"),
        message_sender=sender,
    )
    return container, sender


def _connected(container: Container, connection_id: str = "c-1") -> None:
    container.realtime.connect(connection_id, container.token_service.issue(add_user(container, Role.VIEWER)))


def _frame(action: str, channels: list[str]) -> str:
    return json.dumps({"action": action, "channels": channels})


def _stored(connection_id: str = "c-1") -> list[str]:
    """The channels as stored in the table (the service writes them sorted)."""
    item = DynamoConnectionRegistry(TABLE, "us-east-1")._table.get_item(Key={"connection_id": connection_id})
    assert "Item" in item
    return list(item["Item"]["channels"])


def test_the_cap_holds_across_frames(aws: None, make_settings: Callable[..., Settings]) -> None:
    # GIVEN a connection that subscribed to 50 channels in five frames of ten
    container, sender = _ws(make_settings, SYMBOLS)
    _connected(container)
    for start in range(0, 50, 10):
        container.realtime.handle_message(
            "c-1", _frame("subscribe", [f"prices:{s}" for s in SYMBOLS[start : start + 10]])
        )
    assert len(_stored()) == 50
    assert not [sent for sent in sender.sent if sent[1] == "error"]

    # WHEN a sixth frame asks for ten more THEN it is refused with an error message and changes nothing
    container.realtime.handle_message("c-1", _frame("subscribe", [f"prices:{s}" for s in SYMBOLS[50:]]))
    assert len(_stored()) == 50
    connection_id, message_type, data = sender.sent[-1]
    assert (connection_id, message_type, data["code"]) == ("c-1", "error", "validation_error")
    assert "at most 50" in data["message"]

    # AND channels it already has, or room made by unsubscribing, are fine
    container.realtime.handle_message("c-1", _frame("subscribe", [f"prices:{SYMBOLS[0]}"]))
    container.realtime.handle_message("c-1", _frame("unsubscribe", [f"prices:{SYMBOLS[0]}"]))
    container.realtime.handle_message("c-1", _frame("subscribe", [f"prices:{SYMBOLS[59]}"]))
    assert len(_stored()) == 50
    assert f"prices:{SYMBOLS[59]}" in _stored()


def test_the_cap_is_per_connection(aws: None, make_settings: Callable[..., Settings]) -> None:
    container, _ = _ws(make_settings, SYMBOLS)
    _connected(container, "c-1")
    _connected(container, "c-2")
    channels = [f"prices:{s}" for s in SYMBOLS[:50]]
    container.realtime.handle_message("c-1", _frame("subscribe", channels))
    container.realtime.handle_message("c-2", _frame("subscribe", channels))
    assert len(_stored("c-1")) == len(_stored("c-2")) == 50


class InterleavingRegistry(DynamoConnectionRegistry):
    """Runs a competing frame right after this frame read the connection (once)."""

    def __init__(self, competitor: Callable[[], None]) -> None:
        super().__init__(TABLE, "us-east-1")
        self.competitor: Callable[[], None] | None = competitor

    def _compete(self) -> None:
        competitor, self.competitor = self.competitor, None
        if competitor is not None:
            competitor()

    def get(self, connection_id: str) -> Connection | None:
        item = super().get(connection_id)
        self._compete()
        return item

    def subscriptions(self, connection_id: str) -> Any:
        found = super().subscriptions(connection_id)
        self._compete()
        return found


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # both fit: neither frame's channels are lost
        (SYMBOLS[:20], SYMBOLS[20:40], SYMBOLS[:40]),
        # together they would exceed the cap: the frame that lost the race is refused
        (SYMBOLS[:30], SYMBOLS[30:60], SYMBOLS[30:60]),
    ],
)
def test_concurrent_frames_neither_lose_channels_nor_exceed_the_cap(
    aws: None, make_settings: Callable[..., Settings], first: list[str], second: list[str], expected: list[str]
) -> None:
    # GIVEN a frame whose read-modify-write is overtaken by a second frame on the same connection
    plain, _ = _ws(make_settings, SYMBOLS)
    _connected(plain)

    def competing_frame() -> None:
        plain.realtime.handle_message("c-1", _frame("subscribe", [f"prices:{s}" for s in second]))

    racing = auth_container(
        plain.settings,
        connection_registry=InterleavingRegistry(competing_frame),
        message_sender=RecordingSender(),
    )
    # WHEN the first frame completes
    racing.realtime.handle_message("c-1", _frame("subscribe", [f"prices:{s}" for s in first]))

    # THEN the stored set is the union when it fits, the winner's alone when it does not
    assert _stored() == sorted(f"prices:{s}" for s in expected)


@pytest.mark.parametrize(
    ("symbols", "channel", "accepted"),
    [
        (["BTCUSDT", "ETHUSDT"], "prices:BTCUSDT", True),
        (["BTCUSDT", "ETHUSDT"], "book:ETHUSDT", True),
        (["BTCUSDT", "ETHUSDT"], "candles:BTCUSDT:1h", True),
        (["BTCUSDT", "ETHUSDT"], "candles:ETHUSDT:1M", True),
        (["BTCUSDT", "ETHUSDT"], "prices:DOGEUSDT", False),
        (["BTCUSDT", "ETHUSDT"], "book:DOGEUSDT", False),
        (["BTCUSDT", "ETHUSDT"], "candles:DOGEUSDT:1h", False),
        (["BTCUSDT", "ETHUSDT"], "candles:BTCUSDT:7m", False),
        (["BTCUSDT", "ETHUSDT"], "prices:btcusdt", False),
        (["BTCUSDT", "ETHUSDT"], "status", True),
        # the rule reads the configured list, not a constant
        (["DOGEUSDT"], "prices:DOGEUSDT", True),
        (["DOGEUSDT"], "prices:BTCUSDT", False),
    ],
)
def test_market_channels_only_for_trading_symbols(
    aws: None, make_settings: Callable[..., Settings], symbols: list[str], channel: str, accepted: bool
) -> None:
    container, sender = _ws(make_settings, symbols)
    _connected(container)

    container.realtime.handle_message("c-1", _frame("subscribe", [channel, "signals"]))

    if accepted:
        assert _stored() == sorted([channel, "signals"])
        assert not [sent for sent in sender.sent if sent[1] == "error"]
    else:
        assert _stored() == []  # one bad channel refuses the whole frame
        assert sender.sent[-1][1] == "error"
        assert "unknown channel" in sender.sent[-1][2]["message"]


def test_unsubscribing_a_channel_of_a_symbol_no_longer_traded_works(
    aws: None, make_settings: Callable[..., Settings]
) -> None:
    container, sender = _ws(make_settings, ["BTCUSDT"])
    _connected(container)
    registry = DynamoConnectionRegistry(TABLE, "us-east-1")
    registry._table.update_item(  # a subscription made before TRADING_SYMBOLS changed
        Key={"connection_id": "c-1"},
        UpdateExpression="SET channels = :c",
        ExpressionAttributeValues={":c": ["prices:XRPUSDT"]},
    )

    container.realtime.handle_message("c-1", _frame("unsubscribe", ["prices:XRPUSDT"]))

    assert _stored() == []
    assert not [sent for sent in sender.sent if sent[1] == "error"]


def test_candle_channel_intervals_are_the_candle_timeframes() -> None:
    from tradecore.domain.candles import TIMEFRAME_MS
    from tradecore.domain.realtime import CANDLE_INTERVALS

    assert set(TIMEFRAME_MS) == CANDLE_INTERVALS
