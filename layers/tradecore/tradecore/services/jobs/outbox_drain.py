"""The outbox drain: trade records that waited in the outbox (SQS) while MongoDB was down, saved to
the store once it answers again.

Each message is one copy of a record (:mod:`tradecore.adapters.aws.trade_outbox`). Copies arrive in
any order and may arrive twice (SQS delivers at least once); the store keeps the newest version of
each client order id and an equal or older copy changes nothing, so replays are harmless. A store
that is down raises, so the message fails and SQS delivers it again later (and, after the queue's
last attempt, keeps it in the dead-letter queue, whose alarm calls a human). A body that is not a
trade record cannot be fixed by retrying, but it is never dropped either: it fails the same way and
ends in the dead-letter queue where a person can read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from tradecore.domain.trade_json import trade_from_json
from tradecore.errors import InvalidInputError
from tradecore.observability import logger
from tradecore.ports import TradeStore


class DrainOutcome(StrEnum):
    SAVED = "saved"  # stored, or replaced an older copy
    UNCHANGED = "unchanged"  # the store already had this copy or a newer one


@dataclass(frozen=True)
class OutboxDrain:
    """Saves outbox messages' trade records into the trade store."""

    store: TradeStore

    def drain(self, body: str) -> DrainOutcome:
        """Save the record in one message body.

        Raises ``InvalidInputError`` when the body is not a trade record, and
        ``DependencyUnavailableError`` when the store cannot be reached (both fail the message).
        """
        try:
            trade = trade_from_json(json.loads(body))
        except (ValueError, TypeError, AttributeError) as exc:  # JSONDecodeError is a ValueError
            logger.error("outbox message is not a trade record", extra={"error": type(exc).__name__})
            raise InvalidInputError("The outbox message is not a trade record") from exc
        saved = self.store.save(trade)
        logger.info(
            "outbox record drained",
            extra={"client_order_id": trade.client_order_id, "version": trade.version, "saved": saved},
        )
        return DrainOutcome.SAVED if saved else DrainOutcome.UNCHANGED
