"""The realtime benchmark's own helpers: which message is the timed tick, and the worker's RSS."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

from bench.bench_realtime import _descendants, _is_price, _is_user_event, _rss_mb


def test_is_price_matches_the_same_price_however_written() -> None:
    wanted = _is_price(Decimal("61007"))

    assert wanted({"type": "price_update", "data": {"price": "61007.00"}})
    assert not wanted({"type": "price_update", "data": {"price": "61007.01"}})
    assert not wanted({"type": "candle_update", "data": {"price": "61007"}})


def test_is_user_event_accepts_only_order_and_trade_messages() -> None:
    assert _is_user_event({"type": "order_update", "data": {}})
    assert _is_user_event({"type": "trade_executed", "data": {}})
    assert not _is_user_event({"type": "price_update", "data": {}})


def test_descendants_finds_a_child_process_and_rss_reads_its_memory() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in _descendants(os.getpid())
        rss = _rss_mb(child.pid)
        assert rss is not None
        assert rss > 1
    finally:
        child.kill()
        child.wait()
    assert _rss_mb(child.pid) is None
