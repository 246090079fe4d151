"""The simulator's state: configuration, clock, market, engine, accounts, faults and limits."""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from devstack.exchange_sim.engine import Engine
from devstack.exchange_sim.errors import BinanceError
from devstack.exchange_sim.ledger import Account, StateFile, dump_accounts, load_accounts
from devstack.exchange_sim.market import HISTORY_MINUTES, Market
from devstack.exchange_sim.replay import ReplaySource, load_kline_csv
from devstack.exchange_sim.security import RateLimiter
from devstack.exchange_sim.symbols import DEFAULT_SYMBOLS, RATE_LIMITS, SymbolSpec

# The local stack's demo account. Not a secret: it only opens the simulator on 127.0.0.1.
DEMO_API_KEY = "tradecore-simulator-demo-key"
DEMO_API_SECRET = "tradecore-simulator-demo-secret"  # noqa: S105 - public demo value, not a credential
DEFAULT_BALANCES = {"USDT": "10000", "BTC": "0.1", "ETH": "1", "BNB": "5", "SOL": "20"}


@dataclass
class SimConfig:
    seed: int = 42
    tick_ms: int = 250
    manual_market: bool = False  # when True the market moves only through /sim/clock and /sim/price
    data_dir: Path | None = None
    replay_files: dict[str, Path] = field(default_factory=dict)
    history_minutes: int = HISTORY_MINUTES
    starting_balances: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_BALANCES))
    weight_per_minute: int = 6000
    orders_per_10s: int = 100
    orders_per_day: int = 200_000


@dataclass
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    reject_next_orders: list[dict[str, Any]] = field(default_factory=list)
    drop_response_after_place: int = 0  # the next N orders are placed, then the connection is cut
    hide_new_orders_ms: int = 0  # each order (or list) placed is invisible to queries this long

    def as_dict(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "error_rate": self.error_rate,
            "reject_next_order": len(self.reject_next_orders),
            "drop_response_after_place": self.drop_response_after_place,
            "hide_new_orders_ms": self.hide_new_orders_ms,
        }


class Clock:
    """Wall-clock milliseconds plus an offset that ``advance`` moves forward (time travel)."""

    def __init__(self) -> None:
        self.offset_ms = 0

    def now(self) -> int:
        return int(time.time() * 1000) + self.offset_ms


