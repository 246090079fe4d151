"""Fakes for reconciliation's service tests: the trade flow's fake exchange with the reads
reconciliation makes (the account's fills, open orders, order lists), and in-memory reports."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from tests.support.trading_exchange import FakeExchange
from tradecore.domain.orders import OcoResult, OrderListStatus, OrderResult, OrderStatus, Trade
from tradecore.domain.reconciliation import ReconciliationReport
from tradecore.errors import NotFoundError

NOW_MS = 1_796_000_000_000  # 2026-11-30, the tests' clock


class ReconcileExchange(FakeExchange):
    """Every order's fills are the account's trades, dated ``fill_time_ms``; lists can be ended by hand."""

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)
        self.fill_time_ms = NOW_MS - 60_000
        self.hidden_fills: set[int] = set()  # order ids whose fills myTrades does not show
        self.lookups = 0  # get_order calls

    def get_order(self, symbol: str, *, client_order_id: str | None = None, order_id: int | None = None) -> OrderResult:
        self.lookups += 1
        return super().get_order(symbol, client_order_id=client_order_id, order_id=order_id)

    def my_trades(self, symbol: str, limit: int = 500) -> list[Trade]:
        trades: list[Trade] = []
        for order in self.orders.values():
            if order.symbol != symbol or order.order_id in self.hidden_fills:
                continue
            for index, fill in enumerate(order.fills):
                trade_id = fill.trade_id or order.order_id * 10 + index
                trades.append(
                    Trade(symbol, trade_id, order.order_id, fill.price, fill.quantity, fill.price * fill.quantity,
                          fill.commission, fill.commission_asset, self.fill_time_ms, order.side.value == "BUY", False)
                )  # fmt: skip
        return trades[-limit:]

    def open_orders(self, symbol: str | None = None) -> list[OrderResult]:
        return [o for o in self.orders.values() if o.status.is_open and symbol in (None, o.symbol)]

    def get_order_list(self, *, order_list_id: int | None = None, list_client_order_id: str | None = None) -> OcoResult:
        for key, (result, _) in self.lists.items():
            if key == list_client_order_id or result.order_list_id == order_list_id:
                return result
        raise NotFoundError("Order list does not exist.")

    def end_list(self, list_client_order_id: str, legs: tuple[OrderResult, ...]) -> None:
        """The OCO ended on the exchange (a leg filled, or it was cancelled there), with these legs."""
        result, quantity = self.lists[list_client_order_id]
        self.lists[list_client_order_id] = (
            replace(result, list_status=OrderListStatus.ALL_DONE, orders=legs),
            quantity,
        )

    def external(self, order: OrderResult) -> None:
        """An order placed on the exchange directly (not through the platform)."""
        self.orders[order.client_order_id] = order

    def set_order(self, client_order_id: str, **changes: object) -> None:
        self.orders[client_order_id] = replace(self.orders[client_order_id], **changes)  # type: ignore[arg-type]


def leg(order_id: int, status: OrderStatus, executed: str = "0") -> OrderResult:
    from tradecore.domain.orders import OrderType, Side

    return OrderResult(
        "BTCUSDT", order_id, f"oco-leg-{order_id}", status, Side.SELL, OrderType.LIMIT_MAKER, Decimal("60000"),
        Decimal("0.001"), Decimal(executed), Decimal(executed) * 60000,
    )  # fmt: skip


@dataclass
class InMemoryReports:
    reports: list[ReconciliationReport] = field(default_factory=list)
    down: bool = False

    def add(self, report: ReconciliationReport) -> None:
        if self.down:
            from tradecore.errors import DependencyUnavailableError

            raise DependencyUnavailableError("MongoDB is unavailable (fake)", dependency="mongodb")
        if all(r.id != report.id for r in self.reports):
            self.reports.append(report)

    def latest(self, user_id: str, limit: int = 10) -> list[ReconciliationReport]:
        return [r for r in reversed(self.reports) if r.user_id == user_id][:limit]


@dataclass
class RecordingQueue:
    sent: list[list[str]] = field(default_factory=list)

    def send(self, user_ids: list[str]) -> int:
        self.sent.append(list(user_ids))
        return len(user_ids)
