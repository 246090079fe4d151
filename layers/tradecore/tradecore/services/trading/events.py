"""What a trade tells the platform afterwards: the user's channels, the public signals channel, and
the account cache. Best effort, every one: a lost message must not fail a trade that happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tradecore.domain.realtime import MessageType
from tradecore.domain.trades import SignalSummary, TradeRecord
from tradecore.errors import TradecoreError
from tradecore.observability import logger
from tradecore.ports import AccountCache, ChannelPublisher, UserNotifier

SIGNALS_CHANNEL = "signals"


@dataclass
class TradeEvents:
    notifier: UserNotifier
    publisher: ChannelPublisher
    account_cache: AccountCache
    render: Callable[[TradeRecord], dict[str, Any]]  # the trade as the API shows it

    def trade_changed(self, trade: TradeRecord, *, executed: bool) -> None:
        """``trade_executed`` (a new trade's outcome) or ``order_update`` (a later change) to the user,
        then ``account_update`` once the account may have changed (its cached view is dropped first)."""
        body = self.render(trade)
        self.notifier.notify(trade.user_id, MessageType.TRADE_EXECUTED if executed else MessageType.ORDER_UPDATE, body)
        if trade.executed_quantity > 0 or not executed:
            self._drop_account_view(trade.user_id)
            self.notifier.notify(
                trade.user_id,
                MessageType.ACCOUNT_UPDATE,
                {"reason": "trade", "trade_id": trade.id, "symbol": trade.symbol, "stale": True},
            )

    def signal_traded(self, trade: TradeRecord, signal: SignalSummary) -> None:
        """``trade_signal`` on the public channel: an AI-assisted trade happened (no user data)."""
        price = trade.average_price or trade.sent_price
        self.publisher.publish(
            SIGNALS_CHANNEL,
            MessageType.TRADE_SIGNAL,
            {
                "symbol": trade.symbol,
                "action": trade.side.value,
                "price": None if price is None else str(price),
                "ai_confidence": signal.confidence,
                "signal": signal.signal,
                "source": signal.source,
            },
        )

    def _drop_account_view(self, user_id: str) -> None:
        try:
            self.account_cache.invalidate(user_id)
        except TradecoreError as exc:  # the cache's own expiry bounds the staleness
            logger.warning("account view not invalidated after a trade", extra={"reason": exc.message})
