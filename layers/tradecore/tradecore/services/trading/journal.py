"""Where trade records go: MongoDB, or the durable outbox while MongoDB is unreachable.

A record is never just dropped. The store keeps the newest version of each trade; when it cannot
be reached the copy goes to the outbox (SQS), which the jobs drain into the store later, in any
order (versions decide). Only when both are down does recording fail, and the trade flow then
refuses to send an order it could not account for.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tradecore.domain.trades import TradeRecord
from tradecore.errors import DependencyUnavailableError
from tradecore.observability import logger
from tradecore.ports import TradeOutbox, TradeStore


class RecordedIn(StrEnum):
    STORE = "store"
    OUTBOX = "outbox"
    NOWHERE = "nowhere"  # only after the order left: the exchange and reconciliation still have it


@dataclass
class TradeJournal:
    store: TradeStore
    outbox: TradeOutbox

    def record(self, trade: TradeRecord, *, must: bool = True) -> RecordedIn:
        """Store the trade, or queue it in the outbox when the store is down.

        With ``must`` (before the order leaves) a failure of both raises
        ``DependencyUnavailableError``; without it (after: the order exists whatever we do) it is
        logged as an error for operators and reconciliation finds the order by its client id.
        """
        try:
            self.store.save(trade)
            return RecordedIn.STORE
        except DependencyUnavailableError as store_error:
            logger.warning(
                "trade store unavailable; recording to the outbox",
                extra={"client_order_id": trade.client_order_id, "status": trade.status.value,
                       "reason": store_error.message},
            )  # fmt: skip
        try:
            self.outbox.put(trade)
            return RecordedIn.OUTBOX
        except DependencyUnavailableError as outbox_error:
            logger.error(
                "trade record lost to both the store and the outbox",
                extra={"client_order_id": trade.client_order_id, "status": trade.status.value,
                       "reason": outbox_error.message},
            )  # fmt: skip
            if must:
                raise DependencyUnavailableError(
                    "Trades cannot be recorded right now, so no order was sent; try again shortly",
                    dependency="mongodb",
                ) from outbox_error
            return RecordedIn.NOWHERE
