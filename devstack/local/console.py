"""One readable console line per log event: ``HH:MM:SS component LEVEL message  extras  trace=…``.

The functions log one JSON object per line (Powertools: ``timestamp``, ``level``, ``message``,
``trace_id``, ``extra_data``); the local stack and its other children log plain lines. On the
console a JSON line is rendered (its own time, the short trace id, a few short extras) and a plain
line is kept as it is after the time and component; the log file of the component keeps every
line exactly as printed. CloudWatch metric lines (EMF, ``_aws``) are records for CloudWatch, not
events: they stay in the file only.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, tzinfo
from typing import Any

COMPONENT_WIDTH = 9
LEVEL_WIDTH = 5
MAX_EXTRAS = 4
MAX_VALUE = 40
TRACE_CHARS = 8
# Keys that say where in the code, not what happened (they are in the file).
_QUIET_EXTRAS = {"location", "taskName", "exception", "exception_name", "stack_trace", "xray_trace_id"}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def event_line(at: datetime, component: str, level: str, message: str) -> str:
    """``HH:MM:SS component LEVEL message`` with the columns aligned."""
    return f"{at:%H:%M:%S} {component:<{COMPONENT_WIDTH}} {level:<{LEVEL_WIDTH}} {message}".rstrip()


def render(component: str, line: str, received: datetime, tz: tzinfo | None = None) -> str | None:
    """The console line for ``line`` printed by ``component`` (None: not for the console).

    ``received`` is when the line arrived: the time shown for plain lines. ``tz`` is the zone
    times are shown in (None: this machine's).
    """
    text = _ANSI.sub("", line).rstrip()
    record = _json_object(text)
    if record is None:
        return event_line(received.astimezone(tz), component, "", text)
    if "_aws" in record:
        return None
    return event_line(_time(record, received).astimezone(tz), component, _level(record), _message(record))


def _json_object(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _time(record: dict[str, Any], received: datetime) -> datetime:
    stamp = record.get("timestamp")
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp)
        except ValueError:
            pass
    return received


def _level(record: dict[str, Any]) -> str:
    return str(record.get("level") or record.get("levelname") or "INFO").upper()


def _message(record: dict[str, Any]) -> str:
    message = record.get("message", record.get("msg"))
    if message is None:  # some other JSON object: show it whole
        return json.dumps(record, separators=(",", ":"), default=str)
    parts = [str(message) if not isinstance(message, (dict, list)) else json.dumps(message, default=str)]
    extra = record.get("extra_data")
    extras = dict(extra) if isinstance(extra, dict) else {}
    if record.get("user_id"):
        extras = {"user": record["user_id"], **extras}
    shown = [(k, v) for k, v in extras.items() if k not in _QUIET_EXTRAS and v not in (None, "", [], {})]
    parts += [f"{key}={_short(value)}" for key, value in shown[:MAX_EXTRAS]]
    if len(shown) > MAX_EXTRAS:
        parts.append("…")
    failure = extras.get("exception_name")
    if failure:
        parts.append(f"! {failure} (traceback in the log file)")
    if record.get("trace_id"):
        parts.append(f"trace={str(record['trace_id'])[:TRACE_CHARS]}")
    return "  ".join(parts)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"
