"""The platform's kill switch in the ServiceStateTable, shared by every instance.

One item, ``platform#trading`` / ``switch``, with ``halted`` (bool), ``by`` (who flipped it),
``reason`` and ``at`` (ISO 8601, UTC). No item means trading was never halted. Reads are strongly
consistent, so an admin's halt stops the very next trade on any instance. Any failure to read is
an error, never "not halted": an unknown switch is not an off switch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from tradecore.adapters.aws.state_table import StateTable
from tradecore.domain.kill_switch import TradingSwitchState
from tradecore.errors import DependencyUnavailableError

_PK, _SK = "platform#trading", "switch"


@contextmanager
def _unavailable(operation: str) -> Iterator[None]:
    """Every DynamoDB failure (outage, throttling, a missing table, no permission) is unavailability."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise DependencyUnavailableError(
            f"DynamoDB refused the kill switch {operation} ({code})", dependency="dynamodb"
        ) from exc


class DynamoTradingSwitch:
    """The :class:`~tradecore.ports.trading.TradingSwitch` over the ServiceStateTable."""

    def __init__(self, table_name: str, region: str, *, clock: Callable[[], float] = time.time) -> None:
        self._table = StateTable(table_name, region, clock=clock)
        self._clock = clock

    def halted(self) -> bool:
        """Whether trading is halted; ``DependencyUnavailableError`` when the switch cannot be read,
        including a stored item this code cannot understand."""
        return self.state().halted

    def state(self) -> TradingSwitchState:
        """The switch, who turned it last, why and when (all None while it was never turned)."""
        with _unavailable("read"):
            item = self._table.get(_PK, _SK)
        if item is None:
            return TradingSwitchState(halted=False)
        halted = item.get("halted")
        if not isinstance(halted, bool):
            raise DependencyUnavailableError(
                "The kill switch holds an unreadable value", dependency="dynamodb", temporary=False
            )
        return TradingSwitchState(halted, _text(item, "by"), _text(item, "reason"), _time(item.get("at")))

    def set_halted(self, halted: bool, *, by: str, reason: str = "") -> None:
        """Turn trading off (``halted=True``) or back on for everyone, recording who did it, why and when."""
        at = datetime.fromtimestamp(self._clock(), UTC).isoformat()
        with _unavailable("write"):
            self._table.put(_PK, _SK, {"halted": bool(halted), "by": by, "reason": reason, "at": at})


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value if isinstance(value, str) and value else None


def _time(value: Any) -> datetime | None:
    """The stored ISO 8601 instant; None when absent or unreadable (the halt itself still counts)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
