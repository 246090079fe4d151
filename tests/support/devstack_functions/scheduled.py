"""Test-only scheduled handler: records each EventBridge event it receives."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any


def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
    folder = os.environ.get("EVENT_LOG_DIR")
    if folder:
        (Path(folder) / f"schedule-{uuid.uuid4().hex}.json").write_text(json.dumps(event))
    return {"recorded": True}
