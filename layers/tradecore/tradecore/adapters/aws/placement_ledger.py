"""Orders about to leave, in the ServiceStateTable: ``placement#<user_id>`` / ``<client_order_id>``
with ``at`` (epoch seconds), kept two days (an Idempotency-Key's retries come within one).

A conditional put marks an order once; a later attempt with the same client order id reads the
first mark instead, and knows the order may exist on the exchange.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tradecore.adapters.aws.state_table import StateTable

KEEP_SECONDS = 2 * 86_400


class DynamoPlacementLedger:
    """The :class:`~tradecore.ports.trading.PlacementLedger` over the ServiceStateTable."""

    def __init__(self, table_name: str, region: str, *, clock: Callable[[], float] = time.time) -> None:
        self._table = StateTable(table_name, region, clock=clock)

    def mark_sending(self, user_id: str, client_order_id: str, at: float) -> float | None:
        earlier = self._table.put_if_absent(
            f"placement#{user_id}", client_order_id, {"at": at}, expires_at=int(at) + KEEP_SECONDS
        )
        if earlier is None:
            return None
        return float(earlier.get("at", 0.0))  # an item without its time: sent at some point before

    def forget(self, user_id: str, client_order_id: str) -> None:
        self._table.delete(f"placement#{user_id}", client_order_id)
