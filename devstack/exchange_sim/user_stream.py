"""User data stream events, routed to the WebSocket API subscriptions of each account.

Binance pushes an account's events to every ``userDataStream.subscribe.signature`` subscription
of that account, wrapped as ``{"subscriptionId": n, "event": {...}}`` (WebSocket API "Event
format"). Events: ``executionReport`` per order change, ``listStatus`` when an order list starts
or ends, and ``outboundAccountPosition`` for the assets an operation touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from devstack.exchange_sim import views
from devstack.exchange_sim.ledger import Account, Fill, Order, OrderList
from devstack.exchange_sim.simulator import Simulator


@dataclass(eq=False)
class Subscription:
    """One account's subscription on one WebSocket API connection."""

    subscription_id: int
    api_key: str
    queue: asyncio.Queue[str]


@dataclass
class UserStreams:
    """Who listens to which account; the engine's order and balance hooks publish through it."""

    sim: Simulator
    by_account: dict[str, set[Subscription]] = field(default_factory=lambda: defaultdict(set))
    messages_sent: int = 0
    # order lists whose status must be announced once the engine operation has reported its orders
    _lists_due: dict[tuple[str, int], Account] = field(default_factory=dict)
    _announced: dict[tuple[str, int], str] = field(default_factory=dict)  # the last list status sent

    def __post_init__(self) -> None:
        self.sim.engine.on_order = self.on_order
        self.sim.engine.on_balances = self.on_balances

    def add(self, subscription: Subscription) -> None:
        self.by_account[subscription.api_key].add(subscription)

    def remove(self, subscription: Subscription) -> None:
        listeners = self.by_account.get(subscription.api_key)
        if listeners is not None:
            listeners.discard(subscription)
            if not listeners:
                del self.by_account[subscription.api_key]

    def publish(self, api_key: str, event: dict[str, Any]) -> None:
        """Queue ``event`` for every subscription of the account (a full queue drops it, as a slow client would)."""
        for subscription in self.by_account.get(api_key, ()):
            text = json.dumps({"subscriptionId": subscription.subscription_id, "event": event}, separators=(",", ":"))
            with contextlib.suppress(asyncio.QueueFull):
                subscription.queue.put_nowait(text)
                self.messages_sent += 1

    # --- engine hooks ------------------------------------------------------------------------
    def on_order(self, account: Account, order: Order, execution_type: str, fill: Fill | None) -> None:
        if account.api_key not in self.by_account:
            return
        self.publish(account.api_key, views.execution_report(order, execution_type, fill, self.sim.clock.now()))
        if order.order_list_id >= 0:
            self._lists_due[(account.api_key, order.order_list_id)] = account

    def on_balances(self, account: Account, assets: set[str]) -> None:
        """Every engine operation ends here: announce its order lists, then the balances."""
        self._flush_lists()
        if account.api_key in self.by_account:
            self.publish(account.api_key, views.account_position(account, assets, self.sim.clock.now()))

    def _flush_lists(self) -> None:
        due, self._lists_due = self._lists_due, {}
        now = self.sim.clock.now()
        for key, account in due.items():
            event = list_status(account.order_lists[key[1]], account, now)
            if self._announced.get(key) == event["l"]:
                continue  # a triggered stop leg that has not filled yet changes nothing the list reports
            self._announced[key] = event["l"]
            if event["l"] == "ALL_DONE":
                del self._announced[key]
            self.publish(key[0], event)


def list_status(order_list: OrderList, account: Account, now: int) -> dict[str, Any]:
    """The ``listStatus`` user-data event (OCO lists: EXEC_STARTED/EXECUTING, then ALL_DONE)."""
    body = views.order_list_json(order_list, account, None)
    return {
        "e": "listStatus",
        "E": now,
        "s": body["symbol"],
        "g": body["orderListId"],
        "c": body["contingencyType"],
        "l": body["listStatusType"],
        "L": body["listOrderStatus"],
        "r": "NONE",
        "C": body["listClientOrderId"],
        "T": now,
        "O": [{"s": o["symbol"], "i": o["orderId"], "c": o["clientOrderId"]} for o in body["orders"]],
    }