class Simulator:
    """Everything the HTTP and WebSocket handlers act on."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.clock = Clock()
        self.specs: dict[str, SymbolSpec] = {spec.symbol: spec for spec in DEFAULT_SYMBOLS}
        now = self.clock.now()
        replays = {symbol: ReplaySource(load_kline_csv(path), now) for symbol, path in config.replay_files.items()}
        start = now - now % config.tick_ms
        self.market = Market(self.specs, config.seed, config.tick_ms, start, replays, config.history_minutes)
        self.engine = Engine(self.market, self.specs)
        self.engine.clock = self.clock.now
        self.limits = RateLimiter(config.weight_per_minute, config.orders_per_10s, config.orders_per_day)
        self.faults = Faults()
        self.fault_rng = random.Random(config.seed)
        self.state_file = StateFile(config.data_dir)
        self.accounts: dict[str, Account] = {}
        self.uids: dict[str, int] = {}
        self.dirty = False
        # order id / order list id -> clock ms until which queries do not see it (hide_new_orders_ms)
        self.hidden_orders: dict[int, int] = {}
        self.hidden_lists: dict[int, int] = {}
        self._restore()
        if DEMO_API_KEY not in self.accounts:
            self.create_account(DEMO_API_KEY, DEMO_API_SECRET, config.starting_balances)

    # --- accounts ----------------------------------------------------------------------------
    def create_account(
        self, api_key: str | None = None, secret: str | None = None, balances: dict[str, str] | None = None
    ) -> Account:
        """A new account (or the existing one with its balances reset) holding ``balances``."""
        api_key = api_key or secrets.token_hex(32)
        secret = secret or secrets.token_hex(32)
        chosen = balances if balances is not None else self.config.starting_balances
        account = Account(api_key, secret)
        for asset, amount in chosen.items():
            account.balance(asset.upper())[0] = Decimal(str(amount))
        account.update_time = account.create_time = self.clock.now()
        self.accounts[api_key] = account
        self.uids.setdefault(api_key, 10_000_000 + len(self.uids))
        self.dirty = True
        return account

    def account_value(self, account: Account) -> Decimal:
        """The account's total value in USDT at the last prices (for the admin view)."""
        total = Decimal(0)
        for asset, (free, locked) in account.balances.items():
            if asset == "USDT":
                total += free + locked
            elif f"{asset}USDT" in self.market.symbols:
                total += (free + locked) * self.market.symbols[f"{asset}USDT"].last_price_decimal()
        return total

    # --- time --------------------------------------------------------------------------------
    def catch_up(self) -> int:
        """In live mode, print the ticks due by now; returns how many per symbol."""
        if self.config.manual_market:
            return 0
        return self.market.advance_to(self.clock.now())

    def advance(self, ms: int) -> int:
        """Move time forward by ``ms`` (market and, in live mode, the clock), printing the ticks."""
        if self.config.manual_market:
            return self.market.advance_to(self.market.time_ms + ms)
        self.clock.offset_ms += ms
        return self.market.advance_to(self.clock.now())

    # --- faults ------------------------------------------------------------------------------
    def injected_error(self) -> BinanceError | None:
        if self.faults.error_rate and self.fault_rng.random() < self.faults.error_rate:
            return BinanceError(-1001, "Internal error; unable to process your request. Please try again.", 503)
        return None

    def take_order_rejection(self) -> BinanceError | None:
        if not self.faults.reject_next_orders:
            return None
        spec = self.faults.reject_next_orders.pop(0)
        return BinanceError(
            int(spec.get("code", -2010)),
            str(spec.get("msg", "Order was rejected by the exchange (simulated fault).")),
            int(spec.get("status", 400)),
        )

    def take_dropped_response(self) -> bool:
        """Whether this placed order's response is to be lost (one ``drop_response_after_place``)."""
        if self.faults.drop_response_after_place <= 0:
            return False
        self.faults.drop_response_after_place -= 1
        return True

    def hide_if_faulted(self, order_ids: list[int], order_list_id: int | None = None) -> None:
        """Keep just-placed orders (and their list) out of queries for ``hide_new_orders_ms``.

        Binance can accept an order and not show it to ``GET /api/v3/order`` for a moment; a client
        that resends on one "not found" then places it twice. Order and list ids are global, so the
        ids alone name them.
        """
        if self.faults.hide_new_orders_ms <= 0:
            return
        until = self.clock.now() + self.faults.hide_new_orders_ms
        for order_id in order_ids:
            self.hidden_orders[order_id] = until
        if order_list_id is not None:
            self.hidden_lists[order_list_id] = until

    def order_visible(self, order_id: int) -> bool:
        """Whether queries may see this order yet (see :meth:`hide_if_faulted`)."""
        return self._visible(self.hidden_orders, order_id)

    def order_list_visible(self, order_list_id: int) -> bool:
        return self._visible(self.hidden_lists, order_list_id)

    def _visible(self, hidden: dict[int, int], key: int) -> bool:
        until = hidden.get(key)
        if until is None:
            return True
        if self.clock.now() < until:
            return False
        del hidden[key]
        return True

    def rate_limits(self) -> list[dict[str, Any]]:
        limits = [dict(item) for item in RATE_LIMITS]
        limits[0]["limit"] = self.limits.weight_per_minute
        limits[1]["limit"] = self.limits.orders_per_10s
        limits[2]["limit"] = self.limits.orders_per_day
        return limits

    # --- persistence -------------------------------------------------------------------------
    def _restore(self) -> None:
        state = self.state_file.load()
        if not state:
            return
        self.accounts = load_accounts(state)
        self.uids = {key: int(uid) for key, uid in state.get("uids", {}).items()}
        self.engine.next_order_id = int(state.get("next_order_id", 1))
        self.engine.next_list_id = int(state.get("next_list_id", 1))
        for symbol, price in state.get("last_prices", {}).items():
            if symbol in self.market.symbols:
                self.market.set_price(symbol, float(price))
        for account in self.accounts.values():
            for order in account.orders.values():
                if order.is_open:
                    self.engine.resting[order.symbol][order.order_id] = (account, order)

    def save(self) -> None:
        """Write accounts, open orders and id counters to the data directory (atomic)."""
        state = dump_accounts(self.accounts)
        state.update(
            {
                "uids": self.uids,
                "next_order_id": self.engine.next_order_id,
                "next_list_id": self.engine.next_list_id,
                "last_prices": {name: str(m.last_price_decimal()) for name, m in self.market.symbols.items()},
            }
        )
        self.state_file.save(state)
        self.dirty = False
