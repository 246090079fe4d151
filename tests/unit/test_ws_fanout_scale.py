"""Fan-out that holds a thousand clients (issue 14, item 2), with in-memory fakes.

Subscriber lists are read once per channel per ~2 s window (a fake monotonic clock moves the
window), posts run concurrently, a gone connection is forgotten and never retried, other failures
are retried once and counted, and nothing larger than API Gateway's 32 KB frame is sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

import pytest

from tests.support.auth import FakeClock
from tests.support.fanout import CountingRegistry, ScriptedSender
from tradecore.domain.realtime import MAX_FRAME_BYTES, MessageType, frame
from tradecore.errors import DependencyUnavailableError
from tradecore.services.realtime.fanout import Fanout
from tradecore.services.realtime.subscribers import SubscriberCache


def _fanout(registry: CountingRegistry, sender: ScriptedSender, clock: FakeClock | None = None, **kw: Any) -> Fanout:
    return Fanout(registry, sender, retry_delays=(0, 0), sleep=lambda _: None, clock=clock or FakeClock(), **kw)


def _metrics(capsys: pytest.CaptureFixture[str], name: str) -> list[list[float]]:
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    return [m[name] for m in emitted if name in m]


def test_fanout_reads_each_channel_once_per_window() -> None:
    registry, sender, clock = CountingRegistry(), ScriptedSender(), FakeClock(100.0)
    registry.subscribe("prices:BTCUSDT", "c-1", "c-2")
    registry.subscribe("prices:ETHUSDT", "c-3")
    fanout = _fanout(registry, sender, clock)

    # WHEN 20 ticks per channel arrive within 1.9 s
    for _ in range(20):
        fanout.publish("prices:BTCUSDT", MessageType.PRICE_UPDATE, {"price": "1"})
        fanout.publish("prices:ETHUSDT", MessageType.PRICE_UPDATE, {"price": "2"})
        clock.advance(0.095)

    # THEN each channel's subscribers were read once, and every tick reached every subscriber
    assert registry.reads == Counter({"prices:BTCUSDT": 1, "prices:ETHUSDT": 1})
    assert Counter(cid for cid, _ in sender.delivered) == Counter({"c-1": 20, "c-2": 20, "c-3": 20})

    clock.advance(0.2)  # 2.1 s after the first read: the window is over
    fanout.publish("prices:BTCUSDT", MessageType.PRICE_UPDATE, {"price": "1"})
    assert registry.reads["prices:BTCUSDT"] == 2


def test_fanout_new_subscriber_receives_within_the_window() -> None:
    registry, sender, clock = CountingRegistry(), ScriptedSender(), FakeClock(100.0)
    registry.subscribe("signals", "c-early")
    fanout = _fanout(registry, sender, clock)
    fanout.publish("signals", MessageType.AI_SIGNAL, {"n": 1})

    registry.subscribe("signals", "c-late")
    clock.advance(1.0)
    fanout.publish("signals", MessageType.AI_SIGNAL, {"n": 2})
    clock.advance(1.0)
    fanout.publish("signals", MessageType.AI_SIGNAL, {"n": 3})

    assert [cid for cid, _ in sender.delivered] == ["c-early", "c-early", "c-early", "c-late"]


def test_fanout_gone_connection_removed_and_not_retried(capsys: pytest.CaptureFixture[str]) -> None:
    registry, sender = CountingRegistry(), ScriptedSender()
    registry.subscribe("signals", "c-1", "c-gone", "c-3")
    sender.gone.add("c-gone")
    fanout = _fanout(registry, sender)

    fanout.publish("signals", MessageType.AI_SIGNAL, {"n": 1})
    fanout.publish("signals", MessageType.AI_SIGNAL, {"n": 2})  # same window: the cached list

    assert registry.removed == ["c-gone"]
    assert sender.attempts["c-gone"] == 1  # a 410 is final: no retry, and not posted to again
    assert registry.reads["signals"] == 1
    assert sorted(cid for cid, _ in sender.delivered) == ["c-1", "c-1", "c-3", "c-3"]
    assert _metrics(capsys, "WebSocketConnectionsGone") == [[1.0]]


def test_fanout_other_error_retried_once_then_counted(capsys: pytest.CaptureFixture[str]) -> None:
    registry, sender = CountingRegistry(), ScriptedSender()
    registry.subscribe("signals", "c-flaky", "c-down", "c-ok")
    sender.failures.update({"c-flaky": 1, "c-down": -1})

    _fanout(registry, sender).publish("signals", MessageType.AI_SIGNAL, {"n": 1})  # raises nothing

    assert sender.attempts == Counter({"c-flaky": 2, "c-down": 2, "c-ok": 1})
    assert sorted(cid for cid, _ in sender.delivered) == ["c-flaky", "c-ok"]
    assert registry.removed == []  # a failure is not a gone connection
    assert _metrics(capsys, "WebSocketPostsFailed") == [[1.0]]


def test_fanout_thousand_subscribers_posted_in_parallel() -> None:
    # GIVEN 1,000 subscribers and an @connections post that takes 2 ms (sequentially: >= 2 s)
    registry, sender = CountingRegistry(), ScriptedSender(latency=0.002)
    registry.subscribe("prices:BTCUSDT", *(f"c-{n:04d}" for n in range(1000)))
    fanout = Fanout(registry, sender, clock=FakeClock())

    started = time.perf_counter()
    fanout.publish("prices:BTCUSDT", MessageType.PRICE_UPDATE, {"price": "97000.5"})
    elapsed = time.perf_counter() - started
    fanout.shutdown()

    # THEN everyone got it exactly once, at most 32 posts in flight, far faster than one by one
    assert Counter(cid for cid, _ in sender.delivered) == Counter({f"c-{n:04d}": 1 for n in range(1000)})
    assert 8 <= sender.peak_in_flight <= 32
    assert elapsed < 0.5, f"1,000 posts of 2 ms took {elapsed:.2f} s"


def test_fanout_refuses_a_message_larger_than_a_frame(capsys: pytest.CaptureFixture[str]) -> None:
    registry, sender = CountingRegistry(), ScriptedSender()
    registry.subscribe("book:BTCUSDT", "c-1")
    fanout = _fanout(registry, sender)
    overhead = len(frame(MessageType.BOOK_UPDATE, {"bids": ""}, None))

    fanout.publish("book:BTCUSDT", MessageType.BOOK_UPDATE, {"bids": "x" * (MAX_FRAME_BYTES - overhead + 1)})
    fanout.notify("alice", MessageType.ORDER_UPDATE, {"note": "y" * MAX_FRAME_BYTES})
    assert sender.attempts == Counter()
    assert registry.reads == Counter()  # refused before anyone was looked up
    assert _metrics(capsys, "WebSocketMessagesTooLarge") == [[1.0], [1.0]]

    fanout.publish("book:BTCUSDT", MessageType.BOOK_UPDATE, {"bids": "x" * (MAX_FRAME_BYTES - overhead)})
    assert sender.delivered == [("c-1", "book_update")]  # exactly a frame still goes


def test_fanout_revoked_connection_dropped_from_the_cached_list() -> None:
    registry, sender = CountingRegistry(), ScriptedSender()
    registry.subscribe("signals", "c-alice", user="alice")
    registry.subscribe("signals", "c-bob", user="bob")
    fanout = _fanout(registry, sender)
    fanout.publish("signals", MessageType.AI_SIGNAL, {"n": 1})

    fanout.end_sessions("alice")
    fanout.publish("signals", MessageType.AI_SIGNAL, {"n": 2})  # same window

    assert [cid for cid, _ in sender.delivered] == ["c-alice", "c-bob", "c-bob"]


def test_fanout_registry_down_skips_the_message_without_raising() -> None:
    registry, sender = CountingRegistry(), ScriptedSender()
    registry.subscribe("signals", "c-1")
    registry.failing = True

    _fanout(registry, sender).publish("signals", MessageType.AI_SIGNAL, {"n": 1})

    assert sender.attempts == Counter()


def test_subscriber_cache_keeps_the_last_list_while_the_registry_fails() -> None:
    registry, clock = CountingRegistry(), FakeClock(50.0)
    registry.subscribe("signals", "c-1")
    cache = SubscriberCache(registry.subscribers, max_age=2.0, clock=clock)
    assert cache.subscribers("signals") == ("c-1",)

    registry.failing = True
    clock.advance(2.0)
    assert cache.subscribers("signals") == ("c-1",)
    clock.advance(1.0)
    assert cache.subscribers("signals") == ("c-1",)  # the failed refresh waits a window: no read per message
    assert registry.reads["signals"] == 2
    with pytest.raises(DependencyUnavailableError):
        cache.subscribers("status")  # nothing to fall back on


def test_subscriber_cache_concurrent_publishers_share_one_read() -> None:
    reads: list[str] = []

    def slow_load(channel: str) -> list[str]:
        reads.append(channel)
        time.sleep(0.05)
        return ["c-1"]

    cache = SubscriberCache(slow_load, clock=FakeClock())
    results: list[tuple[str, ...]] = []
    threads = [threading.Thread(target=lambda: results.append(cache.subscribers("signals"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert reads == ["signals"]
    assert results == [("c-1",)] * 8
