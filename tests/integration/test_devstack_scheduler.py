"""The local scheduler fires the template's schedules with EventBridge's payload, on scaled time."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.support.devstack import running_local_stack


def test_rate_one_minute_fires_within_scaled_time(tmp_path: Path) -> None:
    # GIVEN a 60x clock: rate(1 minute) fires every second
    with running_local_stack(base_env={"EVENT_LOG_DIR": str(tmp_path)}, time_scale=60.0) as stack:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not list(tmp_path.glob("schedule-*.json")):
            time.sleep(0.1)
        fired = stack.stack.scheduler.fired
    files = list(tmp_path.glob("schedule-*.json"))
    assert files, "rate(1 minute) did not fire"
    event = json.loads(files[0].read_text())
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["account"] == "123456789012"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/TickFunctionEveryMinute"]
    assert event["detail"] == {}
    assert event["time"].endswith("Z")
    # the disabled cron schedule never fires
    assert set(fired) == {"TickFunctionEveryMinute"}
