"""Stop-loss and take-profit on the exchange, linked to the trade they protect.

Both set: one OCO (a take-profit LIMIT_MAKER above, a stop-loss STOP_LOSS_LIMIT below; one filling
cancels the other). One set: that single order. They protect what was actually bought (the
executed quantity less any fee paid in the base asset), under client ids derived from the
trade's own, so a retry finds them instead of placing more. The stop-loss's limit sits
``stop_limit_slippage`` below its stop, so it can fill in the falling market that triggered it.

A protective order the exchange refuses does not undo the trade: the trade stays filled and its
protection says ``failed`` and why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from tradecore.domain.order_math import round_quantity
from tradecore.domain.orders import OcoRequest, OrderRequest, OrderType, Side, SymbolRules, oco_client_ids
from tradecore.domain.trades import Protection, ProtectionStatus, TradeRecord
from tradecore.errors import (
    DependencyUnavailableError,
    ExchangeRejectedError,
    InvalidInputError,
    NotFoundError,
    OrderStatusUnknownError,
)
from tradecore.observability import logger
from tradecore.ports import Exchange

_ZERO = Decimal(0)


def protective_order_id(trade_client_order_id: str, role: str) -> str:
    """``sl-…`` / ``tp-…``: the trade's client id with its prefix swapped (same length, same alphabet)."""
    return f"{role}-{trade_client_order_id.split('-', 1)[-1]}"


def protected_quantity(trade: TradeRecord, rules: SymbolRules) -> Decimal:
    """What the trade put in the account: executed, less base-asset fees, on the lot step."""
    fee_in_base = sum((f.commission for f in trade.fills if f.commission_asset == trade.base_asset), _ZERO)
    return round_quantity(max(trade.executed_quantity - fee_in_base, _ZERO), rules)


@dataclass(frozen=True)
class ProtectionDesk:
    stop_limit_slippage: Decimal

    def requested(self, stop_loss: Decimal | None, take_profit: Decimal | None) -> Protection | None:
        """The protection a trade asks for, before its order has filled."""
        if stop_loss is None and take_profit is None:
            return None
        return Protection(ProtectionStatus.AWAITING_FILL, stop_loss, take_profit)

    def place(self, exchange: Exchange, trade: TradeRecord, rules: SymbolRules) -> Protection | None:
        """Place the protection ``trade`` asks for once it has executed; unchanged otherwise."""
        asked = trade.protection
        if asked is None or asked.status is not ProtectionStatus.AWAITING_FILL or trade.executed_quantity <= _ZERO:
            return asked
        quantity = protected_quantity(trade, rules)
        try:
            if asked.stop_loss is not None and asked.take_profit is not None:
                oco = exchange.place_oco(
                    OcoRequest(
                        trade.symbol, Side.SELL, quantity, price=asked.take_profit, stop_price=asked.stop_loss,
                        stop_limit_price=self._stop_limit(asked.stop_loss), client_key=trade.client_order_id,
                    )
                )  # fmt: skip
                return replace(
                    asked, status=ProtectionStatus.ACTIVE, quantity=quantity,
                    order_list_id=oco.order_list_id, list_client_order_id=oco.list_client_order_id,
                )  # fmt: skip
            order = exchange.place_order(self._single(trade, asked, quantity))
            return replace(
                asked, status=ProtectionStatus.ACTIVE, quantity=quantity,
                order_id=order.order_id, client_order_id=order.client_order_id,
            )  # fmt: skip
        except OrderStatusUnknownError as exc:
            # it may exist: keep it "active" so closing the position tries to cancel it
            return replace(asked, status=ProtectionStatus.ACTIVE, quantity=quantity, reason=exc.message)
        except (InvalidInputError, ExchangeRejectedError, DependencyUnavailableError) as exc:
            logger.warning("protective order not placed", extra={"client_order_id": trade.client_order_id,
                                                                 "code": exc.code})  # fmt: skip
            return replace(asked, status=ProtectionStatus.FAILED, quantity=quantity, reason=exc.message)

    def cancel(self, exchange: Exchange, trade: TradeRecord) -> Protection | None:
        """Cancel the trade's active protection (the position is being closed or sold). One already
        executed or gone is ``done``. Raises the exchange's errors otherwise (the sale must wait)."""
        current = trade.protection
        if current is None or current.status is not ProtectionStatus.ACTIVE:
            return current
        try:
            if current.order_list_id is not None or current.list_client_order_id is not None:
                exchange.cancel_order_list(
                    trade.symbol, order_list_id=current.order_list_id,
                    list_client_order_id=current.list_client_order_id,
                )  # fmt: skip
            elif current.client_order_id is not None:
                exchange.cancel_order(trade.symbol, client_order_id=current.client_order_id)
            else:  # placed but unconfirmed: cancel the list its ids would name
                exchange.cancel_order_list(trade.symbol, list_client_order_id=self._list_id(trade))
        except NotFoundError:
            return replace(current, status=ProtectionStatus.DONE)
        return replace(current, status=ProtectionStatus.CANCELED)

    def _single(self, trade: TradeRecord, asked: Protection, quantity: Decimal) -> OrderRequest:
        if asked.stop_loss is not None:
            return OrderRequest(
                trade.symbol, Side.SELL, OrderType.STOP_LOSS_LIMIT, quantity,
                price=self._stop_limit(asked.stop_loss), stop_price=asked.stop_loss,
                client_order_id=protective_order_id(trade.client_order_id, "sl"),
            )  # fmt: skip
        return OrderRequest(
            trade.symbol, Side.SELL, OrderType.LIMIT, quantity, price=asked.take_profit,
            client_order_id=protective_order_id(trade.client_order_id, "tp"),
        )  # fmt: skip

    def _stop_limit(self, stop_loss: Decimal) -> Decimal:
        return stop_loss * (1 - self.stop_limit_slippage)

    @staticmethod
    def _list_id(trade: TradeRecord) -> str:
        return oco_client_ids(trade.client_order_id).list_id
