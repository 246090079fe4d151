"""Test-only SQS handler: records each event it receives, fails the records whose body is "fail"
(as ``batchItemFailures``) and raises when a record's body is "raise"."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any


def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
    folder = os.environ.get("EVENT_LOG_DIR")
    if folder:
        name = f"sqs-{time.time_ns()}-{uuid.uuid4().hex}.json"  # sorts in delivery order
        (Path(folder) / name).write_text(json.dumps({"function": context.function_name, "event": event}))
    bodies = [item["body"] for item in event["Records"]]
    if "raise" in bodies:
        raise RuntimeError("asked to raise")
    failed = [item["messageId"] for item in event["Records"] if item["body"] == "fail"]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
