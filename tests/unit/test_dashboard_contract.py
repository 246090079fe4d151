"""The dashboard's WebSocket types (dashboard/src/ws/messages.ts) equal domain/realtime.py's contract.

The TypeScript file is parsed, not trusted: a message type, action, global channel or candle interval
added, renamed or removed on either side fails here before a browser ever sees the difference.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tradecore.domain import realtime
from tradecore.domain.realtime import CANDLE_INTERVALS, PER_USER_CHANNELS, Action, MessageType, validate_channel

MESSAGES_TS = Path(__file__).resolve().parents[2] / "dashboard" / "src" / "ws" / "messages.ts"


def _block(source: str, name: str, opening: str, closing: str) -> str:
    match = re.search(
        rf"export const {name} = {re.escape(opening)}\n(.*?)\n{re.escape(closing)} as const;", source, re.S
    )
    assert match, f"{name} not found in {MESSAGES_TS.name}"
    return match.group(1)


def ts_object(source: str, name: str) -> dict[str, str]:
    """``export const NAME = { KEY: "value", ... } as const;`` as a dict."""
    return dict(re.findall(r'^\s*([A-Z_]+): "([^"]*)",?$', _block(source, name, "{", "}"), re.M))


def ts_list(source: str, name: str) -> list[str]:
    """``export const NAME = [ "a", ... ] as const;`` as a list."""
    return re.findall(r'^\s*"([^"]*)",?$', _block(source, name, "[", "]"), re.M)


@pytest.fixture(scope="module")
def source() -> str:
    return MESSAGES_TS.read_text()


def test_dashboard_message_types_equal_the_python_enum(source: str) -> None:
    assert ts_object(source, "MessageType") == {member.name: member.value for member in MessageType}


def test_dashboard_actions_equal_the_python_enum(source: str) -> None:
    assert ts_object(source, "Action") == {member.name: member.value for member in Action}


def test_dashboard_global_channels_are_the_python_ones(source: str) -> None:
    channels = ts_list(source, "GLOBAL_CHANNELS")
    assert set(channels) == set(realtime._GLOBAL)
    assert set(channels) >= PER_USER_CHANNELS
    for channel in channels:
        assert validate_channel(channel, None) == channel


def test_dashboard_candle_intervals_equal_the_python_ones(source: str) -> None:
    intervals = ts_list(source, "CANDLE_INTERVALS")
    assert len(intervals) == len(set(intervals))
    assert set(intervals) == CANDLE_INTERVALS


def test_dashboard_market_channel_shapes_are_accepted(source: str) -> None:
    # the channel builders' templates, with a platform symbol filled in
    for template in re.findall(r"`((?:prices|book|candles):[^`]*)`", source):
        channel = template.replace("${symbol}", "BTCUSDT").replace("${interval}", "1m").replace("${string}", "BTCUSDT")
        channel = channel.replace("${CandleInterval}", "1m")
        assert validate_channel(channel, ["BTCUSDT"]) == channel


def test_ts_parser_notices_a_missing_entry() -> None:
    # the parser itself: a block without one member parses without it (so the equality above bites)
    text = 'export const MessageType = {\n  PONG: "pong",\n} as const;\n'
    assert ts_object(text, "MessageType") == {"PONG": "pong"}
    assert ts_object(text, "MessageType") != {member.name: member.value for member in MessageType}
