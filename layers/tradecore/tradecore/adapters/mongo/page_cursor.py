"""The opaque page cursor every newest-first page in MongoDB hands out: the last row's time (in a
given unit since the epoch, integer maths: no float rounding) and id, as URL-safe base64 JSON."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta

from tradecore.errors import InvalidInputError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)
MICROSECOND = timedelta(microseconds=1)


def encode_cursor(at: datetime, row_id: str, unit: timedelta) -> str:
    """The position of a row stored at ``at`` (naive times are UTC) with id ``row_id``."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    units = (at.astimezone(UTC) - EPOCH) // unit
    raw = json.dumps([units, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, unit: timedelta) -> tuple[datetime, str]:
    """``(at, id)`` of a cursor :func:`encode_cursor` gave with ``unit``; ``InvalidInputError`` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        units, row_id = json.loads(raw)
        if isinstance(units, bool) or not isinstance(units, int) or not isinstance(row_id, str):
            raise TypeError("unexpected cursor content")
        at = EPOCH + units * unit
    except (binascii.Error, ValueError, TypeError, OverflowError) as exc:
        raise InvalidInputError("The page cursor is not valid", details={"field": "cursor"}) from exc
    return at, row_id
