"""Account snapshots and refresh windows in the ServiceStateTable, shared by every instance.

Items (keys are this module's business alone):

* a snapshot: ``account#<user id>`` / ``snapshot``, with ``balances`` (asset → ``free``/``locked``),
  ``equity_usdt``, ``as_of`` (ISO 8601), ``network``, ``unpriced`` and ``expires_at``;
* a refresh window: ``account#<user id>`` / ``refresh``, a windowed counter.

Amounts are stored as strings: a DynamoDB number read back through the state table may come out
as a float, and money must round-trip exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from tradecore.adapters.aws.state_table import StateTable
from tradecore.domain.accounts import AccountSnapshot, Network
from tradecore.domain.orders import Balance
from tradecore.domain.service_state import WindowCount

_SNAPSHOT, _REFRESH = "snapshot", "refresh"


def _pk(user_id: str) -> str:
    return f"account#{user_id}"


def _record(snapshot: AccountSnapshot) -> dict[str, Any]:
    return {
        "balances": {
            asset: {"free": str(balance.free), "locked": str(balance.locked)}
            for asset, balance in snapshot.balances.items()
        },
        "equity_usdt": str(snapshot.equity_usdt),
        "as_of": snapshot.as_of.isoformat(),
        "network": snapshot.network.value,
        "unpriced": list(snapshot.unpriced),
    }


def _snapshot(item: dict[str, Any]) -> AccountSnapshot | None:
    """The snapshot of a stored item; ``None`` for one this code cannot read (a miss, not an error)."""
    try:
        return AccountSnapshot(
            balances={
                asset: Balance(asset, Decimal(amounts["free"]), Decimal(amounts["locked"]))
                for asset, amounts in item["balances"].items()
            },
            equity_usdt=Decimal(item["equity_usdt"]),
            as_of=datetime.fromisoformat(item["as_of"]),
            network=Network(item["network"]),
            unpriced=tuple(item.get("unpriced", ())),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None


class DynamoAccountCache:
    """The :class:`~tradecore.ports.accounts.AccountCache` and the account refresh window over the
    ServiceStateTable. ``DependencyUnavailableError`` when DynamoDB cannot be reached."""

    def __init__(self, table_name: str, region: str, *, clock: Callable[[], float] = time.time) -> None:
        self._table = StateTable(table_name, region, clock=clock)
        self._clock = clock

    def get(self, user_id: str) -> AccountSnapshot | None:
        item = self._table.get(_pk(user_id), _SNAPSHOT)
        return None if item is None else _snapshot(item)

    def put(self, user_id: str, snapshot: AccountSnapshot, *, ttl_seconds: int) -> None:
        expires_at = int(self._clock()) + ttl_seconds
        self._table.put(_pk(user_id), _SNAPSHOT, _record(snapshot), expires_at=expires_at)

    def invalidate(self, user_id: str) -> None:
        self._table.delete(_pk(user_id), _SNAPSHOT)

    def acquire_refresh(self, user_id: str, *, window_seconds: int, now: float) -> WindowCount:
        """One refresh per window per user, atomically across instances (``granted=False`` when taken)."""
        return self._table.acquire_in_window(_pk(user_id), _REFRESH, limit=1, window_seconds=window_seconds, now=now)
