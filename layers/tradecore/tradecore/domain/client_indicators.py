"""The caller's own indicators (``technical_indicators``): a bounded set of named numbers.

They go into the LLM prompt, so free text could steer the model (prompt injection) and a large
map would cost tokens. Only short plain names and finite numbers pass, at most
:data:`MAX_CLIENT_INDICATORS` of them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from tradecore.errors import InvalidInputError

MAX_CLIENT_INDICATORS = 32
NAME_PATTERN = r"^[A-Za-z0-9_.]{1,40}$"
_NAME = re.compile(NAME_PATTERN)
FIELD = "technical_indicators"


def clean_client_indicators(values: Mapping[str, Any]) -> dict[str, float]:
    """``values`` as ``{name: float}``, or :class:`InvalidInputError` naming the field.

    Refused: more than 32 entries, a name outside ``[A-Za-z0-9_.]{1,40}``, and any value that
    is not a finite int or float (strings, booleans, lists, objects, NaN, infinities).
    """
    if len(values) > MAX_CLIENT_INDICATORS:
        raise InvalidInputError(
            f"{FIELD}: {len(values)} entries given; at most {MAX_CLIENT_INDICATORS} are allowed",
            details={"field": FIELD},
        )
    cleaned: dict[str, float] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise InvalidInputError(
                f"{FIELD}: name {str(name)[:40]!r} must be 1-40 letters, digits, '_' or '.'",
                details={"field": FIELD},
            )
        number = _finite(value)
        if number is None:
            raise InvalidInputError(f"{FIELD}.{name}: must be a finite number", details={"field": f"{FIELD}.{name}"})
        cleaned[name] = number
    return cleaned


def _finite(value: Any) -> float | None:
    # bool is an int subclass, but True is no indicator value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond float range
        return None
    return number if math.isfinite(number) else None
