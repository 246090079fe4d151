"""The year-ahead run (`make test-unit-ahead`) really moves the process's clock, and only it."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import CLOCK_AHEAD_DAYS


def test_clock_ahead_moves_time_and_datetime_but_not_the_file_system(tmp_path: Path) -> None:
    # the kernel stamps a new file with the real time: the one reference the travel cannot move
    probe = tmp_path / "probe"
    probe.write_bytes(b"")
    real = probe.stat().st_mtime
    expected_shift = float(os.environ.get(CLOCK_AHEAD_DAYS, "0")) * 86_400

    assert time.time() - real == pytest.approx(expected_shift, abs=5)
    assert datetime.now(UTC).timestamp() - real == pytest.approx(expected_shift, abs=5)


def test_clock_ahead_leaves_sleep_and_monotonic_real() -> None:
    started = time.monotonic()
    time.sleep(0.05)

    assert 0.04 <= time.monotonic() - started < 1
