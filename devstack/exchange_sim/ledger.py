"""Accounts (one per API key), their balances, orders and trades, persisted as JSON.

Balances are ``[free, locked]`` Decimal pairs. An order that rests holds what it may spend in
``locked`` (quote for buys, base for sells) and gives back what it did not spend when it ends.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

_ZERO = Decimal(0)
KEEP_CLOSED_ORDERS = 1000  # per account, in the saved state
KEEP_TRADES = 2000


@dataclass(slots=True)
class Fill:
    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    trade_id: int
    is_maker: bool
    time: int


@dataclass(slots=True)
class Order:
    symbol: str
    order_id: int
    client_order_id: str
    side: str
    type: str
    time_in_force: str | None
    price: Decimal
    orig_qty: Decimal
    orig_quote_qty: Decimal
    stop_price: Decimal
    time: int
    update_time: int
    status: str = "NEW"
    executed_qty: Decimal = _ZERO
    cum_quote: Decimal = _ZERO
    order_list_id: int = -1
    is_working: bool = True
    working_time: int = -1
    locked: Decimal = _ZERO
    fills: list[Fill] = field(default_factory=list)  # fills of the request in progress (FULL response)

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed_qty


@dataclass(slots=True)
class OrderList:
    order_list_id: int
    list_client_order_id: str
    symbol: str
    order_ids: list[int]
    transaction_time: int
    status: str = "EXECUTING"  # listOrderStatus: EXECUTING | ALL_DONE


@dataclass(slots=True)
class TradeRecord:
    symbol: str
    trade_id: int
    order_id: int
    order_list_id: int
    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool
    is_maker: bool


@dataclass
class Account:
    api_key: str
    secret: str
    balances: dict[str, list[Decimal]] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    client_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    order_lists: dict[int, OrderList] = field(default_factory=dict)
    trades: list[TradeRecord] = field(default_factory=list)
    maker_rate: Decimal = Decimal("0.001")
    taker_rate: Decimal = Decimal("0.001")
    update_time: int = 0
    # the key's restrictions (``/sapi/v1/account/apiRestrictions``), set through the admin API
    create_time: int = 0
    withdrawals_enabled: bool = False
    ip_restricted: bool = False

    def balance(self, asset: str) -> list[Decimal]:
        entry = self.balances.get(asset)
        if entry is None:
            entry = self.balances[asset] = [_ZERO, _ZERO]
        return entry

    def free(self, asset: str) -> Decimal:
        entry = self.balances.get(asset)
        return entry[0] if entry else _ZERO

    def lock(self, asset: str, amount: Decimal) -> None:
        entry = self.balance(asset)
        entry[0] -= amount
        entry[1] += amount

    def unlock(self, asset: str, amount: Decimal) -> None:
        entry = self.balance(asset)
        entry[0] += amount
        entry[1] -= amount


def _order_to_json(order: Order) -> dict[str, Any]:
    data = {name: getattr(order, name) for name in Order.__slots__ if name != "fills"}
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in data.items()}


def _order_from_json(data: dict[str, Any]) -> Order:
    decimals = ("price", "orig_qty", "orig_quote_qty", "stop_price", "executed_qty", "cum_quote", "locked")
    fields: dict[str, Any] = {key: Decimal(value) if key in decimals else value for key, value in data.items()}
    return Order(**fields)


def dump_accounts(accounts: dict[str, Account]) -> dict[str, Any]:
    """A JSON-ready snapshot: balances, open orders, the latest closed orders and trades."""
    out = []
    for account in accounts.values():
        closed = [o for o in account.orders.values() if not o.is_open][-KEEP_CLOSED_ORDERS:]
        kept = [o for o in account.orders.values() if o.is_open] + closed
        out.append(
            {
                "api_key": account.api_key,
                "secret": account.secret,
                "balances": {asset: [str(v) for v in pair] for asset, pair in account.balances.items()},
                "orders": [_order_to_json(o) for o in sorted(kept, key=lambda o: o.order_id)],
                "order_lists": [
                    {**{n: getattr(ol, n) for n in OrderList.__slots__}} for ol in account.order_lists.values()
                ],
                "trades": [
                    {n: str(v) if isinstance(v, Decimal) else v for n in TradeRecord.__slots__ for v in [getattr(t, n)]}
                    for t in account.trades[-KEEP_TRADES:]
                ],
                "maker_rate": str(account.maker_rate),
                "taker_rate": str(account.taker_rate),
                "update_time": account.update_time,
                "create_time": account.create_time,
                "withdrawals_enabled": account.withdrawals_enabled,
                "ip_restricted": account.ip_restricted,
            }
        )
    return {"accounts": out}


def load_accounts(data: dict[str, Any]) -> dict[str, Account]:
    """Accounts from a :func:`dump_accounts` snapshot."""
    accounts = {}
    for raw in data.get("accounts", []):
        account = Account(
            raw["api_key"],
            raw["secret"],
            balances={a: [Decimal(v) for v in pair] for a, pair in raw["balances"].items()},
            maker_rate=Decimal(raw["maker_rate"]),
            taker_rate=Decimal(raw["taker_rate"]),
            update_time=raw.get("update_time", 0),
            create_time=raw.get("create_time", 0),
            withdrawals_enabled=raw.get("withdrawals_enabled", False),
            ip_restricted=raw.get("ip_restricted", False),
        )
        for item in raw["orders"]:
            order = _order_from_json(item)
            account.orders[order.order_id] = order
            account.client_ids[(order.symbol, order.client_order_id)] = order.order_id
        for item in raw.get("order_lists", []):
            account.order_lists[item["order_list_id"]] = OrderList(**item)
        decimals = ("price", "qty", "commission")
        for item in raw["trades"]:
            fields: dict[str, Any] = {k: Decimal(v) if k in decimals else v for k, v in item.items()}
            account.trades.append(TradeRecord(**fields))
        accounts[account.api_key] = account
    return accounts


class StateFile:
    """Atomic JSON persistence of the simulator state under the data directory."""

    def __init__(self, data_dir: Path | None) -> None:
        self.path = data_dir / "exchange-state.json" if data_dir else None

    def load(self) -> dict[str, Any] | None:
        if self.path is None or not self.path.exists():
            return None
        loaded: dict[str, Any] = json.loads(self.path.read_text())
        return loaded

    def save(self, state: dict[str, Any]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.path)
